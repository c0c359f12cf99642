import test from 'node:test';
import assert from 'node:assert/strict';
import {
  forkRejectedReports, oomKillReports, parseDmesgLine, parseKernelLog, parseKmsgRecord, parseOomKillLine,
} from '../../src/parse/kmsg.js';

// captured on this project's v1 test host (kernel 6.18), `dmesg` after a parent's 32 MiB limit killed `tail /dev/zero`
const DMESG = `[  467.975425] oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/nsx-test-why-oom-7443,task_memcg=/nsx-test-why-oom-7443/child,task=tail,pid=30944,uid=0
[  467.975463] Memory cgroup out of memory: Killed process 30944 (tail) total-vm:35476kB, anon-rss:32512kB, file-rss:1456kB, shmem-rss:0kB, UID:0 pgtables:108kB oom_score_adj:0
`;

test('parseKmsgRecord: PRIO,SEQ,USEC,FLAGS;MESSAGE with continuation lines and \\x escapes', () => {
  const r = parseKmsgRecord('3,1234,467975425,-;oom-kill:constraint=CONSTRAINT_MEMCG,task=a\\x0ab\n SUBSYSTEM=x\n');
  assert.deepEqual(r, { priority: 3, facility: 0, seq: 1234, usec: 467975425, message: 'oom-kill:constraint=CONSTRAINT_MEMCG,task=a\nb' });
  assert.equal(parseKmsgRecord('12,5,100,c,more;msg')?.facility, 1);
  assert.equal(parseKmsgRecord('not a record'), undefined);
  assert.equal(parseKmsgRecord(''), undefined);
});

test('parseDmesgLine: timestamps to µs; lines without one kept as messages; blank lines dropped', () => {
  assert.deepEqual(parseDmesgLine('[  467.975425] hello'), { priority: 6, facility: 0, usec: 467975425, message: 'hello' });
  assert.equal(parseDmesgLine('[1.5] x')?.usec, 1_500_000);
  assert.equal(parseDmesgLine('plain')?.message, 'plain');
  assert.equal(parseDmesgLine('   '), undefined);
});

test('parseOomKillLine: the fields of a real report; not an oom-kill line → undefined', () => {
  const r = parseOomKillLine(DMESG.split('\n')[0]);
  assert.deepEqual(r, {
    constraint: 'CONSTRAINT_MEMCG',
    oom_memcg: '/nsx-test-why-oom-7443',
    task_memcg: '/nsx-test-why-oom-7443/child',
    task: 'tail',
    pid: 30944,
    uid: 0,
  });
  // a nodemask list with commas does not split the fields; a host-wide OOM has no oom_memcg
  const h = parseOomKillLine('oom-kill:constraint=CONSTRAINT_NONE,nodemask=0-1,3,cpuset=/,mems_allowed=0-1,global_oom,task_memcg=/x,task=java,pid=7,uid=1000');
  assert.equal(h?.constraint, 'CONSTRAINT_NONE');
  assert.equal(h?.oom_memcg, undefined);
  assert.equal(h?.task_memcg, '/x');
  assert.equal(h?.pid, 7);
  assert.equal(parseOomKillLine('Out of memory: Killed process 1'), undefined);
  assert.equal(parseOomKillLine('oom-kill:garbage'), undefined);
});

test('oomKillReports: joined with the Killed process line that follows; kmsg and dmesg text alike', () => {
  const [r] = oomKillReports(parseKernelLog(DMESG));
  assert.equal(r.usec, 467975425);
  assert.equal(r.oom_memcg, '/nsx-test-why-oom-7443');
  assert.equal(r.anon_rss_kb, 32512);
  assert.equal(r.total_vm_kb, 35476);
  const kmsg = [
    '6,10,5000000,-;unrelated',
    '4,11,6000000,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/a,task_memcg=/a/b,task=node,pid=5,uid=0',
    ' SUBSYSTEM=memory',
    '3,12,6000001,-;Memory cgroup out of memory: Killed process 5 (node) total-vm:100kB, anon-rss:50kB, file-rss:1kB, shmem-rss:0kB, UID:0 pgtables:8kB oom_score_adj:0',
    '4,13,7000000,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/a,task_memcg=/a/c,task=sh,pid=6,uid=0',
  ].join('\n');
  const rs = oomKillReports(parseKernelLog(kmsg));
  assert.equal(rs.length, 2);
  assert.deepEqual([rs[0].seq, rs[0].anon_rss_kb, rs[1].seq, rs[1].anon_rss_kb], [11, 50, 13, undefined]);
});

test('forkRejectedReports: the pids controller line', () => {
  const rs = forkRejectedReports(parseKernelLog('[ 12.000001] cgroup: fork rejected by pids controller in /nsx-test/p/c\n'));
  assert.deepEqual(rs, [{ usec: 12_000_001, cgroup: '/nsx-test/p/c' }]);
});

test('hostile input: control characters and huge lines do not throw', () => {
  const junk = ['\x00\x01', '[', '[ 1.2', '1,2,3', 'oom-kill:' + 'x'.repeat(100000), '9999999999999999999,1,1,-;x'].join('\n');
  assert.doesNotThrow(() => oomKillReports(parseKernelLog(junk)));
});
