/**
 * Identity joined with each runtime's local metadata, on fixture hosts: fixtures/runtimes-live.manifest (captured from
 * real Docker, Docker with --cgroup-parent and a rename, Podman, plain ctr and LXC on a hybrid host) and
 * fixtures/runtimes-v2.manifest (pure v2, systemd driver: Docker, Kubernetes on containerd and CRI-O, rootless
 * Podman, nerdctl, LXC, nspawn). No root needed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, renameSync, rmSync, writeFileSync, readFileSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { fixtureHost } from '../helpers/host.js';
import { readRunningContainers, resolveHostTarget } from '../../src/readers/runtimes/running.js';
import { RuntimeIndex } from '../../src/readers/runtimes/index.js';
import { parseContainerTarget } from '../../src/model/container-target.js';
import { identityJson, type Identity } from '../../src/model/identity.js';
import { NotFoundError, isNsxError } from '../../src/errors.js';

const WEB = 'a041e112e8302bad1ae565569e68c287eff5d3eac4deb935adb7aab37fb263ce';
const BATCH = '6b79703c11724a23d53f703409bf50ba3a3e696f3f593710424ff9d5e1297799';
const ALPHA = 'a87ac77f6b0955d2f088ef7c13eaf19703de7c2814ed6d3eb249611557b88b0c';
const PODMAN = 'fa68466d71f83fbf2996f0561e26d32d82accee5e3d496a9d74b654d6cfe5c17';

function byLabel(list: readonly { identity: Identity; pids: readonly number[] }[]): Map<string, { identity: Identity; pids: readonly number[] }> {
  return new Map(list.map((c) => [c.identity.label, c]));
}

test('live capture: every container named, with runtime, id, image; host daemons, shims, conmon and the LXC monitor are not containers', () => {
  const h = fixtureHost('runtimes-live.manifest');
  try {
    const got = byLabel(readRunningContainers(h.paths, { index: new RuntimeIndex(h.paths) }));
    assert.deepEqual([...got.keys()].sort(), ['apollo', 'fx-alpha', 'fx-batch', 'fx-cache', 'fx-job', 'fx-shop-web-1']);
    const web = got.get('fx-shop-web-1')!.identity;
    assert.deepEqual(identityJson(web), {
      runtime: 'docker', kind: 'container', id: WEB, name: 'fx-shop-web-1', image: 'nsx-busybox:latest', pod: null,
      compose: { project: 'shop', service: 'web' }, unit: null, namespace: null, label: 'fx-shop-web-1', ref: 'docker:a041e112e830', cgroup: `/docker/${WEB}`,
    });
    // --cgroup-parent /nsx-fx: the id under any parent
    const batch = got.get('fx-batch')!.identity;
    assert.equal(batch.runtime, 'docker');
    assert.equal(batch.id, BATCH);
    assert.equal(batch.cgroup, `/nsx-fx/${BATCH}`);
    assert.equal(got.get('fx-cache')!.identity.runtime, 'podman');
    assert.equal(got.get('fx-cache')!.identity.image, 'localhost/nsx-busybox:latest');
    assert.equal(got.get('fx-cache')!.identity.cgroup, `/libpod_parent/libpod-${PODMAN}`);
    const job = got.get('fx-job')!.identity;
    assert.deepEqual([job.runtime, job.id, job.namespace, job.cgroup], ['containerd', 'fx-job', 'default', '/default/fx-job']);
    const lxc = got.get('apollo')!.identity;
    assert.deepEqual([lxc.runtime, lxc.id, lxc.image], ['lxc', 'apollo', 'dir:/var/lib/lxc/apollo/rootfs']);
    assert.deepEqual(got.get('apollo')!.pids, [5795]); // not the monitor (5794, /lxc.monitor.apollo)
  } finally {
    h.cleanup();
  }
});

test('live capture: targets by name, full id, RUNTIME:ID label, unique prefix; ambiguous prefixes refused listing candidates', () => {
  const h = fixtureHost('runtimes-live.manifest');
  try {
    const r = (v: string) => resolveHostTarget(h.paths, parseContainerTarget(v), { cmd: 'nsx enter' });
    assert.deepEqual(r('container:fx-shop-web-1').pids, [2932]);
    assert.deepEqual(r(`container:${WEB}`).pids, [2932]);
    assert.deepEqual(r('container:docker:a041e112e830').pids, [2932]);
    assert.deepEqual(r('container:docker:a041').pids, [2932]);
    assert.deepEqual(r('container:a04').pids, [2932]);
    assert.deepEqual(r('container:A87AC').pids, [5631]);
    assert.deepEqual(r('container:apollo').pids, [5795]);
    assert.deepEqual(r('container:lxc:apollo').pids, [5795]);
    assert.deepEqual(r('container:fx-job').pids, [5756]);
    assert.deepEqual(r('container:fx-batch').containers[0].cgroup, `/nsx-fx/${BATCH}`);
    // `a`: two Docker ids and the LXC container `apollo` — the bug of issue 9 (an LXC container entered)
    for (const [q, n] of [['container:a', 3], ['container:docker:a', 2]] as const) {
      assert.throws(
        () => r(q),
        (e: unknown) => {
          assert.ok(isNsxError(e) && e.exitCode === 1, String(e));
          assert.match((e as Error).message, new RegExp(`ambiguous, ${n} containers match`));
          assert.match((e as Error).message, /docker:a041e112e830 fx-shop-web-1 \(nsx-busybox:latest\)/);
          assert.match((e as Error).message, /docker:a87ac77f6b09 fx-alpha/);
          if (n === 3) assert.match((e as Error).message, /lxc:apollo/);
          assert.ok(!(e as Error).message.includes('\n'));
          return true;
        },
      );
    }
    assert.throws(() => r('container:zzz'), (e: unknown) => e instanceof NotFoundError && e.exitCode === 1 && /no running container matches/.test(e.message));
    assert.throws(() => r('container:podman:fx-shop-web-1'), NotFoundError);
  } finally {
    h.cleanup();
  }
});

test('an exact name wins over an id prefix it also is (a container named like the start of another id)', () => {
  const h = fixtureHost('runtimes-live.manifest');
  try {
    // rename the LXC-less world: call a Docker container "a87" while fx-alpha's id starts with a87
    const f = join(h.dir, 'var/lib/docker/containers', WEB, 'config.v2.json');
    writeFileSync(f, readFileSync(f, 'utf8').replace('"/fx-shop-web-1"', '"/a87"'));
    const r = resolveHostTarget(h.paths, parseContainerTarget('container:a87'));
    assert.equal(r.containers[0].id, WEB);
    assert.equal(resolveHostTarget(h.paths, parseContainerTarget('container:a87a')).containers[0].id, ALPHA);
  } finally {
    h.cleanup();
  }
});

test('names stay true: a rename (config.v2.json rewritten) reaches an index kept open; metadata gone → path label', () => {
  const h = fixtureHost('runtimes-live.manifest');
  try {
    let now = 0;
    const index = new RuntimeIndex(h.paths, { now: () => now });
    const path = `/docker/${WEB}`;
    assert.equal(index.identify(path)?.label, 'fx-shop-web-1');
    const f = join(h.dir, 'var/lib/docker/containers', WEB, 'config.v2.json');
    // as Docker does: write a new file and rename it over the old one (new inode)
    writeFileSync(f + '.tmp', readFileSync(f, 'utf8').replace('"/fx-shop-web-1"', '"/renamed"'));
    renameSync(f + '.tmp', f);
    assert.equal(index.identify(path)?.label, 'fx-shop-web-1', 'within recheckMs the cached name stands');
    now += 1000;
    assert.equal(index.identify(path)?.label, 'renamed');
    assert.equal(index.identify(path)?.name, 'renamed');
    // rewritten in place with the same size: mtime decides
    writeFileSync(f, readFileSync(f, 'utf8').replace('"/renamed"', '"/renamex"'));
    utimesSync(f, new Date(), new Date(Date.now() + 5000));
    now += 1000;
    assert.equal(index.identify(path)?.name, 'renamex');
    rmSync(join(h.dir, 'var/lib/docker/containers', WEB), { recursive: true });
    now += 1000;
    const bare = index.identify(path)!;
    assert.equal(bare.label, 'docker:a041e112e830');
    assert.equal(bare.name, undefined);
    assert.equal(bare.namespace, 'moby'); // still known from containerd's task of it
  } finally {
    h.cleanup();
  }
});

test('malformed and truncated metadata: no name, no error', () => {
  const h = fixtureHost('runtimes-live.manifest');
  try {
    writeFileSync(join(h.dir, 'var/lib/docker/containers', WEB, 'config.v2.json'), '{"Name": "/half');
    writeFileSync(join(h.dir, 'var/lib/containers/storage/overlay-containers/containers.json'), '[{"id": 5}, null, "x"]');
    writeFileSync(join(h.dir, 'var/lib/lxc/apollo/config'), '\0\0garbage');
    const got = byLabel(readRunningContainers(h.paths, { index: new RuntimeIndex(h.paths) }));
    assert.ok(got.has('docker:a041e112e830'));
    assert.ok(got.has(`podman:${PODMAN.slice(0, 12)}`));
    assert.ok(got.has('apollo'));
  } finally {
    h.cleanup();
  }
});

test('pure v2 host: Docker systemd driver, Kubernetes (containerd, CRI-O), rootless Podman, nerdctl, LXC, nspawn', () => {
  const h = fixtureHost('runtimes-v2.manifest');
  try {
    const got = byLabel(readRunningContainers(h.paths, { index: new RuntimeIndex(h.paths) }));
    assert.deepEqual([...got.keys()].sort(), ['builder', 'cache', 'coredns-5d78c9869d-8xk2p/POD', 'coredns-5d78c9869d-8xk2p/coredns', 'debian-build', 'httpd-1', 'shop-api-1', 'web-6d4cf56db6-x7x2k/web']);
    const api = got.get('shop-api-1')!;
    assert.deepEqual(api.pids, [1001, 1002]);
    assert.deepEqual(api.identity.compose, { project: 'shop', service: 'api' });
    assert.equal(api.identity.image, 'nginx:1.25');
    const dns = identityJson(got.get('coredns-5d78c9869d-8xk2p/coredns')!.identity)!;
    assert.equal(dns.runtime, 'containerd');
    assert.equal(dns.name, 'coredns');
    assert.equal(dns.image, 'registry.k8s.io/coredns/coredns:v1.10.1');
    assert.deepEqual(dns.pod, { namespace: 'kube-system', name: 'coredns-5d78c9869d-8xk2p', uid: '7a96c459-d529-44ae-9f99-90d3798d6426' });
    assert.equal(dns.namespace, 'k8s.io');
    assert.equal(got.get('coredns-5d78c9869d-8xk2p/POD')!.identity.sandbox, true);
    const web = got.get('web-6d4cf56db6-x7x2k/web')!.identity;
    assert.deepEqual([web.runtime, web.name, web.image, web.pod?.namespace], ['cri-o', 'web', 'docker.io/library/node:20-alpine', 'shop']);
    assert.deepEqual(got.get('web-6d4cf56db6-x7x2k/web')!.pids, [3001]); // conmon (3000) is not the container
    assert.deepEqual([got.get('cache')!.identity.runtime, got.get('cache')!.identity.image], ['podman', 'docker.io/library/redis:7']);
    assert.deepEqual([got.get('httpd-1')!.identity.runtime, got.get('httpd-1')!.identity.namespace], ['containerd', 'default']);
    assert.equal(got.get('builder')!.identity.image, 'alpine:3.18');
    assert.deepEqual([got.get('debian-build')!.identity.runtime, got.get('debian-build')!.identity.kind], ['nspawn', 'machine']);
  } finally {
    h.cleanup();
  }
});

test('pure v2 host: pod targets (NAMESPACE/NAME, NAME, UID) resolve to the pod cgroup and its containers', () => {
  const h = fixtureHost('runtimes-v2.manifest');
  try {
    const r = (v: string) => resolveHostTarget(h.paths, parseContainerTarget(v), { cmd: 'nsx enter' });
    const p = r('pod:kube-system/coredns-5d78c9869d-8xk2p');
    assert.equal(p.cgroup, '/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod7a96c459_d529_44ae_9f99_90d3798d6426.slice');
    assert.deepEqual(p.pids, [2001, 2002]); // the sandbox (pause) first: enter joins the pod's namespaces
    assert.equal(p.containers.length, 2);
    assert.deepEqual(r('pod:coredns-5d78c9869d-8xk2p').pids, [2001, 2002]);
    assert.deepEqual(r('pod:7a96c459').pids, [2001, 2002]);
    assert.deepEqual(r('pod:shop/web-6d4cf56db6-x7x2k').pids, [3001]);
    assert.throws(() => r('pod:default/coredns-5d78c9869d-8xk2p'), (e: unknown) => e instanceof NotFoundError && /no running pod matches/.test(e.message));
    // a k8s container by its label POD/CONTAINER, by name, by the CRI runtime:id
    assert.deepEqual(r('container:coredns-5d78c9869d-8xk2p/coredns').pids, [2002]);
    assert.deepEqual(r('container:coredns').pids, [2002]);
    assert.deepEqual(r('container:containerd:1d3d308a7d48').pids, [2002]);
    assert.deepEqual(r('container:cri-o:f33f').pids, [3001]);
    // an nspawn machine is a target too (as machinectl shell would find it)
    assert.deepEqual(r('container:machine:debian-build').pids, [7001]);
    assert.deepEqual(r('container:debian-build').pids, [7001]);
  } finally {
    h.cleanup();
  }
});

test('CLI: a hostile container name in an ambiguity message is escaped and stays on one line', async () => {
  const { runNsx } = await import('../helpers/cli.js');
  const { fixture } = await import('../helpers/host.js');
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'nsx-test-evil-'));
  try {
    const m = join(dir, 'evil.manifest');
    writeFileSync(m, readFileSync(fixture('runtimes-live.manifest'), 'utf8').replace('"Name": "/fx-alpha"', '"Name": "/fx-\\u001b[31mred\\u0007\\n2"'));
    const r = runNsx(['--root', m, 'top', 'container:a', '-n', '1']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.ok(!r.stderr.includes('\x1b') && !r.stderr.includes('\x07'), 'control characters escaped');
    assert.match(r.stderr, /fx-\\x1b\[31mred\\x07\\x0a2/);
    assert.match(r.stderr, /ambiguous, 3 containers match/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a target naming only a stopped container says so (Docker config Running false; Podman storage without a cgroup)', () => {
  const h = fixtureHost('runtimes-live.manifest');
  try {
    const id = 'e'.repeat(64);
    const d = join(h.dir, 'var/lib/docker/containers', id);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'config.v2.json'), JSON.stringify({ ID: id, Name: '/old-web', Config: { Image: 'nginx' }, State: { Running: false, Pid: 0 } }));
    const r = (v: string) => resolveHostTarget(h.paths, parseContainerTarget(v), { cmd: 'nsx enter' });
    assert.throws(() => r('container:old-web'), (e: unknown) => e instanceof NotFoundError && /no running container matches \(docker:eeeeeeeeeeee old-web exists but is not running\)/.test(e.message));
    assert.throws(() => r('container:eee'), (e: unknown) => e instanceof NotFoundError && /old-web exists but is not running/.test(e.message));
    assert.throws(() => r('container:zzz'), (e: unknown) => e instanceof NotFoundError && !/not running\)/.test(e.message));
  } finally {
    h.cleanup();
  }
});
