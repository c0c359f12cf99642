/**
 * The exposition: Prometheus text format 0.0.4 and OpenMetrics 1.0.0, as prom-client writes them.
 *
 * The scrapes' own series (`SeriesMap`, src/exporter/series.ts) are rendered straight from their compact rows:
 * one line per series, `name{labels} value`, with the HELP and TYPE lines of each family of the catalogue — the
 * text prom-client's Registry makes for the same series, byte for byte (test/exporter/unit.test.ts renders every
 * fixture host both ways), without prom-client's object per series and its work per value: at 10,000 cgroups a
 * scrape is 270,000 series, and the objects, not the text, were most of the exporter's heap and of its garbage
 * collection. Any other map of series (tests, tools) goes through prom-client's Registry itself.
 *
 * Formats (prom-client's rules): the text format joins families with a blank line and ends with a newline;
 * OpenMetrics joins them with a newline, ends with `# EOF`, and names a counter family without its `_total` in
 * HELP and TYPE (its samples keep it). Two prom-client registries and two sets of collector objects because its
 * OpenMetrics rendering renames a counter object in place (`x_total` → `x`): an object shared with the Prometheus
 * registry would lose its `_total` there.
 */
// prom-client's Registry module alone: its package entry also loads the metric classes, the Pushgateway (https),
// the default metrics, cluster support and @opentelemetry/api, none of which the exporter uses (≈ 12 MB of RSS)
import Registry from 'prom-client/lib/registry.js';
import { CATALOGUE, SeriesMap, type FamilyDef, type Series } from './series.js';

export type Format = 'prometheus' | 'openmetrics';

export const CONTENT_TYPES: Record<Format, string> = {
  prometheus: Registry.PROMETHEUS_CONTENT_TYPE,
  openmetrics: Registry.OPENMETRICS_CONTENT_TYPE,
};

/** What prom-client's Registry reads from a registered metric. */
interface Collector {
  name: string;
  readonly help: string;
  readonly type: string;
  readonly aggregator: 'sum';
  get(): Promise<{ name: string; help: string; type: string; values: readonly Series[]; aggregator: 'sum' }>;
  reset(): void;
  /** this scrape's series of the family (what `get()` returns) */
  values(): readonly Series[];
}

const NONE: readonly Series[] = [];

/**
 * The TYPE a family has in a format. OpenMetrics wants a counter's samples named `<family>_total` (prom-client
 * appends it): a counter whose name does not end in `_total` — cAdvisor's `container_memory_failcnt` — would be
 * renamed there, so it is typed `unknown` in OpenMetrics (its name kept, as dashboards know it) and `counter` in
 * the text format (as cAdvisor).
 */
export function typeIn(def: FamilyDef, format: Format): string {
  return format === 'openmetrics' && def.type === 'counter' && !def.name.endsWith('_total') ? 'unknown' : def.type;
}

function collector(def: FamilyDef, format: Format, source: () => ReadonlyMap<string, readonly Series[]>): Collector {
  return {
    name: def.name,
    help: def.help,
    type: typeIn(def, format),
    aggregator: 'sum',
    values: () => source().get(def.name) ?? NONE,
    async get() {
      return { name: this.name, help: this.help, type: this.type, values: this.values(), aggregator: 'sum' };
    },
    reset() {},
  };
}

export interface Registries {
  /** Render the current series in a format (prom-client's `registry.metrics()`). */
  render(format: Format): Promise<string>;
  /** The same text, as UTF-8 bytes when the series are a scrape's own (SeriesMap: never a string in V8's heap). */
  renderBytes(format: Format): Promise<Buffer | string>;
  /** The same bytes as their pieces, in order (a scrape's own series), else the text. */
  renderChunks(format: Format): Promise<readonly Buffer[] | string>;
}

/** prom-client's escaping of HELP text. */
const escapeHelp = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');

/** Each family's HELP and TYPE lines in a format, the separator between families and the end (made once). */
const LAYOUT: Record<Format, { heads: readonly Buffer[]; sep: Buffer; end: Buffer }> = {
  prometheus: {
    heads: CATALOGUE.map((f) => Buffer.from(`# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${typeIn(f, 'prometheus')}`)),
    sep: Buffer.from('\n\n'),
    end: Buffer.from('\n'),
  },
  openmetrics: {
    heads: CATALOGUE.map((f) => {
      const name = f.type === 'counter' ? f.name.replace(/_total$/, '') : f.name;
      return Buffer.from(`# HELP ${name} ${escapeHelp(f.help)}\n# TYPE ${name} ${typeIn(f, 'openmetrics')}`);
    }),
    sep: Buffer.from('\n'),
    end: Buffer.from('\n# EOF\n'),
  },
};

/** A scrape's series in a format, from their rows (see the header): prom-client's text, as UTF-8 bytes. */
export function renderSeriesMapBytes(m: SeriesMap, format: Format): Buffer {
  const l = LAYOUT[format];
  return m.render(l.heads, l.sep, l.end);
}

/** The same as its pieces, in order (SeriesMap.renderChunks: the cached bytes, not copies). */
export function renderSeriesMapChunks(m: SeriesMap, format: Format): Buffer[] {
  const l = LAYOUT[format];
  return m.renderChunks(l.heads, l.sep, l.end);
}

/** The same as a string. */
export function renderSeriesMap(m: SeriesMap, format: Format): string {
  return renderSeriesMapBytes(m, format).toString('utf8');
}

/** Registries over `source()`: the series of the scrape being served. */
export function makeRegistries(source: () => ReadonlyMap<string, readonly Series[]>): Registries {
  // the runtime takes the content type (prom-client ≥ 14; see prom-client-registry.d.ts)
  const regs = {
    prometheus: new Registry(Registry.PROMETHEUS_CONTENT_TYPE),
    openmetrics: new Registry(Registry.OPENMETRICS_CONTENT_TYPE),
  };
  for (const f of Object.keys(regs) as Format[]) {
    for (const def of CATALOGUE) regs[f].registerMetric(collector(def, f, source) as never);
  }
  return {
    render: (format) => {
      const m = source();
      return m instanceof SeriesMap ? Promise.resolve(renderSeriesMap(m, format)) : regs[format].metrics();
    },
    renderBytes: (format) => {
      const m = source();
      return m instanceof SeriesMap ? Promise.resolve(renderSeriesMapBytes(m, format)) : regs[format].metrics();
    },
    renderChunks: (format) => {
      const m = source();
      return m instanceof SeriesMap ? Promise.resolve(renderSeriesMapChunks(m, format)) : regs[format].metrics();
    },
  };
}

/**
 * Content negotiation on the Accept header: OpenMetrics when `application/openmetrics-text` is accepted with a
 * higher q than `text/plain` (Prometheus 2.x asks for OpenMetrics first), the Prometheus text format otherwise.
 */
export function negotiate(accept: string | undefined): Format {
  if (!accept) return 'prometheus';
  let om = -1;
  let text = -1;
  for (const part of accept.split(',')) {
    const [type, ...params] = part.trim().split(';').map((x) => x.trim());
    let q = 1;
    let version: string | undefined;
    for (const p of params) {
      const [k, v] = p.split('=').map((x) => x.trim());
      if (k === 'q') q = Number(v);
      else if (k === 'version') version = v;
    }
    if (!Number.isFinite(q)) continue;
    const t = type.toLowerCase();
    // prom-client writes OpenMetrics 1.0.0; a client asking only for another version gets the text format
    if (t === 'application/openmetrics-text' && (version === undefined || version === '1.0.0')) om = Math.max(om, q);
    else if (t === 'text/plain' || t === '*/*' || t === 'text/*') text = Math.max(text, t === 'text/plain' ? q : q - 1e-6);
  }
  return om > 0 && om >= text ? 'openmetrics' : 'prometheus';
}
