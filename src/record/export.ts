/**
 * `nsx record export --openmetrics`: the exporter's metric families (src/exporter/series.ts `seriesOf`, the one
 * mapping from a sample to series, with cAdvisor's names) for every recorded instant of a window, each sample
 * with its timestamp, in the OpenMetrics text format — for `promtool tsdb create-blocks-from openmetrics`, which
 * turns it into TSDB blocks a Prometheus can be given (backfill).
 *
 * Each recorded instant becomes the exporter's sample (`ExporterSample`): the recorded cgroup samples, identities
 * (cAdvisor's name/image/pod labels), device names, namespaces per type and what a container shares with the
 * host from the recorded processes, `container_processes` from the processes in each cgroup (as the exporter
 * counts cgroup.procs). The throttle attribution of each interval uses the instant before it, as a scrape does.
 *
 * Families are written one after another (OpenMetrics forbids interleaving them); within a family, lines are in
 * time order. What a family gathers is spilled to a file of its own in nsx's temporary directory, so a long
 * window needs disk, not memory, and is read back into the output at the end.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { readChunks } from '../host/read.js';
import { fromFsError } from '../errors.js';
import { NS_TYPES, type NsType } from '../parse/nsid-link.js';
import type { CgroupSample } from '../model/cgroup-sample.js';
import { hierarchyOf } from '../model/process-cgroup.js';
import type { FamilyDef } from '../exporter/series.js';
import type { ExporterCgroup, ExporterIdentity, ExporterSample } from '../exporter/sample.js';
import type { Identity } from '../model/identity.js';
import { openReplay, type ReplayWindow } from './replay.js';
import type { RecordedState } from './state.js';
import { isoSecond } from './time.js';

export interface ExportOptions {
  readonly window: ReplayWindow;
  readonly stdout: Writable;
  readonly warn: (m: string) => void;
}

/** The exporter's sample of a recorded instant (see the module comment). */
export function exporterSampleOf(st: RecordedState, labelsOf: (i: Identity) => ExporterIdentity | undefined): ExporterSample {
  const layout = st.host.layout;
  // processes per cgroup of the cpu hierarchy (cgroup2 when unified), as the exporter counts cgroup.procs
  const procs = new Map<string, number>();
  const procsH = layout ? (layout.kind === 'unified' ? layout.hierarchies.find((h) => h.version === 2) : layout.hierarchies.find((h) => h.controllers.includes('cpu'))) : undefined;
  let host: Partial<Record<NsType, number>> | undefined;
  const sets = new Map<NsType, Set<number>>(NS_TYPES.map((t) => [t, new Set<number>()]));
  const firstPid = new Map<string, number>();
  for (const p of st.processes) {
    if (p.pid === 1 || (p.pid === 2 && host === undefined)) host = p.ns;
    for (const t of NS_TYPES) if (p.ns[t] !== undefined) sets.get(t)!.add(p.ns[t]!);
    const e = procsH && layout ? p.cgroups.find((x) => hierarchyOf(layout, x) === procsH) : undefined;
    if (e) {
      procs.set(e.path, (procs.get(e.path) ?? 0) + 1);
      if (!firstPid.has(e.path) || p.pid < firstPid.get(e.path)!) firstPid.set(e.path, p.pid);
    }
  }
  const counts: Partial<Record<NsType, number>> = {};
  for (const t of NS_TYPES) if (sets.get(t)!.size) counts[t] = sets.get(t)!.size;
  const byPid = new Map(st.processes.map((p) => [p.pid, p] as const));
  const sharedWithHost: Record<string, NsType[]> = {};
  const cgroups: ExporterCgroup[] = st.cgroups.map((c) => {
    const n = procs.get(c.path) ?? 0;
    const stats: CgroupSample = { ...c, procs: { ...(c.procs ?? {}), nr_procs: n } };
    const identity = st.identities[c.path];
    const names = identity ? labelsOf(identity) : undefined;
    if (host && identity?.kind === 'container' && identity.cgroup === c.path && n > 0) {
      const l = byPid.get(firstPid.get(c.path)!)?.ns;
      if (l) sharedWithHost[c.path] = NS_TYPES.filter((t) => l[t] !== undefined && l[t] === host![t]);
    }
    return { path: c.path, stats, selected: true, ...(identity ? { identity } : {}), ...(names ? { names } : {}) };
  });
  return {
    mono_ms: st.host.mono_us / 1000,
    layout: layout?.kind ?? 'none',
    cgroups,
    devices: { ...(st.host.devices ?? {}) },
    namespaces: { counts, sharedWithHost },
    gone: st.host.gone ?? 0,
    denied: [...(st.host.denied ?? [])],
    read_ms: st.host.read_ms ?? 0,
  };
}

/** OpenMetrics escaping of a label value (backslash, double quote, newline). */
function esc(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

const labelText = new WeakMap<object, string>();
function labels(l: Readonly<Record<string, string>>): string {
  let t = labelText.get(l);
  if (t === undefined) {
    const keys = Object.keys(l);
    t = keys.length ? `{${keys.map((k) => `${k}="${esc(l[k])}"`).join(',')}}` : '';
    labelText.set(l, t);
  }
  return t;
}

/** A value as OpenMetrics writes numbers (Go's ParseFloat reads JavaScript's shortest round-trip form). */
function num(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

/** OpenMetrics family name and sample name of a catalogue family (counters: `x` and `x_total`). */
function names(f: FamilyDef): { family: string; sample: string } {
  if (f.type !== 'counter') return { family: f.name, sample: f.name };
  return f.name.endsWith('_total') ? { family: f.name.slice(0, -6), sample: f.name } : { family: f.name, sample: `${f.name}_total` };
}

export async function exportOpenMetrics(o: ExportOptions): Promise<number> {
  // the exporter's modules are its lazy chunk (test/docs/bundle.test.ts): loaded here, not with every recording
  const { CATALOGUE, LabelSets, seriesOf, labelsOf } = await import('../exporter/index.js');
  const r = openReplay(o.window, 'nsx record export');
  for (const m of r.rec.warnings) o.warn(m);
  const times = r.rec.times();
  const from = times[r.cursor.first];
  const to = times[r.cursor.last];
  const dir = mkdtempSync(join(tmpdir(), 'nsx-export-'));
  const spill = new Map<string, { path: string; fd: number; buf: string[]; size: number; lines: number }>();
  const flush = (s: { path: string; fd: number; buf: string[]; size: number }) => {
    if (!s.buf.length) return;
    const b = Buffer.from(s.buf.join(''));
    let off = 0;
    try {
      while (off < b.length) off += writeSync(s.fd, b, off);
    } catch (e) {
      throw fromFsError(e, s.path);
    }
    s.buf = [];
    s.size = 0;
  };
  try {
    const labelSets = new LabelSets();
    let prev: { st: RecordedState; sample: ExporterSample } | undefined;
    let frames = 0;
    for (const st of r.rec.range(from, to, true)) {
      const sample = exporterSampleOf(st, labelsOf);
      const p = prev && prev.st.host.boot_id === st.host.boot_id ? prev.sample : undefined;
      prev = { st, sample };
      if (st.time_ms < from) continue; // the instant before the window: only for the first interval's attribution
      frames++;
      const ts = (st.time_ms / 1000).toFixed(3);
      for (const [name, series] of seriesOf(p, sample, labelSets)) {
        if (!series.length) continue;
        let s = spill.get(name);
        if (!s) {
          const path = join(dir, `${spill.size}.om`);
          spill.set(name, (s = { path, fd: openSync(path, 'wx', 0o600), buf: [], size: 0, lines: 0 }));
        }
        const sampleName = names(CATALOGUE.find((f) => f.name === name)!).sample;
        for (const x of series) {
          const line = `${sampleName}${labels(x.labels)} ${num(x.value)} ${ts}\n`;
          s.buf.push(line);
          s.size += line.length;
          s.lines++;
        }
        if (s.size > 1 << 20) flush(s);
      }
    }
    for (const s of spill.values()) {
      flush(s);
      closeSync(s.fd);
    }
    const out = o.stdout;
    const write = (t: string | Buffer) => new Promise<void>((res, rej) => void out.write(t, (e) => (e ? rej(e) : res())));
    let series = 0;
    for (const f of CATALOGUE) {
      const s = spill.get(f.name);
      if (!s) continue;
      const n = names(f);
      await write(`# TYPE ${n.family} ${f.type}\n# HELP ${n.family} ${f.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}\n`);
      for (const c of readChunks(s.path, 4 << 20)) await write(Buffer.from(c));
      series += s.lines;
    }
    await write('# EOF\n');
    o.warn(`record export: ${frames} instants from ${isoSecond(from)} to ${isoSecond(to)}, ${series} samples in ${spill.size} families`);
  } finally {
    for (const s of spill.values()) {
      try {
        closeSync(s.fd);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EBADF') throw e;
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
  return 0;
}
