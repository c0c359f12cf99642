/**
 * The exporter's syscall layer under the fd source (src/sampler/fd-source.ts `FdOps`): hierarchical counters of a
 * cgroup whose parent's did not move are not read again.
 *
 * On v1, `cpuacct.usage` and the `blkio.throttle.*_recursive` files count a cgroup *and its descendants*, and only
 * grow: the kernel charges every CPU nanosecond to the task's cpuacct group and to each of its ancestors, and a
 * throttled IO to the blkio group's recursive sums up the tree (a removed child's counts move to its parent). So
 * when a parent's counter read in this sample is byte-equal to its value of the previous sample, no cgroup below
 * it was charged in between, and a child's counter is still what it was when last read. Parents are read before
 * their children (the sampler's listing order), so a child's file is answered from its last text, without a
 * syscall (no open, no read, no close, no dentry looked up again), and so down the tree: on a node most cgroups
 * below an idle pod or slice cost nothing but their memory and pids files.
 *
 *   child file                                   gated on the parent's
 *   cpuacct.usage                                cpuacct.usage
 *   cpuacct.stat                                 cpuacct.usage (the stat's USER_HZ ticks round: the parent's can stay
 *                                                equal while a child's crosses a tick; its nanoseconds cannot)
 *   blkio.throttle.io_service_bytes_recursive    blkio.throttle.io_service_bytes_recursive
 *   blkio.throttle.io_serviced_recursive         blkio.throttle.io_serviced_recursive
 *
 * The value served is the child's as of the parent's read (a charge after it shows at the next sample, when the
 * parent's value has moved). What the rule cannot see — an administrator's reset of one cgroup's counter
 * (`cpuacct.usage` ← 0, `blkio.reset_stats`), a cgroup removed and made again under the same name between two
 * samples with nothing charged meanwhile — is bounded: each file is read for real at least every `maxAgeMs`
 * (the exporter's `--limits-max-age`, 60 s by default; the re-reads spread over the period by path), and
 * everything is read for real after each new listing of the tree (`invalidate()`). Other files, cgroup2 and
 * memory and pids files (gauges, which can move without the parent's sum moving) are always read.
 *
 * The fd source may keep a gated file "open": it gets a handle (numbers from HANDLE_BASE up, never a real fd), and
 * the real file is opened only when it has to be read, then kept behind the handle.
 */
import { agedSpread, type FdOps } from '../sampler/fd-source.js';
import { latin1 } from '../host/read.js';

/** child file → the parent's file it is gated on */
export const GATED: ReadonlyMap<string, string> = new Map([
  ['cpuacct.usage', 'cpuacct.usage'],
  ['cpuacct.stat', 'cpuacct.usage'],
  ['blkio.throttle.io_service_bytes_recursive', 'blkio.throttle.io_service_bytes_recursive'],
  ['blkio.throttle.io_serviced_recursive', 'blkio.throttle.io_serviced_recursive'],
]);

/** Handles start here: far above any real fd (RLIMIT_NOFILE is at most 2^20 on Linux). */
export const HANDLE_BASE = 2 ** 30;

interface FileState {
  /** the text of the last real read (latin1), undefined before the first */
  text: string | undefined;
  /** the sample of the last read (real or answered) and whether the text changed at it */
  readNo: number;
  changed: boolean;
  /** when its next real read is due (ms, the sample clock), and the listing epoch of its last real read */
  dueAt: number;
  epoch: number;
}

interface Handle {
  readonly path: string;
  readonly state: FileState;
  /** the real fd behind the handle, or -1 */
  fd: number;
  /** answering this read from `state.text` (decided at its first pread, position 0) */
  cached: boolean;
}

export class GatedOps implements FdOps {
  private readonly files = new Map<string, FileState>();
  private readonly handles = new Map<number, Handle>();
  private nextHandle = HANDLE_BASE;
  private sampleNo = 0;
  private now = 0;
  private epoch = 0;
  /** reads answered without a syscall, and read for real, since the start (self-metrics, tests) */
  answered = 0;
  real = 0;

  constructor(
    private readonly inner: FdOps,
    private readonly maxAgeMs: number,
  ) {}

  /** Start a sample at `now` (ms). */
  begin(now: number): void {
    this.sampleNo++;
    this.now = now;
    // files not read for a while (cgroups removed, or no longer selected): forgotten
    if (this.sampleNo % 16 === 0) for (const [p, s] of this.files) if (s.readNo < this.sampleNo - 8) this.files.delete(p);
  }

  /** A new listing of the tree: every gated file is read for real before it is answered again. */
  invalidate(): void {
    this.epoch++;
  }

  /** The gated file's state, or undefined for a file the rule does not cover. */
  private stateOf(path: string, create: boolean): FileState | undefined {
    let s = this.files.get(path);
    if (s === undefined && create) {
      s = { text: undefined, readNo: 0, changed: true, dueAt: 0, epoch: -1 };
      this.files.set(path, s);
    }
    return s;
  }

  /** Can `path` (a gated file, state `s`) be answered from its last text in this sample? */
  private unchanged(path: string, name: string, s: FileState): boolean {
    if (s.text === undefined || s.epoch !== this.epoch || this.now >= s.dueAt) return false;
    const dir = path.length - name.length - 1;
    const parentDir = path.lastIndexOf('/', dir - 1);
    if (parentDir <= 0) return false;
    const p = this.files.get(path.slice(0, parentDir + 1) + GATED.get(name)!);
    return p !== undefined && p.readNo === this.sampleNo && !p.changed;
  }

  // (arrow properties: the fd source hands `pread` to readAll unbound)
  readonly open = (path: string): number => {
    const name = path.slice(path.lastIndexOf('/') + 1);
    if (!GATED.has(name)) return this.inner.open(path);
    const state = this.stateOf(path, true)!;
    const h: Handle = { path, state, fd: -1, cached: false };
    // answered now: no open at all; else opened now (its errors are the open's, as without the gate)
    if (!this.unchanged(path, name, state)) h.fd = this.inner.open(path);
    const id = this.nextHandle++;
    this.handles.set(id, h);
    return id;
  };

  readonly pread = (fd: number, buf: Buffer, offset: number, length: number, position: number | null): number => {
    const h = fd >= HANDLE_BASE ? this.handles.get(fd) : undefined;
    if (h === undefined) return this.inner.pread(fd, buf, offset, length, position);
    const s = h.state;
    const pos = position ?? 0;
    if (pos === 0) {
      const name = h.path.slice(h.path.lastIndexOf('/') + 1);
      h.cached = s.readNo !== this.sampleNo && this.unchanged(h.path, name, s);
      if (h.cached) {
        s.readNo = this.sampleNo;
        s.changed = false;
        this.answered++;
      } else if (h.fd < 0) h.fd = this.inner.open(h.path);
    }
    if (h.cached) {
      const t = s.text!;
      const n = Math.max(0, Math.min(length, t.length - pos));
      if (n > 0) buf.write(t.slice(pos, pos + n), offset, n, 'latin1');
      return n;
    }
    const r = this.inner.pread(h.fd, buf, offset, length, position);
    if (r === 0) {
      // the end of a whole read: [0, pos) of buf is the file (readAll reads from offset 0 into one buffer)
      this.real++;
      const same = s.text !== undefined && s.text.length === pos && sameBytes(buf, s.text);
      if (!same) s.text = latin1(buf, 0, pos);
      s.changed = !same || s.epoch !== this.epoch;
      s.readNo = this.sampleNo;
      if (s.epoch !== this.epoch || this.now >= s.dueAt) {
        // the next real read is due within maxAgeMs, spread by the path at the first read
        s.dueAt = (s.epoch === -1 ? this.now - agedSpread(h.path) * this.maxAgeMs : this.now) + this.maxAgeMs;
        s.epoch = this.epoch;
      }
    }
    return r;
  };

  readonly close = (fd: number): void => {
    const h = fd >= HANDLE_BASE ? this.handles.get(fd) : undefined;
    if (h === undefined) return this.inner.close(fd);
    this.handles.delete(fd);
    if (h.fd >= 0) this.inner.close(h.fd);
  };
}

/** Does `buf` start with the latin1 bytes of `s` (whose length the caller checked)? */
function sameBytes(buf: Buffer, s: string): boolean {
  for (let k = 0; k < s.length; k++) if (buf[k] !== s.charCodeAt(k)) return false;
  return true;
}
