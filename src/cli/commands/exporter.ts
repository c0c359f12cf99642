/** `nsx exporter` — Prometheus metrics of the host's cgroups, cAdvisor-compatible plus nsx's own (flags only; see src/exporter). */
import type { Command } from '../context.js';
import { parseCommandArgs } from '../common.js';
import { parseIntArg, type OptionSpec } from '../getopt.js';
import { UsageError } from '../../errors.js';

const SPECS: readonly OptionSpec[] = [
  { name: 'listen', short: 'l', arg: 'required' },
  { name: 'depth', arg: 'required' },
  { name: 'include', arg: 'required', repeatable: true },
  { name: 'exclude', arg: 'required', repeatable: true },
  { name: 'containers-only', arg: 'none' },
  { name: 'max-age', arg: 'required' },
  { name: 'limits-max-age', arg: 'required' },
  { name: 'sample-interval', arg: 'required' },
  { name: 'max-open-files', arg: 'required' },
  { name: 'no-namespaces', arg: 'none' },
  { name: 'once', arg: 'none' },
  { name: 'openmetrics', arg: 'none' },
  { name: 'web.config.file', arg: 'required' },
  { name: 'web.max-requests', arg: 'required' },
];

const HELP = `Usage: nsx exporter [options]

Serve Prometheus metrics of the host's cgroups over HTTP: cAdvisor-compatible container_* series (same names,
units and labels) and nsx_* series cAdvisor cannot give (which cgroup's CPU quota throttles whom, effective
limits along the path, memory.events, namespaces). Series are built from a sample taken for each scrape.

Endpoints: /metrics (Prometheus text 0.0.4, or OpenMetrics 1.0.0 when the Accept header prefers it; gzip when
asked), /healthz. SIGTERM or SIGINT stop it after the scrapes in flight.

Options:
  -l, --listen ADDR:PORT  where to listen (default ${':9587'}: every interface, as node_exporter's :9100);
                          '127.0.0.1:9587', '[::1]:9587'
      --depth N           only cgroups at most N levels below / (default: all)
      --include GLOB      only cgroups whose path matches (repeatable; * within a level, ** across levels)
      --exclude GLOB      no series for cgroups whose path matches (repeatable; wins over --include)
      --containers-only   only containers and pods (and /, the machine)
      --max-age SECONDS   scrapes within this time of a sample share it (default 0.5)
      --limits-max-age SECONDS
                          re-read limits (CPU quota, period and shares or weight, memory limit, pids.max) at
                          most this often (default 60; 0: at every scrape); counters are read at every scrape
      --sample-interval WHEN
                          when cgroups are read: 'auto' (default) ahead of each scrape, timed by the interval
                          between scrapes so that a scrape is served a sample just taken (its latency does not
                          grow with the number of cgroups); 0: at each scrape; SECONDS: in the background at
                          that period, a scrape served the latest sample (as cAdvisor's housekeeping)
      --max-open-files N  keep at most N cgroup files open between scrapes (default 1024; each pins about
                          4.4 KB of kernel memory, charged to the exporter's memory cgroup; the other files
                          are opened at each read: more CPU, no memory); 0: keep none
      --no-namespaces     no namespace series (they read /proc/PID/ns of every process, every 60 s at most)
      --once              print one exposition to stdout and exit
      --openmetrics       with --once: print OpenMetrics 1.0.0 instead of the Prometheus text format
      --web.config.file FILE
                          TLS, basic authentication (bcrypt hashes) and extra headers, in the web
                          configuration format of Prometheus' exporter-toolkit (as node_exporter); read
                          again at each new connection (see docs/exporter.md, Security)
      --web.max-requests N
                          /metrics requests in flight at most; past it 503 (default 40, 0: no limit)
      --root DIR          a fake host: DIR/proc, DIR/sys (DIR may be a fixture manifest); in a container,
                          the host's / mounted read-only, e.g. --root /host
  -h, --help              this help

See docs/exporter.md for the series, the container image and the Kubernetes DaemonSet.
`;

/** Parse `--max-age` and `--limits-max-age`: seconds, a decimal between 0 and `max`. */
function parseSeconds(v: string, name = 'max-age', max = 60): number {
  const t = v.trim().replace(/s$/, '');
  if (!/^\d+(\.\d+)?$|^\.\d+$/.test(t) || Number(t) > max) throw new UsageError(`nsx exporter: invalid ${name} argument: '${v}' (0 to ${max} seconds)`);
  return Math.round(Number(t) * 1000);
}

/** Parse `--sample-interval`: `auto`, 0 (at each scrape) or seconds (a background period, at most an hour). */
function parsePace(v: string | undefined): 'auto' | 'scrape' | { everyMs: number } {
  if (v === undefined || v.trim() === 'auto') return 'auto';
  const ms = parseSeconds(v, 'sample-interval', 3600);
  return ms === 0 ? 'scrape' : { everyMs: Math.max(100, ms) };
}

export const command: Command = {
  options: SPECS,
  name: 'exporter',
  summary: 'Prometheus exporter of cgroup metrics (cAdvisor-compatible, plus throttling attribution)',
  help: HELP,
  async run(argv, ctx0) {
    const { args, ctx, done } = await parseCommandArgs(argv, SPECS, ctx0, HELP, { prog: 'nsx exporter' });
    if (done) return 0;
    const o = args.opts;
    // the exporter's modules (prom-client, node:http, zlib: ~50 ms) are loaded only when it runs
    const { parseListen, runExporter, DEFAULT_LISTEN, globToRegExp } = await import('../../exporter/index.js');
    if (args.positionals.length) throw new UsageError(`nsx exporter: unexpected argument '${args.positionals[0]}'\nTry 'nsx exporter --help' for more information.`);
    const listen = parseListen((o.listen as string | undefined) ?? DEFAULT_LISTEN);
    if (!listen) throw new UsageError(`nsx exporter: invalid listen address '${o.listen as string}' (ADDR:PORT, :PORT or [IPv6]:PORT)`);
    if (o.openmetrics && !o.once) throw new UsageError('nsx exporter: --openmetrics goes with --once (scrapers choose the format with their Accept header)');
    const depth = o.depth !== undefined ? parseIntArg('nsx exporter', 'depth', o.depth as string, { min: 0 }) : undefined;
    const include = (o.include as string[] | undefined) ?? [];
    const exclude = (o.exclude as string[] | undefined) ?? [];
    for (const p of [...include, ...exclude]) globToRegExp(p); // refuse a bad pattern before listening
    const webConfigFile = o['web.config.file'] as string | undefined;
    if (webConfigFile !== undefined) {
      if (o.once) throw new UsageError('nsx exporter: --web.config.file goes with the server, not with --once');
      // a bad file is refused before anything is sampled: `nsx exporter: FILE:LINE: what is wrong`
      (await import('../../exporter/index.js')).loadWebConfig(webConfigFile);
    }
    const maxRequests = o['web.max-requests'] !== undefined ? parseIntArg('nsx exporter', 'web.max-requests', o['web.max-requests'] as string, { min: 0, max: 100_000 }) : undefined;
    return runExporter({
      paths: ctx.paths,
      ...listen,
      depth,
      include,
      exclude,
      containersOnly: !!o['containers-only'],
      maxAgeMs: o['max-age'] !== undefined ? parseSeconds(o['max-age'] as string) : 500,
      limitsMaxAgeMs: o['limits-max-age'] !== undefined ? parseSeconds(o['limits-max-age'] as string, 'limits-max-age', 3600) : undefined,
      samplePace: parsePace(o['sample-interval'] as string | undefined),
      maxOpenFiles: o['max-open-files'] !== undefined ? parseIntArg('nsx exporter', 'max-open-files', o['max-open-files'] as string, { min: 0 }) : undefined,
      namespaces: !o['no-namespaces'],
      once: o.once ? (o.openmetrics ? 'openmetrics' : 'prometheus') : undefined,
      webConfigFile,
      maxRequests,
      stdout: ctx.stdout,
      warn: ctx.warn,
    });
  },
};
