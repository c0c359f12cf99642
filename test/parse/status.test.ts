import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { parseStatus, parseStatusIds, parseKbSize, unescapeStatusName } from '../../src/parse/status.js';
import { fixture } from '../helpers/host.js';

const KUBE = `Name:   kube-proxy
State:  S (sleeping)
Tgid:   26235
Pid:    26235
PPid:   1234
TracerPid:      0
Uid:\t0\t1\t2\t3
Gid:\t4\t5\t6\t7
Groups:
NStgid: 26235\t1
NSpid:  26235\t1
NSpgid: 26235\t1
NSsid:  26235\t1
VmPeak:   758200 kB
VmRSS:     42652 kB
RssAnon:           24852 kB
Threads:        51
voluntary_ctxt_switches:\t4742839
`;

test('parseStatus: ids, namespaced ids, sizes in bytes', () => {
  const s = parseStatus(KUBE);
  assert.equal(s.name, 'kube-proxy');
  assert.equal(s.state, 'S');
  assert.equal(s.ppid, 1234);
  assert.deepEqual(s.uid, { real: 0, effective: 1, saved: 2, fs: 3 });
  assert.deepEqual(s.gid, { real: 4, effective: 5, saved: 6, fs: 7 });
  assert.deepEqual(s.groups, []);
  assert.deepEqual(s.nspid, [26235, 1]);
  assert.deepEqual(s.nstgid, [26235, 1]);
  assert.deepEqual(s.nssid, [26235, 1]);
  assert.equal(s.vmRssBytes, 42652 * 1024);
  assert.equal(s.rssAnonBytes, 24852 * 1024);
  assert.equal(s.threads, 51);
  assert.equal(s.voluntaryCtxtSwitches, 4742839);
  assert.equal(s.vmSwapBytes, undefined, 'absent is not zero');
});

test('parseStatus: old kernel without NS* lines, leading blank line, junk values', () => {
  const s = parseStatus('\nName:\tx\nPid:\tabc\nUid:\t1\t2\nThreads:\t\n');
  assert.equal(s.name, 'x');
  assert.equal(s.pid, undefined);
  assert.equal(s.uid, undefined);
  assert.equal(s.nspid, undefined);
  assert.equal(s.threads, undefined);
});

test('parseStatus: a name with spaces and kernel escapes keeps its spacing', () => {
  const s = parseStatus('Name:\tmy  prog\\nx\\\\y\nPid:\t1\n');
  assert.equal(s.name, 'my  prog\nx\\y');
});

test('parseKbSize and unescapeStatusName', () => {
  assert.equal(parseKbSize('0 kB'), 0);
  assert.equal(parseKbSize('12 kb'), 12 * 1024);
  assert.equal(parseKbSize('7'), 7);
  assert.equal(parseKbSize('x kB'), undefined);
  assert.equal(unescapeStatusName('a\\nb'), 'a\nb');
});

test('parseStatusIds gives what parseStatus gives for Uid, NSpid and VmRSS (literal cases and every corpus capture)', () => {
  const corpus = readdirSync(fixture('procfs-corpus')).filter((f) => f.startsWith('status--'));
  const texts = [
    KUBE,
    '\nName:\tx\nPid:\tabc\nUid:\t1\t2\nThreads:\t\n',
    'Uid:\t0\t0\t0\t0\nNSpid:\t7\nVmRSS:\t 12 kB\nUid:\t5\t5\t5\t5\n',
    'Name:\tUid: 1 2 3 4\nNSpid:\nVmRSS: x kB',
    'Name:\tk\n',
    '',
    ...corpus.map((f) => readFileSync(fixture('procfs-corpus', f), 'latin1')),
  ];
  for (const t of texts) {
    const full = parseStatus(t);
    assert.deepEqual(parseStatusIds(t), { uid: full.uid, nspid: full.nspid, vmRssBytes: full.vmRssBytes }, JSON.stringify(t.slice(0, 40)));
  }
});
