/**
 * The dashboard screens of the docs, drawn by the dashboard itself. A page marks a screen with an HTML comment on
 * the line before a fenced block:
 *
 *     <!-- screen: fixtures/k8s-node.manifest 120x40 keys: 3 /2000 Enter Enter -->
 *
 * naming the fixture host, the terminal size and the keys pressed after the first sample (a key name — Tab
 * S-Tab Enter Esc Up Down Left Right PgUp PgDn Space — or text typed as it is). The block holds the frame as
 * ink-testing-library draws it (src/tui/dashboard/run.ts makeDashboardSession wires the app as `nsx --root FILE`
 * does; no colour, trailing spaces off). test/docs/screens.test.ts compares; `npm run docs` rewrites.
 */
import React from 'react';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { render } from 'ink-testing-library';
import { DashboardApp } from '../../src/tui/dashboard/DashboardApp.js';
import { makeDashboardSession } from '../../src/tui/dashboard/run.js';
import type { Scheduler } from '../../src/sampler/sampler.js';
import { unpackManifest } from '../../src/host/manifest.js';
import { hostPaths } from '../../src/host/paths.js';
import { stripAnsi } from '../helpers/cli.js';
import { changed, press, settle } from '../helpers/ink.js';
import { REPO } from '../helpers/host.js';
import { codeBlocks, pages } from './examples.js';

export interface ScreenSpec {
  readonly file: string;
  /** 1-based line of the marker */
  readonly line: number;
  readonly fixture: string;
  readonly columns: number;
  readonly rows: number;
  readonly keys: readonly string[];
  /** the block under the marker: 0-based first content line, and its lines */
  readonly start: number;
  readonly lines: readonly string[];
}

const MARK = /^<!-- screen: (fixtures\/\S+) (\d+)x(\d+)(?: keys: (.*?))? -->\s*$/;

/** The screens a page marks. */
export function screensOf(file: string, text: string): ScreenSpec[] {
  const lines = text.split('\n');
  const blocks = codeBlocks(text);
  const out: ScreenSpec[] = [];
  lines.forEach((l, i) => {
    const m = MARK.exec(l);
    if (!m) return;
    const b = blocks.find((x) => x.start === i + 2);
    if (!b) throw new Error(`${file}:${i + 1}: a screen marker must be followed by a fenced block`);
    out.push({ file, line: i + 1, fixture: m[1], columns: Number(m[2]), rows: Number(m[3]), keys: m[4] ? m[4].trim().split(/\s+/) : [], start: b.start, lines: b.lines });
  });
  return out;
}

const KEYS: Readonly<Record<string, string>> = {
  Tab: '\t',
  'S-Tab': '\x1b[Z',
  Enter: '\r',
  Esc: '\x1b',
  Up: '\x1b[A',
  Down: '\x1b[B',
  Right: '\x1b[C',
  Left: '\x1b[D',
  PgUp: '\x1b[5~',
  PgDn: '\x1b[6~',
  Space: ' ',
};

const manual: Scheduler = { setTimeout: () => 0, clearTimeout: () => {} };
/** The frame the dashboard draws for a spec, line by line. */
export async function drawScreen(s: Pick<ScreenSpec, 'fixture' | 'columns' | 'rows' | 'keys'>): Promise<string[]> {
  const host = unpackManifest(join(REPO, s.fixture));
  const session = makeDashboardSession({ paths: hostPaths(host.dir), intervalMs: 1000, scheduler: manual, color: false });
  const app = render(React.createElement(DashboardApp, { ...session.props, size: { columns: s.columns, rows: s.rows } }));
  try {
    await settle(app);
    const before = app.lastFrame();
    session.start();
    await changed(app, before, 10_000, 400);
    // every key of a screen changes what is drawn (a search letter, a view, a drill-down): wait for each, then for
    // 400 ms without a new frame (what a key starts, `w`'s report, may come in a second render)
    await press(app, { changes: true, quietMs: 400 }, ...s.keys.map((k) => KEYS[k] ?? k));
    const lines = stripAnsi(app.lastFrame() ?? '').split('\n').map((l) => l.trimEnd());
    while (lines.length && lines[lines.length - 1] === '') lines.pop();
    return lines;
  } finally {
    app.unmount();
    session.close();
    host.cleanup();
  }
}

/** Every marked screen of README.md and docs/. */
export function allScreens(): ScreenSpec[] {
  return pages().flatMap((f) => screensOf(f, readFileSync(join(REPO, f), 'utf8')));
}

/** The pages whose screens differ from what the dashboard draws now, with the screens redrawn. */
export async function regenerateScreens(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const f of pages()) {
    const text = readFileSync(join(REPO, f), 'utf8');
    const specs: Array<{ start: number; lines: readonly string[]; draw: () => Promise<string[]> }> = [
      ...screensOf(f, text).map((s) => ({ ...s, draw: () => drawScreen(s) })),
      ...sampleTablesOf(f, text).map((s) => ({ ...s, draw: () => drawSampleTable(s) })),
    ].sort((a, b) => a.start - b.start);
    if (!specs.length) continue;
    const lines = text.split('\n');
    for (const s of [...specs].reverse()) lines.splice(s.start, s.lines.length, ...(await s.draw()));
    const next = lines.join('\n');
    if (next !== text) out.set(f, next);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// `nsx top -b` tables of recorded samples: `<!-- top-samples: FILE ROOT N ORDER -->` before a block holds sample N
// (1-based; rates from N-1 to N) of the snapshots in FILE, as the batch table prints it with the default columns.

export interface SampleTableSpec {
  readonly file: string;
  readonly line: number;
  readonly snapshots: string;
  readonly root: string;
  readonly sample: number;
  readonly order: string;
  readonly start: number;
  readonly lines: readonly string[];
}

const SAMPLES = /^<!-- top-samples: (\S+) (\S+) (\d+) (\w+) -->\s*$/;

export function sampleTablesOf(file: string, text: string): SampleTableSpec[] {
  const blocks = codeBlocks(text);
  const out: SampleTableSpec[] = [];
  text.split('\n').forEach((l, i) => {
    const m = SAMPLES.exec(l);
    if (!m) return;
    const b = blocks.find((x) => x.start === i + 2);
    if (!b) throw new Error(`${file}:${i + 1}: a top-samples marker must be followed by a fenced block`);
    out.push({ file, line: i + 1, snapshots: m[1], root: m[2], sample: Number(m[3]), order: m[4], start: b.start, lines: b.lines });
  });
  return out;
}

/** The batch table of a recorded sample, line by line (trailing spaces off). */
export async function drawSampleTable(s: Pick<SampleTableSpec, 'snapshots' | 'root' | 'sample' | 'order'>): Promise<string[]> {
  const [{ buildFrame }, { frameTable }, { TOP_FIELDS, TOP_DEFAULT_COLUMNS }, { selectFields }] = await Promise.all([
    import('../../src/sampler/frame.js'),
    import('../../src/services/top.js'),
    import('../../src/fields/top.js'),
    import('../../src/fields/registry.js'),
  ]);
  const snaps = JSON.parse(readFileSync(join(REPO, s.snapshots), 'utf8'));
  const frame = buildFrame(s.sample > 1 ? snaps[s.sample - 2] : undefined, snaps[s.sample - 1], s.root);
  const text = frameTable(frame, selectFields(TOP_FIELDS, TOP_DEFAULT_COLUMNS, undefined), { order: s.order as never });
  return text.trimEnd().split('\n').map((l) => l.trimEnd());
}

export function allSampleTables(): SampleTableSpec[] {
  return pages().flatMap((f) => sampleTablesOf(f, readFileSync(join(REPO, f), 'utf8')));
}
