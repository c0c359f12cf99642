/**
 * The `nsx top` TUI with ink-testing-library: fixed size, frozen clock (the snapshots carry their own
 * monotonic and wall times), sampler fed from captured snapshots (fixtures/top/v1-throttle.snapshots.json),
 * ANSI stripped.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import React from 'react';
import { readFileSync } from 'node:fs';
import { render } from 'ink-testing-library';
import { TopApp } from '../../../src/tui/top/TopApp.js';
import { initialUiState } from '../../../src/tui/top/state.js';
import { Sampler, type Scheduler } from '../../../src/sampler/sampler.js';
import type { TopSnapshot } from '../../../src/model/rates.js';
import { stripAnsi } from '../../helpers/cli.js';
import { fixture } from '../../helpers/host.js';
import chalk from 'chalk';
import { SeriesStore } from '../../../src/sampler/series.js';
import { topColumns } from '../../../src/tui/top/columns.js';
import { TOP_KEYS, type DisplayRow } from '../../../src/tui/top/state.js';
import { HelpOverlay } from '../../../src/tui/components/HelpOverlay.js';

const SNAPS: TopSnapshot[] = JSON.parse(readFileSync(fixture('top', 'v1-throttle.snapshots.json'), 'utf8'));

/** A scheduler that never fires on its own: tests call sampler.sampleNow(). */
const manual: Scheduler = { setTimeout: () => 0, clearTimeout: () => {} };

function setup(o: { size?: { columns: number; rows: number }; color?: boolean } = {}) {
  let i = 0;
  const sampler = new Sampler<TopSnapshot>({ collect: () => SNAPS[Math.min(i++, SNAPS.length - 1)], intervalMs: 1000, scheduler: manual });
  const app = render(
    <TopApp
      sampler={sampler}
      root="/shop.slice"
      initial={initialUiState({ order: 'path', intervalMs: 1000 })}
      layout="hybrid"
      size={o.size ?? { columns: 100, rows: 30 }}
      color={o.color}
      loadFacts={() => ({ hostname: 'testhost', cpus: 2, memTotalBytes: 4 * 1024 ** 3, load: [0.5, 0.25, 0.1], kernel: '6.18.44' })}
      loadProcesses={(p) => (p === '/shop.slice/web/worker' ? [{ pid: 4242, command: "sh -c while :; do :; done\x1b[31m" }] : [])}
    />,
  );
  current = app;
  return { sampler, app };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let current: ReturnType<typeof render> | undefined;
/** Let Ink render: at least 100 ms, then until no new frame came for 60 ms (at most 2 s; robust under load). */
async function tick(): Promise<void> {
  await sleep(100);
  const end = Date.now() + 2000;
  let n = current?.frames.length ?? 0;
  while (Date.now() < end) {
    await sleep(60);
    const m = current?.frames.length ?? 0;
    if (m === n) return;
    n = m;
  }
}

/** Run `body` on an app that has taken two samples (rates present); unmounts afterwards. */
async function withRates(body: (app: ReturnType<typeof render>, sampler: Sampler<TopSnapshot>) => Promise<void>, size?: { columns: number; rows: number }) {
  const { sampler, app } = setup({ size });
  try {
    await tick();
    sampler.sampleNow();
    sampler.sampleNow();
    await tick();
    await body(app, sampler);
  } finally {
    app.unmount();
  }
}
const frame = (app: ReturnType<typeof render>) => stripAnsi(app.lastFrame() ?? '');
async function press(app: ReturnType<typeof render>, ...keys: string[]) {
  for (const k of keys) {
    app.stdin.write(k);
    await tick();
  }
}

test('first sample: the tree with limits and "-" for rates, header with host facts', async () => {
  const { sampler, app } = setup();
  try {
    await tick();
    sampler.sampleNow();
    await tick();
    const f = frame(app);
    assert.match(f, /nsx top .*testhost · 2 CPUs · mem 4\.0G · load 0\.50 0\.25 0\.10 · kernel 6\.18\.44 · cgroups hybrid/);
    assert.match(f, /first sample/);
    const web = f.split('\n').find((l) => /─web /.test(l))!;
    assert.ok(web, f);
    assert.match(web, /└─web\s+2\s+-\s+.*0\.20/);
    assert.match(f, /^\/shop\.slice\s+10\s/m);
    assert.match(f, /^  ├─cache/m);
    assert.match(f, /└─worker/);
    assert.match(f, /├─db\s+7\s+-\s+.*0\.50\s+87\.1M\s+.*256M/);
  } finally {
    app.unmount();
  }
});

test('second sample: rates, throttled rows name the binding limit (itself or the parent)', () =>
  withRates(async (app, sampler) => {
    const f = frame(app);
    const line = (name: string) => f.split('\n').find((l) => new RegExp(`─${name}\\s`).test(l)) ?? '';
    assert.match(line('worker'), /\s1\d\.\d\s.*lice\/web 0\.20$/, 'the parent and its limit');
    assert.match(line('cache'), /lice\/web 0\.20$/);
    assert.match(line('db'), /slice\/db 0\.50$/);
    assert.doesNotMatch(line('idle'), /\/shop/);
    assert.match(f, /4 throttled/);
  }));

test('sorting: m sorts siblings by memory, pressing again reverses; n back to path', () =>
  withRates(async (app, sampler) => {
    await press(app, 'm');
    let f = frame(app);
    assert.match(f, /sort: memory/);
    const order = () => frame(app).split('\n').map((l) => /[├└]─(\w+)/.exec(l)?.[1]).filter(Boolean);
    assert.deepEqual(order().slice(0, 3), ['db', 'web', 'cache']);
    await press(app, 'm');
    f = frame(app);
    assert.match(f, /sort: memory \(reversed\)/);
    assert.equal(order()[0], 'idle');
    await press(app, 'n');
    assert.deepEqual(order(), ['db', 'idle', 'web', 'cache', 'worker']);
  }));

test('filter: / then text keeps matches and their ancestors; Esc clears', () =>
  withRates(async (app, sampler) => {
    await press(app, '/', 'w', 'o', 'r', '\r');
    let f = frame(app);
    assert.match(f, /filter: wor/);
    assert.match(f, /└─worker/);
    assert.doesNotMatch(f, /─db|─idle|─cache/);
    assert.match(f, /cgroups: 3\/6/);
    await press(app, '\x1b');
    f = frame(app);
    assert.match(f, /─db/);
  }));

test('collapse and expand with the arrows; depth with digits', () =>
  withRates(async (app, sampler) => {
    // rows (path order): shop.slice, db, idle, web, cache, worker → select web
    await press(app, '\x1b[B', '\x1b[B', '\x1b[B', '\x1b[D');
    let f = frame(app);
    assert.match(f, /└─web \+/);
    assert.doesNotMatch(f, /worker/);
    await press(app, '\x1b[C');
    assert.match(frame(app), /worker/);
    await press(app, '1');
    f = frame(app);
    assert.match(f, /depth: 1/);
    assert.doesNotMatch(f, /worker/);
    await press(app, '0');
    assert.match(frame(app), /worker/);
  }));

test('help overlay, detail pane with escaped processes, pause', () =>
  withRates(async (app, sampler) => {
    await press(app, 'h');
    let f = frame(app);
    assert.match(f, /nsx top — keys/);
    assert.match(f, /sort by CPU, memory, IO/);
    await press(app, '?');
    await press(app, 'G', 'd');
    await tick();
    f = frame(app);
    assert.match(f, /\/shop\.slice\/web\/worker .*throttled by \/shop\.slice\/web \(limit 0\.20 CPU\)/);
    assert.match(f, /processes \(1\)/);
    assert.match(f, /4242 sh -c while :; do :; done\\x1b\[31m/);
    assert.match(f, /MEMMAX\s+max/);
    assert.match(f, /CPU% 1 min/);
    await press(app, ' ');
    assert.match(frame(app), /PAUSED/);
    assert.equal(sampler.paused, true);
  }));

test('narrow terminal: low-priority columns go, the tree stays; + and - change the interval', async () => {
  const { sampler, app } = setup({ size: { columns: 60, rows: 20 } });
  try {
    await tick();
    sampler.sampleNow();
    sampler.sampleNow();
    const f = frame(app);
    for (const l of f.split('\n')) assert.ok(l.length <= 60, `too wide: ${l}`);
    assert.match(f, /CGROUP/);
    assert.doesNotMatch(f, /CPU 1m/);
    await press(app, '+');
    assert.match(frame(app), /every: 2s/);
    assert.equal(sampler.intervalMs, 2000);
    await press(app, '-', '-');
    assert.match(frame(app), /every: 0\.5s/);
  } finally {
    app.unmount();
  }
});

test('a failed sample is shown in the header and the last frame stays; the next good sample clears it', async () => {
  let fail = false;
  let i = 0;
  const sampler = new Sampler<TopSnapshot>({
    collect: () => {
      if (fail) throw new Error('/sys/fs/cgroup/x: permission denied');
      return SNAPS[Math.min(i++, SNAPS.length - 1)];
    },
    intervalMs: 1000,
    scheduler: manual,
  });
  const app = render(<TopApp sampler={sampler} root="/shop.slice" initial={initialUiState({ order: 'path', intervalMs: 1000 })} size={{ columns: 100, rows: 30 }} />);
  current = app;
  try {
    await tick();
    sampler.sampleNow();
    fail = true;
    sampler.sampleNow();
    await tick();
    let f = frame(app);
    assert.match(f, /sample failed: \/sys\/fs\/cgroup\/x: permission denied/);
    assert.match(f, /└─worker/);
    fail = false;
    sampler.sampleNow();
    await tick();
    f = frame(app);
    assert.doesNotMatch(f, /sample failed/);
  } finally {
    app.unmount();
  }
});

test('several keys in one read: `/wor` and Enter sent at once filter; `jjj` moves three rows', () =>
  withRates(async (app) => {
    await press(app, '/wor\r');
    let f = frame(app);
    assert.match(f, /filter: wor(?!▏)/);
    assert.match(f, /cgroups: 3\/6/);
    await press(app, '\x1b');
    await press(app, 'jjj\x1b[D'); // shop.slice → db → idle → web, then collapse it
    f = frame(app);
    assert.match(f, /└─web \+/);
    await press(app, '\x1b[200~q\x1b[201~');
    assert.match(frame(app), /└─web \+/, 'a pasted q does not quit');
  }));

test('sparkline columns share one scale: a steady 20 % row and a steady 200 % row differ', () => {
  const cpu = new SeriesStore(60);
  const memory = new SeriesStore(60);
  for (let i = 0; i < 10; i++) {
    cpu.push(new Map([['/a', 20], ['/b', 200]]));
    memory.push(new Map([['/a', 100e6], ['/b', 1e9]]));
  }
  const rows = ['/a', '/b'].map((path) => ({ row: { path, depth: 1, cpu_limit_cpus: null, counters: {} }, prefix: '', hasChildren: false, collapsed: false }) as unknown as DisplayRow);
  const cols = topColumns({ width: 200, ctx: {}, cpu, memory, rows });
  const spark = (id: string, i: number) => cols.find((c) => c.id === id)!.cell(rows[i]).trim();
  assert.equal(spark('CPU~', 1), '█'.repeat(10));
  assert.equal(spark('CPU~', 0), '▂'.repeat(10), '20 % of the column\'s 200 %');
  assert.notEqual(spark('CPU~', 0), spark('CPU~', 1));
  assert.equal(spark('MEM~', 0), '▂'.repeat(10));
  // one row alone at 20 %: the scale is at least one CPU, so it does not fill the column
  const alone = topColumns({ width: 200, ctx: {}, cpu, memory, rows: [rows[0]] });
  assert.equal(alone.find((c) => c.id === 'CPU~')!.cell(rows[0]).trim(), '▂'.repeat(10));
});

test('help overlay: a long description wraps in its own column, never under the keys; 160 columns fit on one line', async () => {
  const narrow = render(<HelpOverlay title="keys" keys={[['a b c', 'one two three four five six seven eight nine ten eleven twelve']]} width={30} />);
  try {
    const lines = stripAnsi(narrow.lastFrame() ?? '').split('\n').filter((l) => /^│ /.test(l)).slice(1);
    assert.ok(lines.length > 1, 'it wraps');
    assert.match(lines[0], /^│ a b c one/);
    for (const l of lines.slice(1)) assert.match(l, /^│ {7,}\S/, `continuation in the description column: ${l}`);
  } finally {
    narrow.unmount();
  }
  await withRates(async (app) => {
    await press(app, 'h');
    const f = frame(app);
    for (const [k, h] of TOP_KEYS) assert.ok(f.split('\n').some((l) => l.includes(k) && l.includes(h)), `${k} and its description on one line`);
  }, { columns: 160, rows: 40 });
});

test('colours: none with color=false (NO_COLOR, --color=never), present by default', async () => {
  const level = chalk.level;
  chalk.level = 1;
  const sgrColour = /\x1b\[(3[0-7]|9[0-7]|38;)/;
  try {
    for (const color of [false, undefined]) {
      const { sampler, app } = setup({ color });
      try {
        await tick();
        sampler.sampleNow();
        sampler.sampleNow();
        await tick();
        const raw = app.lastFrame() ?? '';
        if (color === false) {
          assert.doesNotMatch(raw, sgrColour);
          assert.match(raw, /\x1b\[7m/, 'selection still inverse');
          assert.match(raw, /\x1b\[1m.*lice\/web 0\.20/, 'throttled rows bold instead of red');
        } else assert.match(raw, sgrColour);
      } finally {
        app.unmount();
      }
    }
  } finally {
    chalk.level = level;
  }
});
