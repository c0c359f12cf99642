/**
 * Pure parsers for the kernel log as `/dev/kmsg` gives it (one record per read:
 * `PRIO,SEQ,USEC,FLAGS[,…];MESSAGE` then ` KEY=VALUE` continuation lines, see
 * Documentation/ABI/testing/dev-kmsg) and as `dmesg` prints it (`[  123.456789] MESSAGE`), and of the
 * memory-cgroup OOM reports in it:
 *
 *   oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/a,task_memcg=/a/b,task=node,pid=123,uid=0
 *   Memory cgroup out of memory: Killed process 123 (node) total-vm:1000kB, anon-rss:500kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:100kB oom_score_adj:0
 *
 * and of the pids controller's `cgroup: fork rejected by pids controller in /path`.
 * `oom_memcg` is the cgroup whose limit was hit, `task_memcg` the victim's cgroup (paths as seen from the cgroup
 * namespace of the task that ran into the limit; the host's view for tasks in the root cgroup namespace).
 * Text is kept verbatim: escape before printing.
 */

/** One kernel log record. `usec` is the time since boot (printk clock) in µs. */
export interface KmsgRecord {
  readonly priority: number;
  readonly facility: number;
  readonly seq?: number;
  readonly usec?: number;
  readonly message: string;
}

/** One OOM kill as the kernel reported it. */
export interface OomKillReport {
  /** time since boot of the `oom-kill:` record, µs */
  readonly usec?: number;
  readonly seq?: number;
  /** CONSTRAINT_MEMCG (a cgroup limit), CONSTRAINT_NONE (the host ran out), CONSTRAINT_CPUSET, CONSTRAINT_MEMORY_POLICY */
  readonly constraint: string;
  /** the cgroup whose limit was hit (CONSTRAINT_MEMCG only) */
  readonly oom_memcg?: string;
  /** the killed task's cgroup */
  readonly task_memcg?: string;
  readonly task?: string;
  readonly pid?: number;
  readonly uid?: number;
  /** from the `Killed process` line that follows, when found */
  readonly anon_rss_kb?: number;
  readonly file_rss_kb?: number;
  readonly shmem_rss_kb?: number;
  readonly total_vm_kb?: number;
}

/** A fork refused by the pids controller (logged once per cgroup by the kernel). */
export interface ForkRejectedReport {
  readonly usec?: number;
  readonly seq?: number;
  readonly cgroup: string;
}

const KMSG_HEAD = /^(\d+),(\d+),(\d+),[^;]*;(.*)$/s;
const DMESG_HEAD = /^\[\s*(\d+)\.(\d+)\]\s?(.*)$/s;

/** Parse one /dev/kmsg record (continuation lines ` KEY=VALUE` dropped). undefined when it is not one. */
export function parseKmsgRecord(text: string): KmsgRecord | undefined {
  const nl = text.indexOf('\n');
  const first = nl < 0 ? text : text.slice(0, nl);
  const m = KMSG_HEAD.exec(first);
  if (!m) return undefined;
  const pf = Number(m[1]);
  return { priority: pf & 7, facility: pf >> 3, seq: Number(m[2]), usec: Number(m[3]), message: unescapeKmsg(m[4]) };
}

/** /dev/kmsg escapes non-printable bytes as `\xHH`. */
function unescapeKmsg(s: string): string {
  return s.includes('\\x') ? s.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))) : s;
}

/** Parse one `dmesg` line (`[ 12.345678] msg`; a line without a timestamp is kept as a message). */
export function parseDmesgLine(line: string): KmsgRecord | undefined {
  if (line.trim() === '') return undefined;
  const m = DMESG_HEAD.exec(line);
  if (!m) return { priority: 6, facility: 0, message: line };
  const frac = m[2].padEnd(6, '0').slice(0, 6);
  return { priority: 6, facility: 0, usec: Number(m[1]) * 1e6 + Number(frac), message: m[3] };
}

/**
 * Parse a whole kernel log text: /dev/kmsg records one per line (continuation lines start with a space)
 * or dmesg lines, recognised per line.
 */
export function parseKernelLog(text: string): KmsgRecord[] {
  const out: KmsgRecord[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith(' ')) continue; // kmsg dictionary continuation
    const r = parseKmsgRecord(line) ?? parseDmesgLine(line);
    if (r) out.push(r);
  }
  return out;
}

/** The `KEY=VALUE,…` fields after `oom-kill:`; undefined when the message is not an oom-kill report. */
export function parseOomKillLine(message: string): Omit<OomKillReport, 'usec' | 'seq'> | undefined {
  const i = message.indexOf('oom-kill:');
  if (i < 0) return undefined;
  const body = message.slice(i + 'oom-kill:'.length).trim();
  // values may not contain ',' except nodemask lists like `0-1,3`; split on `,KEY=` boundaries
  const f: Record<string, string> = {};
  for (const part of body.split(/,(?=[a-z_]+=)/)) {
    const eq = part.indexOf('=');
    if (eq > 0) f[part.slice(0, eq)] = part.slice(eq + 1);
  }
  if (f.constraint === undefined) return undefined;
  const num = (s: string | undefined) => (s !== undefined && /^\d+$/.test(s) ? Number(s) : undefined);
  const r: { -readonly [K in keyof OomKillReport]?: OomKillReport[K] } = { constraint: f.constraint };
  if (f.oom_memcg !== undefined) r.oom_memcg = f.oom_memcg;
  if (f.task_memcg !== undefined) r.task_memcg = f.task_memcg;
  if (f.task !== undefined) r.task = f.task;
  if (num(f.pid) !== undefined) r.pid = num(f.pid);
  if (num(f.uid) !== undefined) r.uid = num(f.uid);
  return r as OomKillReport;
}

const KILLED = /Killed process (\d+) \((.*)\) total-vm:(\d+)kB, anon-rss:(\d+)kB, file-rss:(\d+)kB, shmem-rss:(\d+)kB/;
const FORK_REJECTED = /cgroup: fork rejected by pids controller in (.+)$/;

/** The OOM kills in a list of records, each joined with the `Killed process PID` line that follows it. */
export function oomKillReports(records: readonly KmsgRecord[]): OomKillReport[] {
  const out: OomKillReport[] = [];
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    const o = parseOomKillLine(r.message);
    if (!o) continue;
    let rep: OomKillReport = { ...(r.usec !== undefined ? { usec: r.usec } : {}), ...(r.seq !== undefined ? { seq: r.seq } : {}), ...o };
    for (let j = i + 1; j < Math.min(records.length, i + 8); j++) {
      const k = KILLED.exec(records[j].message);
      if (k && (o.pid === undefined || Number(k[1]) === o.pid)) {
        rep = { ...rep, total_vm_kb: Number(k[3]), anon_rss_kb: Number(k[4]), file_rss_kb: Number(k[5]), shmem_rss_kb: Number(k[6]) };
        break;
      }
      if (parseOomKillLine(records[j].message)) break;
    }
    out.push(rep);
  }
  return out;
}

/** The pids controller's fork rejections in a list of records. */
export function forkRejectedReports(records: readonly KmsgRecord[]): ForkRejectedReport[] {
  const out: ForkRejectedReport[] = [];
  for (const r of records) {
    const m = FORK_REJECTED.exec(r.message);
    if (m) out.push({ ...(r.usec !== undefined ? { usec: r.usec } : {}), ...(r.seq !== undefined ? { seq: r.seq } : {}), cgroup: m[1].trim() });
  }
  return out;
}
