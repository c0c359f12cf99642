/**
 * `nsx exporter` as a service: serve until SIGTERM/SIGINT (graceful: in-flight scrapes finish), or with `once`
 * write one exposition to stdout (a fake `--root` host is a fixed picture: the golden tests use this).
 */
import type { Writable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import type { HostPaths } from '../host/paths.js';
import { makeSampler } from './sample.js';
import { makeScraper, serveExporter, type RunningExporter, type SamplePace } from './server.js';
import type { SelectOptions } from './select.js';
import type { Format } from './registry.js';

export const DEFAULT_LISTEN = ':9587';
/** limits are re-read at most every minute (src/exporter/limit-cache.ts) */
export const DEFAULT_LIMITS_MAX_AGE_MS = 60_000;

export interface ExporterOptions extends SelectOptions {
  readonly paths: HostPaths;
  readonly host?: string;
  readonly port: number;
  readonly maxAgeMs: number;
  /** re-read limits at most this often (ms; 0: every sample) */
  readonly limitsMaxAgeMs?: number;
  /** `--sample-interval`: when samples are taken (default `auto`: ahead of each scrape, paced by the scrapes) */
  readonly samplePace?: SamplePace;
  /** `--max-open-files`: cgroup files kept open at most (default DEFAULT_MAX_OPEN_FILES) */
  readonly maxOpenFiles?: number;
  readonly namespaces: boolean;
  /** write one exposition in this format to stdout and return */
  readonly once?: Format;
  readonly stdout: Writable;
  readonly warn: (m: string) => void;
  /** called once listening (tests, and the start-up line) */
  readonly onListening?: (e: RunningExporter) => void;
  /** `--web.config.file` and `--web.max-requests` (src/exporter/server.ts) */
  readonly webConfigFile?: string;
  readonly maxRequests?: number;
  /** stop when this resolves (tests); SIGTERM and SIGINT always stop */
  readonly until?: Promise<void>;
}

export async function runExporter(o: ExporterOptions): Promise<number> {
  const sampler = makeSampler({
    paths: o.paths,
    depth: o.depth,
    include: o.include,
    exclude: o.exclude,
    containersOnly: o.containersOnly,
    namespaces: o.namespaces,
    limitsMaxAgeMs: o.limitsMaxAgeMs ?? DEFAULT_LIMITS_MAX_AGE_MS,
    maxOpenFiles: o.maxOpenFiles,
  });
  if (o.once) {
    const text = await makeScraper(sampler, 0).text(o.once);
    o.stdout.write(String(text));
    return 0;
  }
  // a long-running server scraped every 15 s: keep the compiled code between scrapes (V8 otherwise flushes the
  // bytecode of functions idle for a while and compiles them again at every scrape; measured: −30% CPU per scrape)
  setFlagsFromString('--no-flush-bytecode');
  const running = await serveExporter({ sampler, host: o.host, port: o.port, maxAgeMs: o.maxAgeMs, samplePace: o.samplePace ?? 'auto', log: o.warn, webConfigFile: o.webConfigFile, maxRequests: o.maxRequests });
  const a = running.address;
  o.warn(`exporter: listening on ${running.scheme}://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}/metrics`);
  o.onListening?.(running);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
    o.until?.then(stop, stop);
  });
  await running.close();
  return 0;
}
