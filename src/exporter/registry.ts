/**
 * prom-client wiring: one Registry per exposition format (Prometheus text 0.0.4 and OpenMetrics 1.0.0), each
 * holding one collector object per family of the catalogue. A collector's `get()` returns the series of the
 * current scrape (from `source()`), so the text is built by prom-client from the sample at scrape time: names,
 * HELP/TYPE lines, label escaping, value formatting, the OpenMetrics `_total` handling of counters and `# EOF`.
 *
 * Two registries and two sets of collector objects because prom-client's OpenMetrics rendering renames a
 * counter object in place (`x_total` → `x`, samples get `_total` back): an object shared with the Prometheus
 * registry would lose its `_total` there.
 */
// prom-client's Registry module alone: its package entry also loads the metric classes, the Pushgateway (https),
// the default metrics, cluster support and @opentelemetry/api, none of which the exporter uses (≈ 12 MB of RSS)
import Registry from 'prom-client/lib/registry.js';
import { CATALOGUE, type FamilyDef, type Series } from './series.js';

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

/** Same series: the same label objects (LabelSets keeps them between scrapes) with the same values, in order. */
function sameSeries(a: readonly Series[], b: readonly Series[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i].labels !== b[i].labels || a[i].value !== b[i].value) return false;
  return true;
}

/**
 * prom-client's Registry, keeping each family's rendered text (prom-client's own `getMetricsAsString`) and
 * rendering a family again only when its series changed: limits, shares, periods, failure and OOM counters, the
 * series of idle cgroups stay as they were from one scrape to the next, and their text is not rebuilt line by line.
 * The output is prom-client's in every case (the unit tests compare it with a fresh registry's).
 */
class ReusingRegistry extends Registry {
  private readonly last = new WeakMap<Collector, { values: readonly Series[]; text: Promise<string> }>();

  override getMetricsAsString(metric: Collector): Promise<string> {
    const values = metric.values();
    const prev = this.last.get(metric);
    if (prev && sameSeries(prev.values, values)) return prev.text;
    const text = super.getMetricsAsString(metric);
    this.last.set(metric, { values, text });
    return text;
  }
}

export interface Registries {
  /** Render the current series in a format (prom-client's `registry.metrics()`). */
  render(format: Format): Promise<string>;
}

/** Registries over `source()`: the series of the scrape being served. */
export function makeRegistries(source: () => ReadonlyMap<string, readonly Series[]>): Registries {
  // the runtime takes the content type (prom-client ≥ 14; see prom-client-registry.d.ts)
  const regs = {
    prometheus: new ReusingRegistry(Registry.PROMETHEUS_CONTENT_TYPE),
    openmetrics: new ReusingRegistry(Registry.OPENMETRICS_CONTENT_TYPE),
  };
  for (const f of Object.keys(regs) as Format[]) {
    for (const def of CATALOGUE) regs[f].registerMetric(collector(def, f, source) as never);
  }
  return { render: (format) => regs[format].metrics() };
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
