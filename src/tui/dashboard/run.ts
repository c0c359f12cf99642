/**
 * Start the dashboard TUI through the shared full-screen runner (src/tui/full-screen.ts) with two samplers at
 * the refresh interval — the `nsx top` collector for the Cgroups view (src/sampler/collect.ts, paused while
 * another view is shown) and the process table of the dashboard feed (src/services/dashboard.ts, with its error
 * list) — names from the runtime index, and `e`: unmount Ink, restore
 * the terminal, run `nsx enter` as a child with a shell the target has (enter-shell.ts), then enter the full
 * screen again and render the dashboard with the state it had, the outcome on its status line.
 */
import React from 'react';
import type { HostPaths } from '../../host/paths.js';
import { Tolerance, wrap } from '../../host/tolerance.js';
import type { CgroupLayout } from '../../model/cgroup.js';
import type { TopSnapshot } from '../../model/rates.js';
import type { NamespaceRecord, NsfsMount } from '../../model/namespace.js';
import { Sampler, type Scheduler } from '../../sampler/sampler.js';
import type { ProcessTable } from '../../services/ps.js';
import type { HostFacts } from '../components/Header.js';
import { openDashboardFeed } from '../../services/dashboard.js';
import { dashboardCollectorFor } from '../../services/dashboard-cgroups.js';
import { startMallocTrim } from '../../services/dashboard-memory.js';
import { readFdHeld } from '../../readers/nsfs/held.js';
import { NS_TYPES } from '../../parse/nsid-link.js';
import { readNsfsMounts } from '../../readers/nsfs/mounts.js';
import { netnsNamesOf } from '../../readers/names/names.js';
import { runFullScreen } from '../full-screen.js';
import { hostFactsLoader } from '../top/run.js';
import { colorFromEnv } from '../theme.js';
import { chooseShell } from './enter-shell.js';
import { initialDashState, type DashState } from './state.js';
import { DashboardApp, type DashboardAppProps, type EnterRequest } from './DashboardApp.js';
import { readNamespaceRelations } from '../../readers/nsfs/relations.js';
import { why } from '../../services/why.js';
import { formatWhyText } from '../../output/why-text.js';
import { enterAndWait } from '../../services/enter.js';
import { ENTER_DEFAULTS } from '../../enter/plan.js';
import { escapeControl } from '../../output/escape.js';

export interface DashboardTuiOptions {
  readonly paths: HostPaths;
  readonly layout?: CgroupLayout;
  readonly intervalMs: number;
  /** the argv to show when entering (for the notice) */
  readonly prog?: string;
  /** colours on or off (`--color`, NO_COLOR); default: off when NO_COLOR is set */
  readonly color?: boolean;
  /** the header's host facts (default: read from the host's files, src/tui/top/run.ts hostFactsLoader) */
  readonly loadFacts?: () => Promise<HostFacts> | HostFacts;
}

/** Namespace relations through the nsfs readers (FFI on the live host, the recorded file on a fixture). */
async function loadRelations(paths: HostPaths, nss: NamespaceRecord[]): Promise<Map<number, { owner?: number; parent?: number }>> {
  await readNamespaceRelations(paths, nss, { relations: true }, new Tolerance());
  return new Map(nss.map((n) => [n.inode, { owner: n.owner, parent: n.parent }] as const));
}

/** What `e` runs: `nsx enter` options for the request, and the shell chosen. */
export function enterPlanFor(paths: HostPaths, req: EnterRequest, shellEnv: string | undefined, choose = chooseShell) {
  const types = req.types;
  const mnt = types === undefined || types.includes('mnt');
  // the shell is looked up where it will run: the target's root when its mount namespace is entered
  const root = mnt && req.pid !== undefined ? `${paths.proc}/${req.pid}/root` : undefined;
  const shell = choose(root, shellEnv);
  const file = req.file ?? (req.fd ? `${paths.proc}/${req.fd.pid}/fd/${req.fd.fd}` : undefined);
  const what = file !== undefined ? `${types?.join(',')} namespace of ${file}` : `PID ${req.pid} (${types ? types.join(',') : 'all namespaces'})`;
  const namespaces = Object.fromEntries((types ?? []).map((t) => [t, file ?? true] as const));
  // with its mount namespace, the target's root too (`nsenter -a -r`): a container's files, where the shell was found
  return { what, shell, target: req.pid !== undefined ? ({ kind: 'pid', pid: req.pid } as const) : undefined, all: types === undefined, namespaces, root: root !== undefined ? (true as const) : undefined };
}

/** How long `w` samples a live target (a recorded host: its counters since creation). */
export const WHY_WINDOW_MS = 2000;

/** `nsx why -v TARGET` as lines (the window sampled here; the report formatted as the command prints it). */
async function loadWhy(paths: HostPaths, target: string): Promise<string[]> {
  const r = await why({ paths, target, durationMs: paths.live ? WHY_WINDOW_MS : 0 });
  return formatWhyText(r, true).replace(/\n$/, '').split('\n');
}

/** Exit statuses of a program that could not run (the shell said why on the terminal a moment ago). */
const COULD_NOT_RUN: Record<number, string> = { 126: 'not executable', 127: 'not found' };

/** Run `nsx enter` with a shell as a child; resolve with a notice for the status line (kept until the next key). */
async function runEnter(paths: HostPaths, req: EnterRequest): Promise<string> {
  const plan = enterPlanFor(paths, req, process.env.SHELL);
  const note = plan.shell.note ? ` (${plan.shell.note})` : '';
  process.stdout.write(`nsx: entering ${escapeControl(plan.what)}${escapeControl(note)}; exit the shell to return to the dashboard\n`);
  try {
    const code = await enterAndWait({
      paths,
      stdout: process.stdout,
      stderr: process.stderr,
      ...ENTER_DEFAULTS,
      target: plan.target,
      all: plan.all,
      namespaces: plan.namespaces,
      root: plan.root,
      program: plan.shell.program,
    });
    const why = COULD_NOT_RUN[code];
    if (why) return `enter failed: ${plan.shell.program.join(' ')} ${why} in ${plan.what}${note} (exit status ${code})`;
    return `shell in ${plan.what} exited with status ${code}${note}`;
  } catch (e) {
    const msg = (e as Error)?.message ?? String(e);
    process.stderr.write(`${escapeControl(msg.startsWith('nsx') ? msg : 'nsx: ' + msg)}\n`);
    return `enter failed: ${msg.replace(/^nsx( enter)?: /, '')}`;
  }
}

/** What the dashboard shows for a host: its samplers, loaders and props, without a terminal (tests render it). */
export interface DashboardSession {
  /** every prop of <DashboardApp> but the state and the callbacks of a run */
  readonly props: Omit<DashboardAppProps, 'initial' | 'onEnter' | 'onQuit'>;
  readonly topSampler: Sampler<TopSnapshot>;
  readonly procSampler: Sampler<ProcessTable>;
  /** sample on the interval (live host), or once (a recorded host: rates stay absent, '-', never a false 0.0) */
  start(): void;
  stop(): void;
  /** stop and release the files kept open */
  close(): void;
}

export function makeDashboardSession(o: DashboardTuiOptions & { readonly scheduler?: Scheduler }): DashboardSession {
  // every cgroup's sort key and sparkline values, the rows in focus in full (src/services/dashboard-cgroups.ts);
  // a recorded host, sampled once, every value of every cgroup
  const topCollect = dashboardCollectorFor(o.paths, o.layout);
  const topSampler = new Sampler<TopSnapshot>({ collect: topCollect, intervalMs: o.intervalMs, scheduler: o.scheduler });
  // the process table, the detail loader and the error list (src/services/dashboard.ts): a failed sample of
  // either sampler or a failed detail is recorded there and shown, never dropped
  const feed = openDashboardFeed({ paths: o.paths, intervalMs: o.intervalMs, scheduler: o.scheduler });
  const { procSampler, errors, loadDetail } = feed;
  const unwatch = errors.watch('cgroups', topSampler);
  const tol = new Tolerance();
  // mountinfo unreadable: no namespaces held by mounts
  const nsfs: NsfsMount[] = wrap(tol, `${o.paths.proc}/self/mountinfo`, () => readNsfsMounts(o.paths)) ?? [];
  const stop = () => {
    procSampler.stop();
    topSampler.stop();
  };
  return {
    topSampler,
    procSampler,
    props: {
      topSampler,
      procSampler,
      layout: topCollect.layout.kind,
      cgroupFocus: topCollect.setFocus,
      nsfs,
      netnsNames: netnsNamesOf(nsfs),
      loadRelations: (nss: NamespaceRecord[]) => loadRelations(o.paths, nss),
      loadDetail,
      loadFacts: o.loadFacts ?? hostFactsLoader(o.paths),
      canEnter: o.paths.live ? true : 'e needs the live host (this is a recorded host from --root)',
      errors,
      loadWhy: (target: string) => loadWhy(o.paths, target),
      // a socket in its own process's netns holds nothing new (ownNet)
      loadHeld: (pids: readonly number[], ownNet: ReadonlyMap<number, number>) => readFdHeld(o.paths, pids, { types: NS_TYPES, ownNet }, new Tolerance()),
      color: o.color ?? colorFromEnv(),
    },
    start: () => {
      if (o.paths.live) {
        procSampler.start();
        topSampler.start();
      } else {
        procSampler.sampleNow();
        topSampler.sampleNow();
      }
    },
    stop,
    close: () => {
      stop();
      unwatch();
      feed.close();
      topCollect.close(); // the cgroup files the sampler keeps open
    },
  };
}

const END_SIGNALS = { SIGHUP: 1, SIGTERM: 15 } as const;

/**
 * Run `f` (the shell entered from the dashboard) noting a SIGHUP or SIGTERM that comes meanwhile. `nsx enter`
 * passes those on to the shell and lets it decide; but the dashboard must then end, not draw again: a hangup
 * means its terminal is gone (it would sample a live host forever with nobody to press q), a SIGTERM that it is
 * asked to stop. `signal` is the first such signal, if any.
 */
export async function watchEndSignals<T>(f: () => Promise<T>): Promise<{ value: T; signal?: keyof typeof END_SIGNALS }> {
  let signal: keyof typeof END_SIGNALS | undefined;
  const on = (s: NodeJS.Signals) => {
    if (s === 'SIGHUP' || s === 'SIGTERM') signal ??= s;
  };
  for (const s of Object.keys(END_SIGNALS)) process.on(s, on);
  try {
    return { value: await f(), signal };
  } finally {
    for (const s of Object.keys(END_SIGNALS)) process.off(s, on);
  }
}

export async function runDashboardTui(o: DashboardTuiOptions): Promise<number> {
  // the C heap's free pages back to the system every few seconds (src/services/dashboard-memory.ts)
  const stopTrim = await startMallocTrim();
  const session = makeDashboardSession(o);
  let state: DashState = initialDashState();
  try {
    for (;;) {
      let request: EnterRequest | undefined;
      await runFullScreen({
        element: (unmount) =>
          React.createElement(DashboardApp, {
            ...session.props,
            initial: state,
            onEnter: (req: EnterRequest, s: DashState) => {
              request = req;
              state = s;
              unmount();
            },
            onQuit: (s: DashState) => {
              state = s;
            },
          }),
        start: () => session.start(),
        stop: () => session.stop(),
      });
      if (!request) return 0;
      process.stdin.pause(); // the shell reads the terminal now, not us
      const req = request;
      const { value: message, signal } = await watchEndSignals(() => runEnter(o.paths, req));
      // the terminal hung up (or we were told to stop) while the shell ran: end as the full screen does on it
      if (signal) return 128 + END_SIGNALS[signal];
      state = { ...state, message };
    }
  } finally {
    stopTrim();
    session.close();
  }
}
