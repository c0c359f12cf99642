/**
 * What the commands and services use of the recorder and of replay (`nsx record`, and `--at`/`--from`/`--since`
 * in top, ps, ls, cg tree, why and the dashboard). It is exported by the record command's module
 * (src/cli/commands/record.ts, `recordModule`), so in the product it lives in the commands' chunk — one file
 * that every command run through nsx.js loads anyway, rather than a chunk of its own that would split the shared
 * modules into more files; zlib is loaded on first use, the exporter's series and the Ink dashboard through their
 * own boundaries. The commands reach it through src/services/record-loader.ts, which the whole program provides
 * (src/cli/main.ts) and the short commands' files do not: they never hold it.
 */
export { openReplay, replayTop } from './replay.js';
export { replayCgTree, replayLs, replayPs, replaySummary } from './replay-views.js';
export { replayWhy, formatEpisodes } from './replay-why.js';
export { runDashboardReplay } from './replay-dashboard.js';
export { runRecorder } from './run.js';
export { recordInfo, formatRecordInfo } from './info.js';
export { exportOpenMetrics } from './export.js';
