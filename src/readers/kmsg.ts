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
 *
 *   openKernelLogStream(paths): KernelLogStream     — the recorder's: /dev/kmsg kept open, each `read()` returns
 *                                                      only the records that arrived since the last one
 */
import type { HostPaths } from '../host/paths.js';
import { hostPath } from '../host/paths.js';
import { openRecordStream, readRecords, readWhole, statPath, type RecordStream } from '../host/read.js';
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

/** The kernel log read incrementally (see openKernelLogStream). */
export interface KernelLogStream {
  /** The interesting records (OOM kills, forks refused) that arrived since the last call; `readable` false with a reason when the log cannot be read. */
  read(): { readonly readable: boolean; readonly reason?: string; readonly records: KmsgRecord[] };
  close(): void;
}

/**
 * The kernel log kept open for a long-running reader (`nsx record`): `/dev/kmsg` (under the root, so that a
 * container given the host's device at `<root>/dev/kmsg` reads it too) opened non-blocking once; each `read()`
 * drains what arrived since the last one — the first drains the whole ring. A recorded host whose `dev/kmsg` is
 * a text file gives the lines added since the last read (all of them at the first). A log that cannot be opened
 * (no CAP_SYSLOG, no device) is reported unreadable, never thrown, and tried again at the next read.
 */
export function openKernelLogStream(paths: HostPaths): KernelLogStream {
  const path = hostPath(paths, '/dev/kmsg');
  let stream: RecordStream | undefined;
  let text = false;
  /** text read so far of a recorded host's log file */
  let consumed = 0;
  let failure: string | undefined;
  const open = () => {
    failure = undefined;
    try {
      const st = statPath(path);
      if (st.isCharacterDevice()) stream = openRecordStream(path);
      else text = true;
    } catch (e) {
      const kind = classifyTolerable(e);
      if (kind === undefined) throw e;
      failure = `${path}: ${kind === 'denied' ? 'permission denied' : 'absent'}`;
    }
  };
  open();
  return {
    read() {
      // a log that could not be opened is tried again (a device made later, a capability granted)
      if (!stream && !text) open();
      if (failure !== undefined) return { readable: false, reason: failure, records: [] };
      const records: KmsgRecord[] = [];
      if (stream) {
        stream.drain((t) => {
          if (!INTERESTING.test(t)) return;
          const r = parseKmsgRecord(t);
          if (r) records.push(r);
        });
      } else if (text) {
        const t = wrap(undefined, path, readWhole, 'gone') ?? '';
        // whole lines added since the last read (a file that shrank was replaced: read it again)
        if (t.length < consumed) consumed = 0;
        const end = t.lastIndexOf('\n') + 1;
        if (end > consumed) {
          for (const r of parseKernelLog(t.slice(consumed, end))) if (INTERESTING.test(r.message)) records.push(r);
          consumed = end;
        }
      }
      return { readable: true, records };
    },
    close() {
      stream?.close();
      stream = undefined;
    },
  };
}
