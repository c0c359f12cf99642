/**
 * The namespace links of every process, for `nsx_namespaces` and `nsx_container_host_namespace_info`, read at
 * each namespace refresh (every 60 s) at a fraction of the cost of reading them all: eight `readlink`s of
 * `/proc/PID/ns/*` per process (≈ 40 µs; 200 ms for 5,000 processes) become one read of `/proc/PID/stat` for a
 * process whose links are known and settled.
 *
 * A process's links are *settled* when they were read once the process had run for SETTLE_S seconds (10; its
 * start time in `/proc/PID/stat` against `/proc/uptime`), or when two reads at successive refreshes found the same
 * links for the same process (same start time: a reused PID is another process). Settled links are taken as they
 * are until the process ends, or until every `revalidateEvery`-th refresh (default 10: every 10 minutes), which
 * reads every process again. What this may miss: a process that moves to another namespace (`setns`, `unshare`)
 * after its first SETTLE_S seconds is counted in its old ones until the next full read (at most 10 refreshes).
 * Processes do this at start-up (`unshare` and `nsenter` before they exec, runtimes' init), which the age rule
 * waits out.
 */
import type { HostPaths } from '../host/paths.js';
import { readWhole } from '../host/read.js';
import { readNsLinks } from '../readers/procfs/ns.js';
import { NS_TYPES, type NsType } from '../parse/nsid-link.js';
import { wrap } from '../host/tolerance.js';

export type NsLinks = Partial<Record<NsType, number>>;

/** A process this old (seconds) when its links were read has set up its namespaces. */
export const SETTLE_S = 10;
/** USER_HZ: the unit of /proc/PID/stat times on every architecture nsx runs on */
const TICKS_PER_S = 100;

interface Known {
  readonly start: string | undefined;
  readonly links: NsLinks;
  readonly settled: boolean;
  /** the refresh that last read or confirmed it */
  epoch: number;
}

function sameLinks(a: NsLinks, b: NsLinks): boolean {
  for (const t of NS_TYPES) if (a[t] !== b[t]) return false;
  return true;
}

/**
 * Field 22 of `/proc/PID/stat` (start time in clock ticks since boot), as text; undefined when the file is absent
 * (a recorded host without it: the links are then read every time). Throws NsxError otherwise.
 */
function startTime(paths: HostPaths, pid: number): string | undefined {
  const t = wrap(undefined, `${paths.proc}/${pid}/stat`, readWhole, 'gone');
  if (t === undefined) return undefined;
  // the fields after the command (which may hold spaces and parentheses) start after its last ')'
  let i = t.lastIndexOf(')') + 2;
  for (let f = 3; f < 22 && i > 1; f++) i = t.indexOf(' ', i) + 1;
  const end = t.indexOf(' ', i);
  return i > 1 && end > i ? t.slice(i, end) : t;
}

export class NamespaceCache {
  private readonly known = new Map<number, Known>();
  private epoch = 0;
  private full = true;
  /** /proc/uptime at the refresh, in ticks (undefined: unknown, e.g. a recorded host without it) */
  private uptimeTicks: number | undefined;

  constructor(private readonly revalidateEvery = 10) {}

  /** Start a refresh (every `revalidateEvery`-th reads every process). */
  begin(paths: HostPaths): void {
    this.epoch++;
    const up = wrap(undefined, `${paths.proc}/uptime`, readWhole, 'gone');
    const s = up === undefined ? NaN : parseFloat(up);
    this.uptimeTicks = Number.isFinite(s) ? s * TICKS_PER_S : undefined;
    this.full = this.epoch % this.revalidateEvery === 1 || this.revalidateEvery <= 1;
  }

  /** The links of a process. Throws NsxError as readNsLinks does (vanished, denied): the caller's Tolerance decides. */
  links(paths: HostPaths, pid: number): NsLinks {
    const k = this.known.get(pid);
    if (k && k.epoch === this.epoch) return k.links; // asked twice in one refresh
    const start = startTime(paths, pid);
    if (k && k.settled && !this.full && start !== undefined && k.start === start) {
      k.epoch = this.epoch;
      return k.links;
    }
    const links = readNsLinks(paths, pid, NS_TYPES);
    const old = start !== undefined && this.uptimeTicks !== undefined && this.uptimeTicks - Number(start) >= SETTLE_S * TICKS_PER_S;
    const settled = start !== undefined && (old || (k !== undefined && k.start === start && sameLinks(k.links, links)));
    this.known.set(pid, { start, links, settled, epoch: this.epoch });
    return links;
  }

  /** End a refresh: forget the processes not seen in it. */
  end(): void {
    for (const [pid, k] of this.known) if (k.epoch !== this.epoch) this.known.delete(pid);
  }

  /** Processes known (tests). */
  get size(): number {
    return this.known.size;
  }
}
