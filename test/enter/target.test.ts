/** `-t cgroup:/PATH` and `-t container:PREFIX` resolution on a fake v1 docker host (fixtures/docker-v1.manifest). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fixtureHost } from '../helpers/host.js';
import { resolveTarget } from '../../src/enter/target.js';
import { NotFoundError } from '../../src/errors.js';

const ID = 'b43d92bf1e5c6f78bb9b7bc6f40721280299855ba692092716e3a1b6c0b86f3f';

test('cgroup:/PATH → the lowest PID in it, else below it; the check follows the process', async () => {
  const h = fixtureHost('docker-v1.manifest');
  try {
    const r = await resolveTarget(h.paths, { kind: 'cgroup', path: `/docker/${ID}` });
    assert.equal(r.pid, 200);
    assert.equal(r.stillMatches!(`11:name=systemd:/docker/${ID}\n10:hugetlb:/docker/${ID}\n`), true);
    assert.equal(r.stillMatches!('11:name=systemd:/system.slice/other.service\n0::/\n'), false);
    assert.equal(r.stillMatches!('garbage'), false);
    assert.equal((await resolveTarget(h.paths, { kind: 'cgroup', path: '/system.slice/docker.service' })).pid, 100);
    // /docker holds no process itself: the lowest PID below it
    assert.equal((await resolveTarget(h.paths, { kind: 'cgroup', path: '/docker' })).pid, 200);
    await assert.rejects(resolveTarget(h.paths, { kind: 'cgroup', path: '/nsx-test-none' }), (e: unknown) => e instanceof NotFoundError && /no such cgroup/.test(e.message));
  } finally {
    h.cleanup();
  }
});

test('container:PREFIX → the lowest PID of the one container whose id starts with it', async () => {
  const h = fixtureHost('docker-v1.manifest');
  try {
    const r = await resolveTarget(h.paths, { kind: 'container', prefix: 'b43d92' });
    assert.equal(r.pid, 200);
    assert.equal(r.stillMatches!(`11:name=systemd:/docker/${ID}\n`), true);
    assert.equal(r.stillMatches!('11:name=systemd:/system.slice/docker.service\n'), false);
    await assert.rejects(resolveTarget(h.paths, { kind: 'container', prefix: 'ffff' }), (e: unknown) => e instanceof NotFoundError && /no running container/.test(e.message));
    assert.equal((await resolveTarget(h.paths, { kind: 'pid', pid: 7 })).pid, 7);
  } finally {
    h.cleanup();
  }
});

test('container:NAME / RUNTIME:ID / pod: on a captured runtime host; the pinned-process check follows the container', async () => {
  const h = fixtureHost('runtimes-live.manifest');
  const WEB = 'a041e112e8302bad1ae565569e68c287eff5d3eac4deb935adb7aab37fb263ce';
  try {
    const r = await resolveTarget(h.paths, { kind: 'container', prefix: 'fx-shop-web-1' });
    assert.equal(r.pid, 2932);
    assert.equal(r.stillMatches!(`9:name=systemd:/docker/${WEB}\n0::/docker/${WEB}\n`), true);
    assert.equal(r.stillMatches!('9:name=systemd:/lxc.payload.apollo\n0::/lxc.payload.apollo\n'), false);
    assert.equal((await resolveTarget(h.paths, { kind: 'container', prefix: 'a041e112e830', runtime: 'docker' })).pid, 2932);
    assert.equal((await resolveTarget(h.paths, { kind: 'container', prefix: 'apollo' })).pid, 5795);
    await assert.rejects(resolveTarget(h.paths, { kind: 'container', prefix: 'a' }), (e: unknown) => (e as { exitCode?: number }).exitCode === 1 && /ambiguous, 3 containers match/.test((e as Error).message));
    await assert.rejects(resolveTarget(h.paths, { kind: 'pod', name: 'x' }), NotFoundError);
  } finally {
    h.cleanup();
  }
});
