/**
 * The lazy boundary of the Ink TUIs (`nsx top` on a terminal, the dashboard): what the commands and services
 * start them with, imported only through `import('…/tui/index.js')`. In the product it is one chunk
 * (scripts/build.mjs, `BOUNDARIES`), so Ink and React are loaded only when a TUI starts.
 */
export { runTopTui } from './top/run.js';
export { runDashboardTui } from './dashboard/run.js';
export { runDashboardReplayTui } from './dashboard/replay-run.js';
