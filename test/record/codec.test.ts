/**
 * The recording's codec (src/record/bytes.ts, columns.ts, state.ts): varints, flatten/unflatten, and frames
 * that decode to exactly what was encoded — property-based over random entity histories (additions, removals,
 * changed values of every kind, keyframes) — and corrupt raw frames that fail with CorruptRecord only.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ByteReader, ByteWriter, CorruptRecord } from '../../src/record/bytes.js';
import { ATOMS, flatten, FrameDecoder, FrameEncoder, KIND_CGROUP, KIND_PROCESS, unflatten, cgroupKeyWriter, processKeyWriter, KIND_HOST, hostKeyWriter } from '../../src/record/columns.js';
import { InputEncoder, StateDecoder, type RecordInput } from '../../src/record/state.js';
import type { CgroupSample } from '../../src/model/cgroup-sample.js';

test('varints: every safe integer and zigzag value round-trips', () => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.integer({ min: -(2 ** 52), max: 2 ** 52 }), fc.integer(), fc.constantFrom(0, 1, 127, 128, 2 ** 52, -(2 ** 52)))), (xs) => {
      const w = new ByteWriter(4);
      for (const x of xs) {
        w.svar(x);
        if (x >= 0) w.uvar(x);
      }
      const r = new ByteReader(w.take());
      for (const x of xs) {
        assert.equal(r.svar(), x);
        if (x >= 0) assert.equal(r.uvar(), x);
      }
      assert.ok(r.done);
    }),
  );
  const w = new ByteWriter();
  w.uvar(2 ** 53 - 1);
  assert.equal(new ByteReader(w.take()).uvar(), 2 ** 53 - 1);
  assert.throws(() => new ByteWriter().svar(2 ** 53), RangeError);
});

test('a reader never reads past its end', () => {
  const r = new ByteReader(Buffer.from([0x80, 0x80]));
  assert.throws(() => r.uvar(), CorruptRecord);
  assert.throws(() => new ByteReader(Buffer.from([5, 1])).str(), CorruptRecord);
  assert.throws(() => new ByteReader(Buffer.from([200, 1])).count(), CorruptRecord);
});

const SAMPLE: CgroupSample = {
  path: '/docker/abc',
  inode: 7,
  inodes: { 'cpu,cpuacct': 7, memory: 9, '': 3 },
  cpu: { usage_usec: 123456789, user_usec: 100, nr_periods: 5, max_usec: 'max', period_usec: 100000 },
  memory: { current_bytes: 4096, max_bytes: 1 << 30, stat: { anon: 1, file: 2, hierarchical_memory_limit: 9223372036854771712n }, events: { oom_kill: 0 } },
  io: { devices: [{ major: 8, minor: 0, rbytes: 10, wbytes: 20 }, { major: 8, minor: 16, rios: 3 }], rbytes: 10, wbytes: 20, max: [{ major: 8, minor: 0, rbps: 'max' }] },
  psi: { cpu: { some: { avg10: 0.12, avg60: 1.5, avg300: 33.333, total_usec: 12 } } },
  cpuset: { cpus: '0-3' },
  errors: ['x: bad'],
};

test('flatten/unflatten: a cgroup sample comes back whole (atoms, arrays, bigints, floats)', () => {
  const leaves = flatten(SAMPLE, ATOMS[KIND_CGROUP]);
  assert.ok([...leaves.keys()].some((k) => k.startsWith('io\u0000max')), 'io/max is an atom');
  const enc = new FrameEncoder();
  enc.put(KIND_HOST, '', { mono_us: 1 }, hostKeyWriter);
  enc.put(KIND_CGROUP, SAMPLE.path, SAMPLE, cgroupKeyWriter(SAMPLE.path));
  const { raw } = enc.finish();
  const dec = new FrameDecoder();
  dec.apply(raw);
  const [e] = [...dec.entities(KIND_CGROUP)];
  assert.deepEqual(dec.objectOf(KIND_CGROUP, e), SAMPLE);
  assert.deepEqual(unflatten([]), {});
});

/** A random history of entities: each step changes, adds or removes some. */
const leaf = fc.oneof(
  fc.integer({ min: -1e9, max: 1e12 }),
  fc.maxSafeInteger(),
  // -0 is recorded as 0: a value equal to the last one (=== ) is unchanged, and no kernel file prints -0
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((x) => (x === 0 ? 0 : x)),
  fc.integer({ min: 0, max: 10000 }).map((x) => x / 100),
  fc.constantFrom('max', '0-3', '', 'a\u0000b', 'é'),
  fc.boolean(),
  fc.constant(null),
  fc.bigInt({ min: 2n ** 53n, max: 2n ** 64n }),
);
const entityObj = fc.record(
  {
    cpu: fc.record({ usage_usec: leaf, max_usec: leaf }, { requiredKeys: [] }),
    memory: fc.record({ current_bytes: leaf, stat: fc.dictionary(fc.constantFrom('anon', 'file', 'total_rss', 'x_y'), leaf) }, { requiredKeys: [] }),
    io: fc.record({ devices: fc.array(fc.record({ major: fc.nat(300), minor: fc.nat(300), rbytes: leaf }, { requiredKeys: ['major', 'minor'] }), { maxLength: 3 }) }, { requiredKeys: [] }),
    errors: fc.array(fc.string(), { maxLength: 2 }),
  },
  { requiredKeys: [] },
);

/** What decoding should give: undefined leaves are absent, empty objects vanish, empty arrays vanish (no leaves). */
function normal(v: unknown, key = ''): unknown {
  if (key === 'errors') return v; // an atom: kept whole
  if (Array.isArray(v)) {
    const out = v.map((x) => normal(x)).filter((x) => x !== undefined);
    return out.length ? out : undefined;
  }
  if (v !== null && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const n = normal(x, k);
      if (n !== undefined) o[k] = n;
    }
    return Object.keys(o).length ? o : undefined;
  }
  return v;
}

test('frames: random histories of entities decode to exactly what was encoded', () => {
  fc.assert(
    fc.property(
      fc.array(fc.array(fc.tuple(fc.integer({ min: 0, max: 6 }), fc.option(entityObj, { nil: undefined })), { maxLength: 8 }), { minLength: 1, maxLength: 12 }),
      fc.integer({ min: 1, max: 5 }),
      (steps, keyEvery) => {
        const enc = new FrameEncoder();
        const dec = new FrameDecoder();
        const live = new Map<number, object>();
        steps.forEach((step, i) => {
          if (i % keyEvery === 0) enc.keyframe();
          for (const [id, o] of step) {
            if (o === undefined) live.delete(id);
            else live.set(id, { path: `/c${id}`, ...o, ...(id % 2 ? { errors: ['same'] } : {}) });
          }
          enc.put(KIND_HOST, '', { mono_us: i }, hostKeyWriter);
          for (const [id, o] of live) enc.put(KIND_CGROUP, `/c${id}`, o, cgroupKeyWriter(`/c${id}`));
          dec.apply(enc.finish().raw);
          const got = new Map([...dec.entities(KIND_CGROUP)].map((e) => [e.key, dec.objectOf(KIND_CGROUP, e)]));
          assert.deepEqual([...got.keys()].sort(), [...live.keys()].map((id) => `/c${id}`).sort());
          for (const [id, o] of live) assert.deepEqual(got.get(`/c${id}`), normal(o), `entity /c${id} at step ${i}`);
        });
      },
    ),
    { numRuns: 150 },
  );
});

test('frames: an unchanged object costs nothing; a changed counter costs a few bytes', () => {
  const enc = new FrameEncoder();
  const p = { pid: 42, comm: 'sleep', utimeTicks: 10, argv: ['sleep', '100'], ns: { net: 4026531840 }, cgroups: [{ hierarchyId: 0, controllers: [], path: '/' }] };
  enc.put(KIND_HOST, '', { mono_us: 1 }, hostKeyWriter);
  enc.put(KIND_PROCESS, '42:1', p, processKeyWriter(42, 1));
  const first = enc.finish().raw.length;
  enc.put(KIND_HOST, '', { mono_us: 2 }, hostKeyWriter);
  enc.put(KIND_PROCESS, '42:1', p, processKeyWriter(42, 1));
  const same = enc.finish().raw.length;
  enc.put(KIND_HOST, '', { mono_us: 3 }, hostKeyWriter);
  enc.put(KIND_PROCESS, '42:1', { ...p, utimeTicks: 11 }, processKeyWriter(42, 1));
  const changed = enc.finish().raw.length;
  assert.ok(same < 32, `unchanged frame ${same} bytes`);
  assert.ok(changed - same <= 6, `one counter +1: ${changed - same} bytes`);
  assert.ok(first > changed);
});

test('state: a RecordInput round-trips (cgroups with identities, processes, namespaces, events, what changed)', () => {
  const ie = new InputEncoder();
  const enc = new FrameEncoder();
  const sd = new StateDecoder();
  const id = { runtime: 'docker', kind: 'container', id: 'abc', shortId: 'abc', label: 'web', ref: 'docker:abc', cgroup: '/docker/abc', name: 'web' } as const;
  const proc = { pid: 10, comm: 'sh', starttimeTicks: 500, argv: ['sh'], ns: { pid: 1 }, cgroups: [{ hierarchyId: 4, controllers: ['cpu', 'cpuacct'], path: '/docker/abc' }], identity: id };
  const base: RecordInput = {
    time_ms: 1000,
    host: { mono_us: 5, uptime_s: 12.34, layout: { kind: 'hybrid', hierarchies: [], controllers: [], unattached: [] } },
    cgroups: [{ path: '/', inodes: {} }, SAMPLE],
    identities: { '/docker/abc': id },
    processes: [proc],
    namespaces: [{ inode: 1, type: 'pid', nsfs: ['/run/x'] }],
    events: [{ kind: 'oom-kill', time_ms: 999, constraint: 'CONSTRAINT_MEMCG', oom_memcg: '/docker/abc', task_memcg: '/docker/abc', pid: 11 }],
  };
  ie.encode(enc, base);
  const s1 = sd.next(enc.finish().raw, 1000);
  assert.deepEqual(s1.cgroups, base.cgroups);
  assert.deepEqual(s1.identities, base.identities);
  assert.deepEqual(s1.processes, base.processes);
  assert.deepEqual(s1.namespaces, base.namespaces);
  assert.deepEqual(s1.events, base.events);
  assert.deepEqual(s1.host, base.host);
  // next: the container renamed, a cgroup and a process gone, another started
  const id2 = { ...id, name: 'web2', label: 'web2' };
  const proc2 = { ...proc, pid: 12, starttimeTicks: 600 };
  ie.encode(enc, { ...base, time_ms: 2000, host: { ...base.host, mono_us: 6 }, cgroups: [SAMPLE, { path: '/new', inodes: { '': 1 } }], identities: { '/docker/abc': id2 }, processes: [{ ...proc2, identity: id2 }], events: [] });
  const s2 = sd.next(enc.finish().raw, 2000);
  assert.deepEqual(s2.cgroupsAdded, ['/new']);
  assert.deepEqual(s2.cgroupsRemoved, ['/']);
  assert.deepEqual(s2.processesStarted.map((p) => p.pid), [12]);
  assert.deepEqual(s2.processesExited.map((p) => p.pid), [10]);
  assert.deepEqual(s2.identityChanged, ['/docker/abc']);
  assert.equal(s2.identities['/docker/abc'].name, 'web2');
  assert.deepEqual(s2.cgroups[0], SAMPLE);
  ie.encode(enc, { ...base, time_ms: 3000, host: { ...base.host, mono_us: 7 }, cgroups: [SAMPLE, { path: '/new', inodes: { '': 1 } }], identities: { '/docker/abc': id2 }, processes: [{ ...proc2, identity: id2 }], events: [] });
  const s3 = sd.next(enc.finish().raw, 3000);
  assert.equal(s3.cgroups[0], s2.cgroups[0], 'an unchanged cgroup is the same object');
  assert.equal(s3.processes[0], s2.processes[0], 'an unchanged process is the same object');
});

test('corrupt raw frames fail with CorruptRecord only, never another error', () => {
  const ie = new InputEncoder();
  const enc = new FrameEncoder();
  ie.encode(enc, { time_ms: 1, host: { mono_us: 1 }, cgroups: [SAMPLE], processes: [], namespaces: [], events: [] });
  const good = enc.finish().raw;
  fc.assert(
    fc.property(fc.nat(), fc.nat(), fc.uint8Array({ maxLength: 8 }), fc.constantFrom('flip', 'cut', 'insert'), (a, b, bytes, op) => {
      const i = a % good.length;
      let bad: Buffer;
      if (op === 'flip') {
        bad = Buffer.from(good);
        bad[i] ^= 1 + (b % 255);
      } else if (op === 'cut') bad = good.subarray(0, i);
      else bad = Buffer.concat([good.subarray(0, i), Buffer.from(bytes), good.subarray(i)]);
      try {
        new StateDecoder().next(bad, 1);
      } catch (e) {
        assert.ok(e instanceof CorruptRecord, `threw ${(e as Error)?.stack}`);
      }
    }),
    { numRuns: 2000 },
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
      try {
        new StateDecoder().next(Buffer.from(b), 1);
      } catch (e) {
        assert.ok(e instanceof CorruptRecord, `threw ${(e as Error)?.stack}`);
      }
    }),
    { numRuns: 2000 },
  );
});
