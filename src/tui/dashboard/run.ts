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
import { Sampler } from '../../sampler/sampler.js';
import { openDashboardFeed } from '../../services/dashboard.js';
import { makeDashboardCollector } from '../../services/dashboard-cgroups.js';
import { startMallocTrim } from '../../services/dashboard-memory.js';
import { readFdHeld } from '../../readers/nsfs/held.js';
import { NS_TYPES } from '../../parse/nsid-link.js';
import { readNsfsMounts } from '../../readers/nsfs/mounts.js';
import { netnsNamesOf } from '../../readers/names/names.js';
import { runFullScreen } from '../full-screen.js';
import { colorFromEnv } from '../theme.js';
import { chooseShell } from './enter-shell.js';
import { initialDashState, type DashState } from './state.js';
import type { EnterRequest } from './DashboardApp.js';
import { readNamespaceRelations } from '../../readers/nsfs/relations.js';
import { DashboardApp } from './DashboardApp.js';
import { hostFactsLoader } from '../top/run.js';
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

export async function runDashboardTui(o: DashboardTuiOptions): Promise<number> {
  // the C heap's free pages back to the system every few seconds (src/services/dashboard-memory.ts)
  const stopTrim = await startMallocTrim();
  // every cgroup's sort key and sparkline values, the rows in focus in full (src/services/dashboard-cgroups.ts)
  const topCollect = makeDashboardCollector({ paths: o.paths, layout: o.layout });
  const topSampler = new Sampler<TopSnapshot>({ collect: topCollect, intervalMs: o.intervalMs });
  // the process table, the detail loader and the error list (src/services/dashboard.ts): a failed sample of
  // either sampler or a failed detail is recorded there and shown, never dropped
  const feed = openDashboardFeed({ paths: o.paths, intervalMs: o.intervalMs });
  const { procSampler, errors, loadDetail } = feed;
  const unwatch = errors.watch('cgroups', topSampler);
  const tol = new Tolerance();
  // mountinfo unreadable: no namespaces held by mounts
  const nsfs: NsfsMount[] = wrap(tol, `${o.paths.proc}/self/mountinfo`, () => readNsfsMounts(o.paths)) ?? [];
  const netnsNames = netnsNamesOf(nsfs);
  const relations = (nss: NamespaceRecord[]) => loadRelations(o.paths, nss);
  const canEnter: true | string = o.paths.live ? true : 'e needs the live host (this is a recorded host from --root)';
  const color = o.color ?? colorFromEnv();
  let state: DashState = initialDashState();
  try {
    for (;;) {
      let request: EnterRequest | undefined;
      await runFullScreen({
        element: (unmount) =>
          React.createElement(DashboardApp, {
            topSampler,
            procSampler,
            initial: state,
            layout: topCollect.layout.kind,
            cgroupFocus: topCollect.setFocus,
            nsfs,
            netnsNames,
            loadRelations: relations,
            loadDetail,
            loadFacts: hostFactsLoader(o.paths),
            canEnter,
            errors,
            loadWhy: (target: string) => loadWhy(o.paths, target),
            // a socket in its own process's netns holds nothing new (ownNet)
            loadHeld: (pids: readonly number[], ownNet: ReadonlyMap<number, number>) => readFdHeld(o.paths, pids, { types: NS_TYPES, ownNet }, new Tolerance()),
            color,
            onEnter: (req: EnterRequest, s: DashState) => {
              request = req;
              state = s;
              unmount();
            },
            onQuit: (s: DashState) => {
              state = s;
            },
          }),
        // a recorded host (--root) is static: one sample, so rates stay absent ('-') instead of a false 0.0
        start: () => {
          if (o.paths.live) {
            procSampler.start();
            topSampler.start();
          } else {
            procSampler.sampleNow();
            topSampler.sampleNow();
          }
        },
        stop: () => {
          procSampler.stop();
          topSampler.stop();
        },
      });
      if (!request) return 0;
      process.stdin.pause(); // the shell reads the terminal now, not us
      state = { ...state, message: await runEnter(o.paths, request) };
    }
  } finally {
    stopTrim();
    unwatch();
    feed.close();
    topCollect.close(); // the cgroup files the sampler keeps open
  }
}
