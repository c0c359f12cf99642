/**
 * Start the dashboard TUI: alternate screen (restored on q, Ctrl-C, signals and crashes: src/tui/terminal.ts),
 * two samplers at the refresh interval — the `nsx top` collector for the Cgroups view (src/sampler/collect.ts,
 * paused while another view is shown) and the process table (src/services/ps.ts ProcessCollector, which re-reads
 * command lines, namespace links and cgroups of known processes only every 5 samples) — and `e`: unmount Ink,
 * restore the terminal, run `nsx enter` as a child with the user's shell (src/services/enter.ts enterAndWait),
 * then enter the full screen again and render the dashboard with the state it had.
 */
import React from 'react';
import type { HostPaths } from '../../host/paths.js';
import { Tolerance } from '../../host/tolerance.js';
import type { CgroupLayout } from '../../model/cgroup.js';
import type { TopSnapshot } from '../../model/rates.js';
import type { NamespaceRecord, NsfsMount } from '../../model/namespace.js';
import { Sampler } from '../../sampler/sampler.js';
import { makeCollector } from '../../sampler/collect.js';
import { ProcessCollector, readDetailContext, readProcessDetail, type ProcessTable, type PsDetail } from '../../services/ps.js';
import { readNsfsMounts } from '../../readers/nsfs/mounts.js';
import { netnsNamesOf } from '../../readers/names/names.js';
import { enterFullScreen } from '../terminal.js';
import { initialDashState, type DashState } from './state.js';
import type { EnterRequest } from './DashboardApp.js';

export interface DashboardTuiOptions {
  readonly paths: HostPaths;
  readonly layout?: CgroupLayout;
  readonly intervalMs: number;
  /** the argv to show when entering (for the notice) */
  readonly prog?: string;
}

/** Namespace relations through the nsfs readers (FFI on the live host, the recorded file on a fixture). */
async function loadRelations(paths: HostPaths, nss: NamespaceRecord[]): Promise<Map<number, { owner?: number; parent?: number }>> {
  const { readNamespaceRelations } = await import('../../readers/nsfs/relations.js');
  await readNamespaceRelations(paths, nss, { relations: true }, new Tolerance());
  return new Map(nss.map((n) => [n.inode, { owner: n.owner, parent: n.parent }] as const));
}

/** Run `nsx enter -t PID -a` (or the given types) with $SHELL as a child; resolve with a notice for the status line. */
async function runEnter(paths: HostPaths, req: EnterRequest): Promise<string> {
  const [{ enterAndWait }, { ENTER_DEFAULTS }] = await Promise.all([import('../../services/enter.js'), import('../../enter/plan.js')]);
  const what = req.types ? req.types.join(',') : 'all namespaces';
  process.stdout.write(`nsx: entering PID ${req.pid} (${what}); exit the shell to return to the dashboard\n`);
  try {
    const code = await enterAndWait({
      paths,
      stdout: process.stdout,
      stderr: process.stderr,
      ...ENTER_DEFAULTS,
      target: { kind: 'pid', pid: req.pid },
      all: req.types === undefined,
      namespaces: Object.fromEntries((req.types ?? []).map((t) => [t, true] as const)),
    });
    return `shell in PID ${req.pid} exited with status ${code}`;
  } catch (e) {
    const msg = (e as Error)?.message ?? String(e);
    process.stderr.write(`${msg.startsWith('nsx') ? msg : 'nsx: ' + msg}\n`);
    return `enter failed: ${msg}`;
  }
}

export async function runDashboardTui(o: DashboardTuiOptions): Promise<number> {
  const { render } = await import('ink');
  const { DashboardApp } = await import('./DashboardApp.js');
  const { loadHostFacts } = await import('../top/run.js');
  const topCollect = makeCollector({ paths: o.paths, layout: o.layout });
  const topSampler = new Sampler<TopSnapshot>({ collect: topCollect, intervalMs: o.intervalMs });
  const collector = new ProcessCollector({ paths: o.paths, refreshEvery: 10 }); // see services/dashboard.ts DASHBOARD_REFRESH_EVERY
  const procSampler = new Sampler<ProcessTable>({ collect: () => collector.collect(), intervalMs: o.intervalMs });
  topSampler.onError(() => {
    // a failed cgroup sample keeps the last frame; the next tick retries
  });
  procSampler.onError(() => {
    // same for the process table
  });
  let nsfs: NsfsMount[] = [];
  try {
    nsfs = readNsfsMounts(o.paths);
  } catch {
    nsfs = []; // no mountinfo: no namespaces held by mounts
  }
  const netnsNames = netnsNamesOf(nsfs);
  const loadDetail = (pid: number): PsDetail | undefined => {
    try {
      return readProcessDetail(o.paths, pid, readDetailContext(o.paths, procSampler.latest));
    } catch {
      return undefined; // gone or unreadable: the pane says so
    }
  };
  const relations = (nss: NamespaceRecord[]) => loadRelations(o.paths, nss);
  const canEnter: true | string = o.paths.live ? true : 'e needs the live host (this is a recorded host from --root)';
  let state: DashState = initialDashState();
  // While the shell of `e` owns the terminal, a read still pending on our stdin fails with EIO (a background read):
  // that is expected and harmless; any other stdin error is a real one.
  const onStdinError = (e: NodeJS.ErrnoException) => {
    if (e?.code !== 'EIO') throw e;
  };
  process.stdin.on('error', onStdinError);
  try {
    return await loop();
  } finally {
    process.stdin.off('error', onStdinError);
    topCollect.close(); // the cgroup files the sampler keeps open
  }

  async function loop(): Promise<number> {
    for (;;) {
      let request: EnterRequest | undefined;
      const term = enterFullScreen({ stdout: process.stdout, stdin: process.stdin, onSignal: (sig) => process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGHUP' ? 1 : 15)) });
      let starter: NodeJS.Timeout | undefined;
      try {
        const app = render(
          React.createElement(DashboardApp, {
            topSampler,
            procSampler,
            initial: state,
            layout: topCollect.layout.kind,
            nsfs,
            netnsNames,
            loadRelations: relations,
            loadDetail,
            loadFacts: o.paths.live ? loadHostFacts : undefined,
            canEnter,
            onEnter: (req: EnterRequest, s: DashState) => {
              request = req;
              state = s;
              app.unmount();
            },
            onQuit: (s: DashState) => {
              state = s;
            },
          }),
          { exitOnCtrlC: true, patchConsole: false },
        );
        // start sampling once Ink has mounted and put stdin in raw mode: a first sample of a large host blocks the
        // event loop for a while, and keys typed before raw mode would sit in the terminal's line buffer
        // a recorded host (--root) is static: one sample, so rates stay absent ('-') instead of a false 0.0
        starter = setTimeout(() => {
          if (o.paths.live) {
            procSampler.start();
            topSampler.start();
          } else {
            procSampler.sampleNow();
            topSampler.sampleNow();
          }
        }, 50);
        await app.waitUntilExit();
      } finally {
        clearTimeout(starter); // also when Ink failed: a late start would keep the process alive
        procSampler.stop();
        topSampler.stop();
        term.restore();
      }
      if (!request) return 0;
      process.stdin.pause(); // the shell reads the terminal now, not us
      const notice = await runEnter(o.paths, request);
      state = { ...state, message: notice };
    }
  }
}
