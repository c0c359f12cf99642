import test from 'node:test';
import assert from 'node:assert/strict';
import { ParseError } from '../../src/errors.js';
import { parseProcCgroup, hierarchyKey } from '../../src/parse/proc-cgroup.js';
import { fuzzParser } from '../helpers/fuzz.js';

test('parseProcCgroup: every line form', () => {
  const text = [
    '12:pids:/system.slice/docker.service',
    '7:cpu,cpuacct:/docker/abc',
    '1:name=systemd:/user.slice/user-1000.slice/session-2.scope',
    '5:cpu,name=foo:/x',
    '3:memory:/system.slice/sshd@126-10.240.0.15:22-10.240.0.1:53170.service',
    '0::/../../kubepods-besteffort.slice/x.scope',
    '',
  ].join('\n');
  assert.deepEqual(parseProcCgroup(text), [
    { hierarchyId: 12, controllers: ['pids'], path: '/system.slice/docker.service' },
    { hierarchyId: 7, controllers: ['cpu', 'cpuacct'], path: '/docker/abc' },
    { hierarchyId: 1, controllers: [], name: 'systemd', path: '/user.slice/user-1000.slice/session-2.scope' },
    { hierarchyId: 5, controllers: ['cpu'], name: 'foo', path: '/x' },
    { hierarchyId: 3, controllers: ['memory'], path: '/system.slice/sshd@126-10.240.0.15:22-10.240.0.1:53170.service' },
    { hierarchyId: 0, controllers: [], path: '/../../kubepods-besteffort.slice/x.scope' },
  ]);
  assert.deepEqual(parseProcCgroup('0::/'), [{ hierarchyId: 0, controllers: [], path: '/' }]); // no final newline
  assert.deepEqual(parseProcCgroup(''), []);
});

test('parseProcCgroup: malformed lines are ParseErrors with the line number', () => {
  assert.throws(() => parseProcCgroup('0::/\nnonsense\n', '/proc/1/cgroup'), (e: unknown) => e instanceof ParseError && e.line === 2 && e.message.includes('/proc/1/cgroup'));
  assert.throws(() => parseProcCgroup('x:cpu:/\n', 'f'), ParseError);
  assert.throws(() => parseProcCgroup('1:cpu:\n', 'f'), ParseError);
});

test('hierarchyKey: same key from /proc/PID/cgroup and mount options', () => {
  assert.equal(hierarchyKey(['cpuacct', 'cpu']), 'cpu,cpuacct');
  assert.equal(hierarchyKey([], 'systemd'), 'name=systemd');
  assert.equal(hierarchyKey([]), '');
});

test('fuzz: parseProcCgroup throws only ParseError', () => {
  fuzzParser(parseProcCgroup, ['12:pids:/a\n1:name=systemd:/b\n0::/c\n', '3:memory:/x:y:z\n0::/../../a\n'], 300);
});
