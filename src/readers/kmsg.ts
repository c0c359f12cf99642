/**
 * The kernel log, for the OOM-kill and fork-rejected reports `nsx why` cites.
 *
 *   readKernelLog(paths): KernelLog
 *
 * Live host: `/dev/kmsg` opened non-blocking and read record by record until EAGAIN (each read(2) returns one
 * record; EPIPE means records were overwritten while reading: skip on). Needs CAP_SYSLOG or
 * kernel.dmesg_restrict=0; without it the log is reported unreadable, never an error.
 * A recorded host (`--root`): the file `dev/kmsg` under the root, holding /dev/kmsg records or `dmesg`
 * lines as text (see src/parse/kmsg.ts).
 */
import type { HostPaths } from '../host/paths.js';
import { hostPath } from '../host/paths.js';
import { readRecords, readWhole } from '../host/read.js';
import { classifyTolerable, wrap } from '../host/tolerance.js';
import { forkRejectedReports, oomKillReports, parseKernelLog, parseKmsgRecord, type ForkRejectedReport, type KmsgRecord, type OomKillReport } from '../parse/kmsg.js';

export interface KernelLog {
  /** false when the log could not be read (no permission, no such device) */
  readonly readable: boolean;
  /** why it could not be read */
  readonly reason?: string;
  readonly oom_kills: OomKillReport[];
  readonly fork_rejected: ForkRejectedReport[];
}

/** Only the records that matter here are kept, so a full ring buffer costs little memory. */
const INTERESTING = /oom-kill:|Killed process|fork rejected by pids controller/;

/** Read the live /dev/kmsg (all records still in the ring buffer) without blocking. */
function readDevKmsg(path: string): KmsgRecord[] {
  const out: KmsgRecord[] = [];
  readRecords(path, (text) => {
    if (!INTERESTING.test(text)) return;
    const r = parseKmsgRecord(text);
    if (r) out.push(r);
  });
  return out;
}

/** Read the kernel log of the host (see the module comment). */
export function readKernelLog(paths: HostPaths): KernelLog {
  // /dev is not remapped by HostPaths: the recorded host keeps its log at <root>/dev/kmsg
  const path = hostPath(paths, '/dev/kmsg');
  let records: KmsgRecord[];
  try {
    if (paths.live) records = readDevKmsg(path);
    else {
      const text = wrap(undefined, path, readWhole, 'gone');
      if (text === undefined) return { readable: false, reason: 'not recorded on this host', oom_kills: [], fork_rejected: [] };
      records = parseKernelLog(text).filter((r) => INTERESTING.test(r.message));
    }
  } catch (e) {
    const kind = classifyTolerable(e);
    if (kind === undefined) throw e;
    return { readable: false, reason: `${path}: ${kind === 'denied' ? 'permission denied' : 'absent'}`, oom_kills: [], fork_rejected: [] };
  }
  return { readable: true, oom_kills: oomKillReports(records), fork_rejected: forkRejectedReports(records) };
}
