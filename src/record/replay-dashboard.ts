/**
 * `nsx --at TIME` (the dashboard over a recording): the dashboard (src/tui/dashboard/DashboardApp.tsx) with
 * replay samplers instead of the host's — the Cgroups view's snapshots and the process table of the recorded
 * instant the cursor stands at (src/record/replay.ts) — and the time-travel keys (src/record/time-travel.ts).
 * Everything the views load on demand comes from the recording: a process in full, namespace relations, `w`
 * (the diagnosis of the interval ending at the instant shown). `e` needs the live host and says so.
 */
import type { Replay } from './replay.js';
import { ReplaySampler, snapshotOf } from './replay.js';
import { TimeTravel } from './time-travel.js';
import { namespacesOf, replayPsDetail } from './replay-views.js';
import { NsxError } from '../errors.js';
import type { NamespaceRecord } from '../model/namespace.js';
import { replayWhy, formatEpisodes } from './replay-why.js';
import { formatWhyText } from '../output/why-text.js';
import { loadInkForTerminal } from '../services/ink-loader.js';

export interface DashboardReplayOptions {
  readonly replay: Replay;
  readonly color?: boolean;
  /** the interval of the recording, for the sparklines' minute (default: the recorded one) */
  readonly intervalMs?: number;
}

/** The samplers, loaders and time travel the dashboard takes, for a replay. */
export function dashboardReplayParts(r: Replay) {
  const iv = r.cursor.current().state.host.interval_ms ?? 5000;
  const topSampler = new ReplaySampler(r.cursor, snapshotOf, { intervalMs: iv });
  const procSampler = new ReplaySampler(r.cursor, (st) => r.processTable(st), { intervalMs: iv });
  const timeTravel = new TimeTravel(r.cursor);
  const loadRelations = async (nss: NamespaceRecord[]) => {
    const rec = new Map(namespacesOf(r.cursor.current().state).map((n) => [n.inode, n] as const));
    return new Map(nss.map((n) => [n.inode, { owner: rec.get(n.inode)?.owner, parent: rec.get(n.inode)?.parent }] as const));
  };
  const loadDetail = (pid: number) => {
    try {
      return replayPsDetail(r, pid);
    } catch (e) {
      if (e instanceof NsxError) return undefined; // not in the recording at this instant
      throw e;
    }
  };
  const loadWhy = async (target: string): Promise<string[]> => {
    const res = replayWhy(r, target);
    return (formatWhyText(res, true) + formatEpisodes(res)).replace(/\n$/, '').split('\n');
  };
  const nsfs = r.cursor.current().state.namespaces.flatMap((n) => (n.nsfs ?? []).map((m) => ({ type: n.type, inode: n.inode, mountPoint: m })));
  return { topSampler, procSampler, timeTravel, loadRelations, loadDetail, loadWhy, nsfs };
}

/** What the dashboard takes to replay (see src/tui/dashboard/replay-run.ts). */
export type DashboardReplayParts = ReturnType<typeof dashboardReplayParts>;

export async function runDashboardReplay(o: DashboardReplayOptions): Promise<number> {
  await loadInkForTerminal();
  const { runDashboardReplayTui } = await import('../tui/index.js');
  return runDashboardReplayTui({ parts: dashboardReplayParts(o.replay), layout: o.replay.layout.kind, color: o.color });
}
