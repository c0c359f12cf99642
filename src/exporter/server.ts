/**
 * The exporter's HTTP service: `/metrics` (Prometheus text or OpenMetrics by content negotiation, gzip when
 * asked), `/healthz`, and a small index at `/`. Series are built at scrape time from a fresh sample; a sample
 * younger than `maxAgeMs` is shared by concurrent and back-to-back scrapes (and so is its rendered text).
 * `close()` stops accepting, lets scrapes in flight finish and closes idle keep-alive connections.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { LabelSets, seriesOf, type Series } from './series.js';
import { CONTENT_TYPES, makeRegistries, negotiate, type Format } from './registry.js';
import type { ExporterSample, ExporterSampler } from './sample.js';

export interface ServeOptions {
  readonly sampler: Pick<ExporterSampler, 'sample'>;
  /** undefined: all interfaces (IPv6 and IPv4 where available, as Node's listen without a host) */
  readonly host?: string;
  readonly port: number;
  /** reuse a sample this young (ms); default 500 */
  readonly maxAgeMs?: number;
  /** monotonic clock in ms */
  readonly clock?: () => number;
  /** one line per failed scrape */
  readonly log?: (m: string) => void;
}

export interface RunningExporter {
  readonly server: Server;
  readonly address: AddressInfo;
  close(): Promise<void>;
}

const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;

interface Snapshot {
  readonly at: number;
  readonly series: ReadonlyMap<string, readonly Series[]>;
  readonly text: Partial<Record<Format, Promise<string>>>;
}

/** The scrape logic without HTTP: a cache of one sample and its rendered texts. */
export function makeScraper(sampler: Pick<ExporterSampler, 'sample'>, maxAgeMs = 500, clock: () => number = monotonicMs) {
  let prev: ExporterSample | undefined;
  let snap: Snapshot | undefined;
  let serving: ReadonlyMap<string, readonly Series[]> = new Map();
  const registries = makeRegistries(() => serving);
  // label objects kept between scrapes (prom-client caches their rendering); those of removed cgroups are dropped
  const labels = new LabelSets();
  // a snapshot is shared only while younger than maxAgeMs: then its series and texts are let go (between scrapes
  // the exporter keeps the previous sample, for throttle attribution, and the label sets, not a megabyte of text)
  let release: ReturnType<typeof setTimeout> | undefined;
  const fresh = (): Snapshot => {
    const now = clock();
    if (snap && now - snap.at < maxAgeMs) return snap;
    const next = sampler.sample();
    const series = seriesOf(prev, next, labels);
    prev = next;
    snap = { at: now, series, text: {} };
    serving = series;
    if (release) clearTimeout(release);
    // (a timer, not a check at the next scrape: with maxAgeMs 0 it fires once this scrape's texts are rendered,
    // which happens synchronously in `text()`)
    release = setTimeout(() => {
      snap = undefined;
      serving = new Map();
    }, maxAgeMs);
    release.unref();
    return snap;
  };
  return {
    /** The exposition text in a format, from a sample at most maxAgeMs old. */
    text(format: Format): Promise<string> {
      const s = fresh();
      let t = s.text[format];
      if (!t) {
        // prom-client renders synchronously up to its first await: point it at this snapshot's series
        serving = s.series;
        t = s.text[format] = registries.render(format);
      }
      return t;
    },
  };
}

/** Start serving. Resolves once listening. */
export async function serveExporter(o: ServeOptions): Promise<RunningExporter> {
  const scraper = makeScraper(o.sampler, o.maxAgeMs, o.clock);
  const inflight = new Set<ServerResponse>();
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
      return;
    }
    if (url === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' }).end('ok\n');
      return;
    }
    if (url === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end('<html><head><title>nsx exporter</title></head><body><h1>nsx exporter</h1><p><a href="/metrics">Metrics</a></p></body></html>\n');
      return;
    }
    if (url !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found\n');
      return;
    }
    inflight.add(res);
    res.once('close', () => inflight.delete(res));
    try {
      const format = negotiate(req.headers.accept);
      const text = await scraper.text(format);
      const headers: Record<string, string> = { 'Content-Type': CONTENT_TYPES[format] };
      let body: Buffer | string = text;
      if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
        // on the main thread, like the sample itself (a few ms for a megabyte at level 1): zlib's threadpool would
        // give each of its threads a malloc arena of its own (megabytes of RSS) for no gain in a scrape's latency
        body = gzipSync(text, { level: 1 });
        headers['Content-Encoding'] = 'gzip';
      }
      res.writeHead(200, headers);
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (e) {
      o.log?.(`scrape failed: ${(e as Error)?.message ?? String(e)}`);
      if (!res.headersSent) res.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`error collecting metrics: ${(e as Error)?.message ?? String(e)}\n`);
    }
  };
  const server = createServer((req, res) => void handle(req, res));
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve();
    };
    if (o.host === undefined) server.listen(o.port, done);
    else server.listen(o.port, o.host, done);
  });
  return {
    server,
    address: server.address() as AddressInfo,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
        // scrapes in flight get a few seconds, then their connections are cut
        const t = setTimeout(() => server.closeAllConnections(), 5000);
        t.unref();
        if (inflight.size === 0) server.closeIdleConnections();
      }),
  };
}

/** Parse `--listen`: `HOST:PORT`, `:PORT` (all interfaces), `[::1]:PORT`. */
export function parseListen(s: string): { host?: string; port: number } | undefined {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(s);
  if (!m) return undefined;
  const port = Number(m[3]);
  if (port > 65535) return undefined;
  const host = m[1] ?? (m[2] === '' ? undefined : m[2]);
  return host === undefined ? { port } : { host, port };
}
