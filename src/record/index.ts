/**
 * The lazy boundary of the recorder and of replay (`nsx record`, and `--at`/`--from`/`--since` in top, ps, ls,
 * cg tree, why and the dashboard): what the commands and services need, imported only through
 * `import('…/record/index.js')`. In the product it is one chunk (scripts/build.mjs, `BOUNDARIES`): the store,
 * the codecs and replay are loaded only when a recording is made or read (zlib itself on first use).
 */
export { openReplay, replayTop } from './replay.js';
export { replayCgTree, replayLs, replayPs, replaySummary } from './replay-views.js';
export { replayWhy, formatEpisodes } from './replay-why.js';
export { runDashboardReplay } from './replay-dashboard.js';
export { runRecorder } from './run.js';
export { recordInfo, formatRecordInfo } from './info.js';
export { exportOpenMetrics } from './export.js';
