/**
 * The dashboard over a recording (`nsx --at TIME` on a terminal): DashboardApp with the replay's samplers,
 * loaders and time travel (made by src/record/replay-dashboard.ts, `dashboardReplayParts`). Reached through the
 * TUI boundary (../index.ts), so Ink and React load only when this starts.
 */
import React from 'react';
import { DashboardApp, type DashboardAppProps } from './DashboardApp.js';
import { runFullScreen } from '../full-screen.js';
import { colorFromEnv } from '../theme.js';
import { netnsNamesOf } from '../../readers/names/names.js';
import { initialDashState, type DashState } from './state.js';
import type { NsfsMount } from '../../model/namespace.js';

/** The replay's samplers, loaders and time travel (src/record/replay-dashboard.ts, `dashboardReplayParts`). */
export type DashboardReplayParts = Required<Pick<DashboardAppProps, 'loadRelations' | 'loadDetail' | 'loadWhy' | 'timeTravel'>> & {
  readonly topSampler: DashboardAppProps['topSampler'] & Startable;
  readonly procSampler: DashboardAppProps['procSampler'] & Startable;
  readonly nsfs: readonly NsfsMount[];
};

interface Startable {
  start(): void;
  stop(): void;
}

export interface DashboardReplayTuiOptions {
  readonly parts: DashboardReplayParts;
  readonly layout?: string;
  readonly color?: boolean;
}

export async function runDashboardReplayTui(o: DashboardReplayTuiOptions): Promise<number> {
  const p = o.parts;
  let state: DashState = initialDashState();
  await runFullScreen({
    element: () =>
      React.createElement(DashboardApp, {
        topSampler: p.topSampler,
        procSampler: p.procSampler,
        initial: state,
        layout: o.layout,
        nsfs: p.nsfs,
        netnsNames: netnsNamesOf(p.nsfs),
        loadRelations: p.loadRelations,
        loadDetail: p.loadDetail,
        loadWhy: p.loadWhy,
        canEnter: 'e needs the live host (this is a recording: nsx --at)',
        timeTravel: p.timeTravel,
        color: o.color ?? colorFromEnv(),
        onQuit: (s: DashState) => {
          state = s;
        },
      }),
    start: () => {
      p.procSampler.start();
      p.topSampler.start();
    },
    stop: () => {
      p.procSampler.stop();
      p.topSampler.stop();
    },
  });
  return 0;
}
