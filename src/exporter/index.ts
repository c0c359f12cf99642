/**
 * The lazy boundary of the exporter (`nsx exporter`): what its command needs, imported only through
 * `import('…/exporter/index.js')`. In the product it is one chunk (scripts/build.mjs, `BOUNDARIES`), so
 * prom-client, node:http and zlib (~50 ms to load) are never loaded by `top`, `ps` or the dashboard.
 */
export { parseListen } from './server.js';
export { runExporter, DEFAULT_LISTEN } from './run.js';
export { globToRegExp } from './select.js';
export { loadWebConfig } from './web-config.js';
// `nsx record export --openmetrics` (src/record/export.ts): the exporter's series of each recorded instant
export { CATALOGUE, LabelSets, seriesOf } from './series.js';
export { labelsOf } from './sample.js';
