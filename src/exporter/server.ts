/**
 * The exporter's HTTP service: `/metrics` (Prometheus text or OpenMetrics by content negotiation, gzip when
 * asked), `/healthz`, and a small index at `/`. Series are built at scrape time from a fresh sample; a sample
 * younger than `maxAgeMs` is shared by concurrent and back-to-back scrapes (and so is its rendered text), and a
 * sample being taken is shared by every scrape that arrives meanwhile.
 *
 * Fit for a shared network (issue 19), as node_exporter with exporter-toolkit:
 * - `--web.config.file` (src/exporter/web-config.ts): TLS, basic authentication with bcrypt hashes, extra
 *   headers, a rate limit; read again at each new connection and each request;
 * - `--web.max-requests` (default 40, as node_exporter): `/metrics` requests in flight past it get 503;
 * - header and request timeouts, a TLS handshake timeout, keep-alive limits, a write deadline for clients that
 *   do not read, and a cap on idle connections (the oldest idle one is closed for a new one);
 * - sampling (`sampleAsync` when the sampler has it: slices that yield), rendering and gzip (zlib's threadpool)
 *   off the event loop's critical path, so `/healthz` answers while a scrape runs;
 * - a failed scrape is a bare 500: the error goes to the log, never into the body.
 * `close()` stops accepting, lets scrapes in flight finish and closes idle keep-alive connections.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { gzip } from 'node:zlib';
import { LabelSets, seriesOf, type Series } from './series.js';
import { CONTENT_TYPES, makeRegistries, negotiate, type Format } from './registry.js';
import type { ExporterSample, ExporterSampler } from './sample.js';
import { loadWebConfig, tlsServerOptions, WebConfigSource, type WebConfig } from './web-config.js';
import { BasicAuth, certificateSans, RateLimiter } from './web-auth.js';

/** What the server needs of a sampler: `sample()`, and `sampleAsync()` (slices that yield) when it has one. */
export type ScrapeSampler = Pick<ExporterSampler, 'sample'> & { sampleAsync?(): Promise<ExporterSample> };

/** Connection limits (defaults in DEFAULT_LIMITS). */
export interface ServerLimits {
  /** a request's headers must arrive within this (also a connection that sends nothing) */
  readonly headersTimeoutMs: number;
  /** a whole request must arrive within this */
  readonly requestTimeoutMs: number;
  /** a TLS handshake must finish within this */
  readonly handshakeTimeoutMs: number;
  /** an idle keep-alive connection is closed after this (longer than a 1-minute scrape interval) */
  readonly keepAliveTimeoutMs: number;
  /** requests on one connection before it is closed */
  readonly maxRequestsPerSocket: number;
  /** connections without a request in flight kept at most; past it the oldest is closed */
  readonly maxIdleConnections: number;
  /** a response not taken by the client within this is cut (a client that does not read) */
  readonly writeTimeoutMs: number;
  /** how long `close()` lets scrapes in flight finish */
  readonly closeGraceMs: number;
}

export const DEFAULT_LIMITS: ServerLimits = {
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  handshakeTimeoutMs: 10_000,
  keepAliveTimeoutMs: 65_000,
  maxRequestsPerSocket: 1000,
  maxIdleConnections: 512,
  writeTimeoutMs: 30_000,
  closeGraceMs: 5000,
};

/** node_exporter's `--web.max-requests` default */
export const DEFAULT_MAX_REQUESTS = 40;

export interface ServeOptions {
  readonly sampler: ScrapeSampler;
  /** undefined: all interfaces (IPv6 and IPv4 where available, as Node's listen without a host) */
  readonly host?: string;
  readonly port: number;
  /** reuse a sample this young (ms); default 500 */
  readonly maxAgeMs?: number;
  /** monotonic clock in ms */
  readonly clock?: () => number;
  /** one line per failed scrape, per web config problem */
  readonly log?: (m: string) => void;
  /** `--web.config.file`: exporter-toolkit's web configuration */
  readonly webConfigFile?: string;
  /** `--web.max-requests`: `/metrics` requests in flight at most (0: no limit; default 40) */
  readonly maxRequests?: number;
  readonly limits?: Partial<ServerLimits>;
}

export interface RunningExporter {
  readonly server: Server;
  readonly address: AddressInfo;
  /** `https` with a web config's TLS, else `http` */
  readonly scheme: 'http' | 'https';
  close(): Promise<void>;
}

const monotonicMs = () => Number(process.hrtime.bigint()) / 1e6;

interface Snapshot {
  readonly at: number;
  readonly series: ReadonlyMap<string, readonly Series[]>;
  readonly text: Partial<Record<Format, Promise<string | Buffer>>>;
}

/** The scrape logic without HTTP: a cache of one sample and its rendered texts. */
export function makeScraper(sampler: ScrapeSampler, maxAgeMs = 500, clock: () => number = monotonicMs) {
  let prev: ExporterSample | undefined;
  let snap: Snapshot | undefined;
  // the sample being taken: scrapes that arrive meanwhile wait for it instead of starting another
  let pending: Promise<Snapshot> | undefined;
  let serving: ReadonlyMap<string, readonly Series[]> = new Map();
  const registries = makeRegistries(() => serving);
  // label objects kept between scrapes (prom-client caches their rendering); those of removed cgroups are dropped
  const labels = new LabelSets();
  // a snapshot is shared only while younger than maxAgeMs: then its series and texts are let go (between scrapes
  // the exporter keeps the previous sample, for throttle attribution, and the label sets, not a megabyte of text)
  let release: ReturnType<typeof setTimeout> | undefined;
  const take = async (now: number): Promise<Snapshot> => {
    const next = sampler.sampleAsync ? await sampler.sampleAsync() : sampler.sample();
    const series = seriesOf(prev, next, labels);
    prev = next;
    const s: Snapshot = { at: now, series, text: {} };
    snap = s;
    if (release) clearTimeout(release);
    // (a timer, not a check at the next scrape: with maxAgeMs 0 it fires once this scrape's texts are rendered)
    release = setTimeout(() => {
      if (snap === s) snap = undefined;
      if (serving === s.series) serving = new Map();
    }, maxAgeMs);
    release.unref();
    return s;
  };
  const fresh = (): Promise<Snapshot> => {
    const now = clock();
    if (snap && now - snap.at < maxAgeMs) return Promise.resolve(snap);
    if (!pending) {
      pending = take(now);
      const clear = () => (pending = undefined);
      pending.then(clear, clear);
    }
    return pending;
  };
  return {
    /** The exposition text in a format (UTF-8 bytes, or a string), from a sample at most maxAgeMs old. */
    async text(format: Format): Promise<string | Buffer> {
      const s = await fresh();
      let t = s.text[format];
      if (!t) {
        // prom-client renders synchronously up to its first await: point it at this snapshot's series
        serving = s.series;
        t = s.text[format] = registries.renderBytes(format);
      }
      return t;
    },
  };
}

const gzipAsync = (text: string | Buffer): Promise<Buffer> =>
  new Promise((resolve, reject) => gzip(text, { level: 1 }, (e, b) => (e ? reject(e) : resolve(b))));

const PLAIN = { 'Content-Type': 'text/plain; charset=utf-8' } as const;

/** One line of a log message (the log is a terminal or a journal: no control characters from an error). */
function oneLine(e: unknown): string {
  return String((e as Error)?.message ?? e).replace(/[\0-\x1f\x7f]/g, ' ');
}

/** Start serving. Resolves once listening. A web config that does not load throws (WebConfigError) before listening. */
export async function serveExporter(o: ServeOptions): Promise<RunningExporter> {
  const limits: ServerLimits = { ...DEFAULT_LIMITS, ...o.limits };
  // gzip runs on libuv's threadpool, which starts at its first job with UV_THREADPOOL_SIZE threads (default 4),
  // each with a malloc arena of its own once it has compressed something: one thread is enough for one gzip at a
  // time, and keeps the RSS the benchmark measured (set it in the environment to choose otherwise)
  process.env.UV_THREADPOOL_SIZE ??= '1';
  const log = o.log ?? (() => {});
  const maxRequests = o.maxRequests ?? DEFAULT_MAX_REQUESTS;
  const scraper = makeScraper(o.sampler, o.maxAgeMs, o.clock);
  // the web config's code (a YAML parser, TLS) is loaded only when there is one: the plain exporter's RSS stays
  // (web-config.ts requires the YAML parser at its first file, and bcryptjs at the first password)
  const web = o.webConfigFile !== undefined;
  const initial: WebConfig | undefined = web ? loadWebConfig(o.webConfigFile!) : undefined;
  const source: WebConfigSource | undefined = web ? new WebConfigSource(o.webConfigFile!, log) : undefined;
  const tls = initial?.tls !== undefined;
  const auth: BasicAuth | undefined = web ? new BasicAuth() : undefined;
  let limiter: { key: string; l: RateLimiter } | undefined;

  const common = {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
  };
  const server: Server = tls ? (await import('node:https')).createServer({ ...common, ...tlsServerOptions(initial!.tls!), handshakeTimeout: limits.handshakeTimeoutMs }) : createHttpServer(common);
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.maxRequestsPerSocket = limits.maxRequestsPerSocket;

  // connections without a request in flight, oldest first (Map keeps insertion order); every raw socket for close()
  const idle = new Map<Socket, true>();
  const sockets = new Set<Socket>();
  let closing = false;
  const makeIdle = (s: Socket) => {
    if (s.destroyed) return;
    if (closing) {
      // answered while stopping: nothing more on this connection
      s.destroy();
      return;
    }
    idle.delete(s);
    idle.set(s, true);
    while (idle.size > limits.maxIdleConnections) {
      const oldest = idle.keys().next().value as Socket;
      idle.delete(oldest);
      oldest.destroy();
    }
  };
  // the web config a TLS connection was accepted with (by its raw socket)
  const acceptedWith = new WeakMap<Socket, WebConfig>();
  let applied: WebConfig | undefined = initial;

  server.prependListener('connection', (raw: Socket) => {
    sockets.add(raw);
    raw.once('close', () => {
      sockets.delete(raw);
      idle.delete(raw);
    });
    if (!tls) {
      makeIdle(raw);
      return;
    }
    // exporter-toolkit's GetConfigForClient: the config and its certificates are read again for each connection
    const c = source!.current();
    if (!c?.tls) {
      if (c) log(`exporter: ${c.file}: tls_server_config was removed; the server was started with TLS (restart to serve plain HTTP): refusing connections`);
      raw.destroy();
      return;
    }
    if (c !== applied) {
      const { requestCert, rejectUnauthorized, ...ctx } = tlsServerOptions(c.tls);
      (server as unknown as import('node:tls').Server).setSecureContext(ctx);
      Object.assign(server, { requestCert, rejectUnauthorized });
      applied = c;
    }
    acceptedWith.set(raw, c);
    makeIdle(raw); // until the handshake is done
  });
  if (tls) {
    server.prependListener('secureConnection', (t: TLSSocket) => {
      const raw = (t as unknown as { _parent?: Socket })._parent;
      if (raw) idle.delete(raw);
      const c = (raw && acceptedWith.get(raw)) ?? applied;
      const s = c?.tls;
      if (s && s.clientAuth !== 'NoClientCert' && s.clientAuth !== 'RequestClientCert' || s?.allowedSans) {
        const cert = t.getPeerX509Certificate();
        const bad =
          (s!.clientAuth === 'RequireAnyClientCert' && !cert) ||
          (s!.clientAuth === 'VerifyClientCertIfGiven' && cert !== undefined && !t.authorized) ||
          (s!.allowedSans !== undefined && (!cert || !certificateSans(cert.subjectAltName).some((x) => s!.allowedSans!.includes(x))));
        if (bad) {
          t.destroy();
          return;
        }
      }
      t.once('close', () => idle.delete(t));
      makeIdle(t);
    });
    // failed handshakes (a plain-HTTP client, a bad certificate, the handshake timeout) only close that connection
    server.on('tlsClientError', () => {});
  }

  let metricsInFlight = 0;
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const sock = req.socket;
    idle.delete(sock);
    res.once('close', () => makeIdle(sock));
    const extra: Record<string, string> = {};
    if (source) {
      const c = source.current();
      if (!c) {
        res.writeHead(500, PLAIN).end('Internal Server Error\n');
        return;
      }
      if (c.rateLimit) {
        const key = `${c.rateLimit.intervalMs}/${c.rateLimit.burst}`;
        if (limiter?.key !== key) limiter = { key, l: new RateLimiter(c.rateLimit.intervalMs, c.rateLimit.burst) };
        if (!limiter.l.allow()) {
          res.writeHead(429, PLAIN).end('Too Many Requests\n');
          return;
        }
      }
      Object.assign(extra, c.headers);
      if (c.users.size > 0) {
        const ok = await auth!.check(c.users, req.headers.authorization);
        if (ok !== true) {
          if (ok === 'busy') res.writeHead(503, { ...PLAIN, ...extra, 'Retry-After': '1' }).end('Service Unavailable\n');
          else res.writeHead(401, { ...PLAIN, ...extra, 'WWW-Authenticate': 'Basic' }).end('Unauthorized\n');
          return;
        }
      }
    }
    const url = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { ...PLAIN, ...extra, Allow: 'GET, HEAD' }).end('method not allowed\n');
      return;
    }
    if (url === '/healthz') {
      res.writeHead(200, { ...PLAIN, ...extra }).end('ok\n');
      return;
    }
    if (url === '/') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', ...extra }).end('<html><head><title>nsx exporter</title></head><body><h1>nsx exporter</h1><p><a href="/metrics">Metrics</a></p></body></html>\n');
      return;
    }
    if (url !== '/metrics') {
      res.writeHead(404, { ...PLAIN, ...extra }).end('not found\n');
      return;
    }
    if (maxRequests > 0 && metricsInFlight >= maxRequests) {
      res.writeHead(503, { ...PLAIN, ...extra, 'Retry-After': '1' }).end(`Limit of concurrent requests reached (${maxRequests}), try again later.\n`);
      return;
    }
    metricsInFlight++;
    let done = false;
    const finish = () => {
      if (!done) metricsInFlight--;
      done = true;
    };
    res.once('close', finish);
    try {
      const format = negotiate(req.headers.accept);
      const text = await scraper.text(format);
      const headers: Record<string, string> = { 'Content-Type': CONTENT_TYPES[format], ...extra };
      let body: Buffer | string = text;
      if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
        // zlib's threadpool: the event loop answers /healthz meanwhile
        body = await gzipAsync(text);
        headers['Content-Encoding'] = 'gzip';
      }
      if (res.destroyed) return;
      res.writeHead(200, headers);
      res.end(req.method === 'HEAD' ? undefined : body);
      // a client that does not take the body loses the connection (and the slot) after the write deadline
      if (!res.writableFinished) {
        const t = setTimeout(() => res.destroy(), limits.writeTimeoutMs);
        t.unref();
        res.once('finish', () => clearTimeout(t));
        res.once('close', () => clearTimeout(t));
      }
    } catch (e) {
      log(`exporter: scrape failed: ${oneLine(e)}`);
      if (res.destroyed) return;
      if (!res.headersSent) res.writeHead(500, { ...PLAIN, ...extra });
      res.end('Internal Server Error\n');
    } finally {
      // the request is answered (or failed): the slot goes when its body is flushed or the connection closes
      if (res.writableFinished) finish();
      else res.once('finish', finish);
    }
  };
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((e: unknown) => {
      // a bug outside the scrape (a header, the authentication): a bare 500, the error in the log, the server up
      log(`exporter: request failed: ${oneLine(e)}`);
      if (res.destroyed) return;
      if (!res.headersSent) res.writeHead(500, PLAIN);
      res.end('Internal Server Error\n');
    });
  });
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
    scheme: tls ? 'https' : 'http',
    close: () =>
      new Promise<void>((resolve) => {
        closing = true;
        server.close(() => resolve());
        server.closeIdleConnections();
        for (const s of idle.keys()) s.destroy();
        // scrapes in flight get a few seconds, then their connections are cut
        const t = setTimeout(() => {
          server.closeAllConnections();
          for (const s of sockets) s.destroy();
        }, limits.closeGraceMs);
        t.unref();
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
