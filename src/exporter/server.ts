/**
 * The exporter's HTTP service: `/metrics` (Prometheus text or OpenMetrics by content negotiation, gzip when
 * asked), `/healthz`, and a small index at `/`. Series are built from a sample taken at the scrape or ahead of it
 * (`SamplePace`: `--sample-interval`); a sample younger than `maxAgeMs` is shared by concurrent and back-to-back
 * scrapes (and so is its rendered text), and a sample being taken is shared by every scrape that arrives meanwhile.
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
import { createGzip, gzip } from 'node:zlib';
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
  /** `--sample-interval`: when samples are taken (default `scrape`: at each scrape; see SamplePace) */
  readonly samplePace?: SamplePace;
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
  /** the exposition per format: its pieces in order (SeriesMap.renderChunks), or a string */
  readonly text: Partial<Record<Format, Promise<string | readonly Buffer[]>>>;
}

/**
 * When samples are taken (`--sample-interval`):
 * - `scrape`: at each scrape (the scrape waits for the whole sample; its latency grows with the tree);
 * - `auto`: one sample per scrape, taken *ahead* of it: after each scrape the next sample is timed to end just
 *   before the next scrape is due (the last gap between scrapes, less a margin of 1.5 × the last sample's duration
 *   + 1 s), and that scrape is served it — latency no longer grows with the tree, and the CPU is the same as
 *   sampling at the scrape while scrapes come regularly (Prometheus' do). A scrape that comes before its sample
 *   started takes one then (as `scrape`), as does the first; one that comes more than twice the margin after its
 *   sample started too (that sample is wasted: irregular scrapes, two scrapers taking turns), so the values served
 *   are never older than that;
 * - `{ everyMs }`: in the background at a fixed period (cAdvisor's housekeeping), whether scraped or not; a scrape
 *   is served the latest complete sample (the first scrape waits for the first).
 */
export type SamplePace = 'scrape' | 'auto' | { readonly everyMs: number };

/** The scrape logic without HTTP: a cache of one sample and its rendered texts, and when samples are taken. */
export function makeScraper(sampler: ScrapeSampler, maxAgeMs = 500, clock: () => number = monotonicMs, pace: SamplePace = 'scrape', log: (m: string) => void = () => {}) {
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
  /** a sample taken ahead of a scrape (`auto`), or the latest of the background ones (`everyMs`), not yet served */
  let ahead: Promise<Snapshot> | undefined;
  let aheadTimer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  /** arrival times of the last scrapes, and the wall time the last sample took */
  let lastArrival: number | undefined;
  let lastDurationMs = 0;
  const sample = async (now: number): Promise<Snapshot> => {
    const t0 = clock();
    const next = sampler.sampleAsync ? await sampler.sampleAsync() : sampler.sample();
    lastDurationMs = clock() - t0;
    const series = seriesOf(prev, next, labels);
    prev = next;
    return { at: now, series, text: {} };
  };
  /** Make `s` the snapshot served (and shared for maxAgeMs from `now`). */
  const publish = (s: Snapshot, now: number): Snapshot => {
    const p: Snapshot = s.at === now ? s : { ...s, at: now };
    snap = p;
    if (release) clearTimeout(release);
    // (a timer, not a check at the next scrape: with maxAgeMs 0 it fires once this scrape's texts are rendered)
    release = setTimeout(() => {
      if (snap === p) snap = undefined;
      if (serving === p.series) serving = new Map();
    }, maxAgeMs);
    release.unref();
    return p;
  };
  /** Start a sample (shared by the scrapes that come meanwhile). */
  const start = (now: number): Promise<Snapshot> => {
    if (!pending) {
      pending = sample(now);
      const clear = () => (pending = undefined);
      pending.then(clear, clear);
    }
    return pending;
  };
  const startAhead = (): void => {
    aheadTimer = undefined;
    if (stopped || pending) return;
    const a = start(clock());
    ahead = a;
    // a failed sample is the next scrape's to report (it takes one of its own)
    a.catch((e) => {
      if (ahead === a) ahead = undefined;
      log(`exporter: sample failed: ${String((e as Error)?.message ?? e)}`);
    });
  };
  /** `auto`: time the next sample to end just before the next scrape is due. */
  const planAhead = (now: number): void => {
    const last = lastArrival;
    lastArrival = now;
    if (last === undefined || stopped) return;
    const gap = now - last;
    // back-to-back scrapes (a scraper's retries, several at once): sampling at each is what they get
    if (!(gap >= 1000)) return;
    const margin = Math.min(gap / 2, lastDurationMs * 1.5 + 1000);
    aheadTimer = setTimeout(startAhead, Math.max(0, gap - margin));
    aheadTimer.unref();
  };
  /**
   * A sample taken ahead is served if the scrape came about when expected: within twice the margin of its
   * start (a scrape later than that — the scraper paused, or two scrapers take turns — takes a fresh one: values
   * are never older than that).
   */
  const onTime = (s: Snapshot, now: number) => now - s.at <= 2 * (lastDurationMs * 1.5 + 1000);
  const every = typeof pace === 'object' ? Math.max(1, pace.everyMs) : undefined;
  /** `everyMs`: sample, then again a period after this one started. */
  const loop = (): void => {
    aheadTimer = undefined;
    if (stopped) return;
    const t0 = clock();
    const a = start(t0);
    a.then(
      () => {
        ahead = a;
      },
      (e) => log(`exporter: sample failed: ${String((e as Error)?.message ?? e)}`),
    ).finally(() => {
      if (stopped) return;
      aheadTimer = setTimeout(loop, Math.max(0, t0 + every! - clock()));
      aheadTimer.unref();
    });
    if (!ahead) ahead = a; // the first scrape waits for the first sample
  };
  if (every !== undefined) loop();
  const fresh = async (): Promise<Snapshot> => {
    const now = clock();
    if (every !== undefined) {
      if (!ahead) loop();
      // the latest complete sample (a failed one: the latest before it, or a fresh try)
      const s = await ahead!.catch(() => start(clock()));
      return snap && snap.series === s.series ? snap : publish(s, now);
    }
    if (snap && now - snap.at < maxAgeMs) return snap;
    // a sample due later is not taken: this scrape takes or gets its own, and the next is timed from here
    if (aheadTimer) clearTimeout(aheadTimer);
    aheadTimer = undefined;
    if (pace === 'auto') planAhead(now);
    const a = ahead;
    ahead = undefined;
    if (a) {
      // the sample taken ahead (or still being taken) for this scrape; if it failed (logged), this scrape takes its own
      const s = await a.then(
        (x) => x,
        () => undefined,
      );
      if (s && onTime(s, now)) return publish(s, now);
    }
    return publish(await start(now), now);
  };
  return {
    /**
     * The exposition in a format, from a sample at most maxAgeMs old: its UTF-8 pieces in order (never copied
     * into one buffer: see gzipPieces), or a string.
     */
    async pieces(format: Format): Promise<string | readonly Buffer[]> {
      const s = await fresh();
      let t = s.text[format];
      if (!t) {
        // prom-client renders synchronously up to its first await: point it at this snapshot's series
        serving = s.series;
        t = s.text[format] = registries.renderChunks(format);
      }
      return t;
    },
    /** The same as one text (UTF-8 bytes, or a string). */
    async text(format: Format): Promise<string | Buffer> {
      const t = await this.pieces(format);
      return typeof t === 'string' ? t : Buffer.concat(t);
    },
    /** Stop sampling ahead or in the background. */
    stop(): void {
      stopped = true;
      if (aheadTimer) clearTimeout(aheadTimer);
      aheadTimer = undefined;
    },
  };
}

const gzipAsync = (text: string | Buffer): Promise<Buffer> =>
  new Promise((resolve, reject) => gzip(text, { level: 1 }, (e, b) => (e ? reject(e) : resolve(b))));

/** pieces of the exposition are handed to zlib in runs of this many bytes (one staging buffer) */
const GZIP_RUN = 1 << 20;

/**
 * gzip of the exposition's pieces, fed to one deflate stream (zlib's threadpool, as gzipAsync) through one staging
 * buffer of GZIP_RUN bytes, refilled once zlib has taken it: the whole text is never copied into one buffer (at
 * 10,000 cgroups that was ≈ 25 MB of a container's memory limit at every scrape), nor into a new buffer per run.
 */
export function gzipPieces(pieces: string | readonly Buffer[]): Promise<Buffer> {
  if (typeof pieces === 'string') return gzipAsync(pieces);
  return new Promise((resolve, reject) => {
    const z = createGzip({ level: 1 });
    const out: Buffer[] = [];
    z.on('data', (b: Buffer) => out.push(b));
    z.on('error', reject);
    z.on('end', () => resolve(Buffer.concat(out)));
    const stage = Buffer.allocUnsafe(GZIP_RUN);
    let i = 0;
    let at = 0; // into pieces[i]
    const feed = (): void => {
      let n = 0;
      while (i < pieces.length && n < GZIP_RUN) {
        const p = pieces[i];
        if (n === 0 && at === 0 && p.length >= GZIP_RUN) {
          // a piece as big as the stage: handed over as it is
          i++;
          z.write(p, next);
          return;
        }
        const k = p.copy(stage, n, at);
        n += k;
        at += k;
        if (at >= p.length) {
          i++;
          at = 0;
        }
      }
      if (n > 0) z.write(stage.subarray(0, n), next);
      else z.end();
    };
    // (the stage is refilled only once zlib is done with it)
    const next = (e?: Error | null): void => {
      if (e) reject(e);
      else feed();
    };
    feed();
  });
}

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
  const scraper = makeScraper(o.sampler, o.maxAgeMs, o.clock, o.samplePace ?? 'scrape', log);
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
      const pieces = await scraper.pieces(format);
      const headers: Record<string, string> = { 'Content-Type': CONTENT_TYPES[format], ...extra };
      let body: Buffer | string;
      if (/\bgzip\b/.test(String(req.headers['accept-encoding'] ?? ''))) {
        // zlib's threadpool: the event loop answers /healthz meanwhile
        body = await gzipPieces(pieces);
        headers['Content-Encoding'] = 'gzip';
      } else body = typeof pieces === 'string' ? pieces : Buffer.concat(pieces);
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
        scraper.stop();
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
