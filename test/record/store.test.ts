/**
 * The recording directory (src/record/store.ts, format.ts, recording.ts): frames written and read back by time,
 * segments rotated, sealed and indexed, a crash's torn tail dropped (and sealed at the next start), retention by
 * age and by size, and damaged, truncated and foreign files: one clear error or a warning, never a crash
 * (fuzzed with fast-check).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { appendFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StoreWriter, listSegments, sealLeftover } from '../../src/record/store.js';
import { InputEncoder, type RecordInput } from '../../src/record/state.js';
import { openRecording } from '../../src/record/recording.js';
import { parseSegment } from '../../src/record/format.js';
import { NsxError } from '../../src/errors.js';

const T0 = Date.parse('2026-12-08T10:00:00Z');

function input(i: number, extra: Partial<RecordInput> = {}): RecordInput {
  return {
    time_ms: T0 + i * 5000,
    host: { mono_us: 1e9 + i * 5e6, uptime_s: 100 + i * 5, boot_id: 'b1' },
    cgroups: [
      { path: '/', inodes: { '': 1 }, cpu: { usage_usec: 1000 * i } },
      { path: '/a', inodes: { '': 2 }, cpu: { usage_usec: 10 * i, max_usec: 50000, period_usec: 100000 }, memory: { current_bytes: 4096 * (i % 7) } },
      ...(i % 10 < 5 ? [{ path: '/a/b', inodes: { '': 3 } }] : []),
    ],
    processes: [{ pid: 1, comm: 'init', starttimeTicks: 1, argv: ['/sbin/init'], ns: { pid: 4026531836 }, cgroups: [], utimeTicks: i }],
    namespaces: [],
    events: [],
    ...extra,
  };
}

function tmp(): string {
  return mkdtempSync(join(tmpdir(), 'nsx-test-record-'));
}

function write(dir: string, n: number, o: ConstructorParameters<typeof StoreWriter>[1] = {}, close = true): StoreWriter {
  const w = new StoreWriter(dir, { sync: false, now: () => T0 + n * 5000, ...o });
  const ie = new InputEncoder();
  for (let i = 0; i < n; i++) {
    const inp = input(i);
    w.append(inp.time_ms, (enc) => ie.encode(enc, inp));
  }
  if (close) w.close();
  return w;
}

test('store: frames read back at any time, across keyframes and segments, with the frame before for rates', () => {
  const dir = tmp();
  try {
    write(dir, 100, { keyframeEvery: 7, segmentMs: 120_000 });
    const segs = listSegments(dir);
    assert.equal(segs.length, 5, '100 frames × 5 s in 2-minute segments');
    for (const s of segs) assert.ok(parseSegment(readFileSync(s.path)).sealed, `${s.name} sealed`);
    const rec = openRecording(dir, 'nsx test');
    assert.equal(rec.start_ms, T0);
    assert.equal(rec.end_ms, T0 + 99 * 5000);
    assert.equal(rec.times().length, 100);
    for (const i of [0, 1, 6, 7, 8, 23, 24, 25, 50, 99]) {
      const { prev, state } = rec.at(T0 + i * 5000 + 1234);
      assert.equal(state.time_ms, T0 + i * 5000);
      assert.deepEqual(state.cgroups.map((c) => c.path), input(i).cgroups.map((c) => c.path));
      assert.equal(state.cgroups[1].memory?.current_bytes, 4096 * (i % 7));
      assert.equal(state.processes[0].utimeTicks, i);
      if (i === 0) assert.equal(prev, undefined);
      else assert.equal(prev?.time_ms, T0 + (i - 1) * 5000, `prev of ${i}`);
    }
    // before the recording: its first frame; after it: its last
    assert.equal(rec.at(T0 - 1e6).state.time_ms, T0);
    assert.equal(rec.at(T0 + 1e9).state.time_ms, T0 + 99 * 5000);
    // a range: every frame once, in order, with what changed between frames (across segments and keyframes)
    const states = [...rec.range(T0 + 20 * 5000, T0 + 60 * 5000)];
    assert.deepEqual(states.map((s) => (s.time_ms - T0) / 5000), Array.from({ length: 41 }, (_, k) => 20 + k));
    const added = states.filter((s) => s.cgroupsAdded.includes('/a/b')).map((s) => (s.time_ms - T0) / 5000);
    const removed = states.filter((s) => s.cgroupsRemoved.includes('/a/b')).map((s) => (s.time_ms - T0) / 5000);
    assert.deepEqual(added, [20, 30, 40, 50, 60]);
    assert.deepEqual(removed, [25, 35, 45, 55]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('store: a crash leaves a torn tail; readers drop it, the next recorder seals the segment', () => {
  const dir = tmp();
  try {
    write(dir, 30, {}, false).abandon();
    const [seg] = listSegments(dir);
    const size = statSync(seg.path).size;
    // a frame written halfway
    appendFileSync(seg.path, readFileSync(seg.path).subarray(size - 40, size - 10));
    const rec = openRecording(dir, 'nsx test');
    assert.equal(rec.end_ms, T0 + 29 * 5000);
    assert.match(rec.warnings.join('\n'), /incomplete after byte/);
    // cut in the middle of the last frame: that frame is lost, no other
    truncateSync(seg.path, size - 3);
    assert.equal(openRecording(dir, 'nsx test').end_ms, T0 + 28 * 5000);
    const r = sealLeftover(seg.path);
    assert.equal(r?.frames, 29);
    assert.ok(parseSegment(readFileSync(seg.path)).sealed);
    assert.equal(openRecording(dir, 'nsx test').end_ms, T0 + 28 * 5000);
    // a new recorder seals what it finds, and writes its own segment
    write(dir, 3, { now: () => T0 + 1e6 });
    assert.equal(listSegments(dir).length, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('store: retention by age and by size; the LOCK keeps a second recorder out', () => {
  const dir = tmp();
  try {
    // 1-minute segments over 10 minutes, keep 3 minutes
    const w = write(dir, 120, { segmentMs: 60_000, retainMs: 180_000 }, false);
    assert.throws(() => new StoreWriter(dir, { sync: false }), /another recorder .*writes here/);
    w.close();
    const left = listSegments(dir);
    assert.ok(left.length >= 3 && left.length <= 5, `${left.length} segments left`);
    assert.ok(openRecording(dir, 'nsx test').start_ms >= T0 + 120 * 5000 - 5 * 60_000);
    const dir2 = tmp();
    try {
      write(dir2, 400, { segmentMs: 60_000, maxBytes: 40_000 });
      const total = listSegments(dir2).reduce((n, s) => n + s.bytes, 0);
      assert.ok(total <= 40_000, `${total} bytes kept under a 40,000-byte cap`);
      assert.equal(openRecording(dir2, 'nsx test').end_ms, T0 + 399 * 5000);
    } finally {
      rmSync(dir2, { recursive: true, force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('store: an empty, foreign or newer directory gives one clear error', () => {
  const dir = tmp();
  try {
    assert.throws(() => openRecording(dir, 'nsx top'), (e: Error) => e instanceof NsxError && /^nsx top: .*: no recording here/.test(e.message));
    writeFileSync(join(dir, 'nsx-20261208T100000.000Z.nsxr'), 'hello, this is not a recording\n');
    assert.throws(() => openRecording(dir, 'nsx top'), (e: Error) => e instanceof NsxError && /not an nsx recording/.test(e.message));
    const dir2 = tmp();
    write(dir2, 2);
    const [seg] = listSegments(dir2);
    const b = readFileSync(seg.path);
    b.writeUInt16LE(9, 10); // "only nsx able to read format 9 may read this"
    writeFileSync(join(dir, 'nsx-20261208T100000.000Z.nsxr'), b);
    assert.throws(() => openRecording(dir, 'nsx top'), (e: Error) => e instanceof NsxError && /newer nsx/.test(e.message));
    rmSync(dir2, { recursive: true, force: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('store: damaged and truncated segments (fuzzed) open with warnings or one NsxError, never a crash', () => {
  const dir = tmp();
  try {
    write(dir, 40, { keyframeEvery: 10 });
    const [seg] = listSegments(dir);
    const good = readFileSync(seg.path);
    fc.assert(
      fc.property(fc.nat(), fc.nat(255), fc.constantFrom('flip', 'cut', 'zero', 'garbage-tail'), fc.uint8Array({ maxLength: 64 }), (a, b, op, junk) => {
        const i = a % good.length;
        let bad = Buffer.from(good);
        if (op === 'flip') bad[i] ^= 1 + (b % 255);
        else if (op === 'cut') bad = bad.subarray(0, i);
        else if (op === 'zero') bad.fill(0, i, Math.min(bad.length, i + 1 + b));
        else bad = Buffer.concat([bad.subarray(0, i), Buffer.from(junk)]);
        writeFileSync(seg.path, bad);
        try {
          const rec = openRecording(dir, 'nsx test');
          // whatever opens can be read everywhere
          for (const t of rec.times()) rec.at(t);
          [...rec.range(rec.start_ms, rec.end_ms)];
        } catch (e) {
          assert.ok(e instanceof NsxError, `threw ${(e as Error)?.stack}`);
          assert.equal(e.message.split('\n').length, 1);
        }
      }),
      { numRuns: 400 },
    );
    assert.deepEqual(readdirSync(dir).filter((f) => !f.endsWith('.nsxr')), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
