/**
 * A later nsx reads an earlier recording: fixtures/record/format-1/ is a recording made by the recorder of format
 * 1 (two instants of the k8s-node fixture host, an OOM kill between them), kept in the repository with what
 * `ps`, `top`, `ls` and `why` printed from it then (the .json files beside it). Every later nsx must read it and
 * print the same. NSX_RECORD_REGENERATE=1 writes the recording and the expected outputs anew (only when the
 * format version changes: then keep the old directory and add one for the new format).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ajvModule from 'ajv/dist/2020.js';
import { Recorder } from '../../src/record/recorder.js';
import { REPO, fixture, fixtureHost } from '../helpers/host.js';
import { runNsx } from '../helpers/cli.js';

const DIR = fixture('record', 'format-1');
const T0 = Date.parse('2026-11-22T12:00:00Z');
const AT = new Date(T0 + 5000).toISOString();
const POD = 'kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod9493223b_520e_4a97_a45f_359dcf967006.slice';

/** The commands whose output is kept, and the file it is kept in. */
const RUNS: Record<string, string[]> = {
  'ps.json': ['ps', '-J', '--at', AT],
  'top.json': ['top', '-J', '--at', AT],
  'ls.json': ['ls', '-J', '--tree=owner', '--at', AT],
  'why.json': ['why', `/${POD}`, '-J', '--from', new Date(T0 - 1000).toISOString()],
};

/** `why`'s replay.dir made relative to the fixture directory. */
function relative(doc: { replay?: { dir: string } }): unknown {
  if (doc.replay) doc.replay.dir = doc.replay.dir.replace(DIR + '/', '');
  return doc;
}

async function regenerate(): Promise<void> {
  const host = fixtureHost('k8s-node.manifest');
  try {
    const store = join(DIR, 'store');
    rmSync(DIR, { recursive: true, force: true });
    mkdirSync(store, { recursive: true });
    let now = T0;
    let mono = 1_000_000;
    const r = new Recorder({ paths: host.paths, dir: store, intervalMs: 5000, log: () => {}, sync: false, now: () => now, clock: () => mono });
    await r.tick();
    now += 5000;
    mono += 5000;
    const f = join(host.dir, 'sys/fs/cgroup/cpu,cpuacct', POD, 'cpuacct.usage');
    writeFileSync(f, `${Number(readFileSync(f, 'utf8').trim()) + 500_000_000}\n`);
    mkdirSync(join(host.dir, 'dev'), { recursive: true });
    writeFileSync(
      join(host.dir, 'dev/kmsg'),
      `3,900,1000,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/,mems_allowed=0,oom_memcg=/${POD},task_memcg=/${POD},task=eat,pid=4242,uid=0\n` +
        `3,901,1010,-;Memory cgroup out of memory: Killed process 4242 (eat) total-vm:100kB, anon-rss:60000kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:100kB oom_score_adj:0\n`,
    );
    await r.tick();
    await r.stop();
    rmSync(join(store, 'LOCK'), { force: true });
    for (const [file, args] of Object.entries(RUNS)) {
      const out = runNsx([...args, '--dir', store]);
      assert.equal(out.code, 0, out.stderr);
      writeFileSync(join(DIR, file), file === 'why.json' ? JSON.stringify(relative(JSON.parse(out.stdout)), null, 3) + '\n' : out.stdout);
    }
  } finally {
    host.cleanup();
  }
}

test('a recording of format 1 (fixtures/record/format-1) still reads, and prints what it printed', async () => {
  if (process.env.NSX_RECORD_REGENERATE === '1') await regenerate();
  assert.ok(existsSync(join(DIR, 'store')), 'fixtures/record/format-1/store');
  assert.ok(readdirSync(join(DIR, 'store')).some((f) => f.endsWith('.nsxr')));
  for (const [file, args] of Object.entries(RUNS)) {
    const out = runNsx([...args, '--dir', join(DIR, 'store')]);
    assert.equal(out.code, 0, `${args.join(' ')}: ${out.stderr}`);
    // `top` prints NDJSON (one object per line), the others one document
    // why names the recording's directory: where the repository is checked out is not part of the output kept
    const parse = (t: string) => (file === 'top.json' ? t.trim().split('\n').map((l) => JSON.parse(l)) : relative(JSON.parse(t)));
    assert.deepEqual(parse(out.stdout), parse(readFileSync(join(DIR, file), 'utf8')), file);
  }
});

test('replayed outputs match their schemas in docs/schemas/ (why with its replay and episodes)', () => {
  type Validate = ((data: unknown) => boolean) & { errors?: unknown[] | null };
  const Ajv = ((ajvModule as { default?: unknown }).default ?? ajvModule) as unknown as { new (o: object): { compile(s: object): Validate; addFormat(n: string, re: RegExp): void } };
  const ajv = new Ajv({ allErrors: true, strict: true, strictTypes: false, allowUnionTypes: true });
  ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
  for (const [file, args] of Object.entries(RUNS)) {
    const v = ajv.compile(JSON.parse(readFileSync(join(REPO, 'docs', 'schemas', file), 'utf8')));
    const out = runNsx([...args, '--dir', join(DIR, 'store')]);
    assert.equal(out.code, 0, out.stderr);
    const docs = file === 'top.json' ? out.stdout.trim().split('\n').map((l) => JSON.parse(l) as unknown) : [JSON.parse(out.stdout) as unknown];
    for (const d of docs) assert.ok(v(d), `${args.join(' ')}: ${JSON.stringify(v.errors?.slice(0, 4))}`);
  }
  const why = JSON.parse(readFileSync(join(DIR, 'why.json'), 'utf8')) as { episodes?: { id: string; memory?: { max_bytes?: unknown } }[] };
  assert.ok(why.episodes?.some((e) => e.id === 'memory.oom-kill' && e.memory?.max_bytes !== undefined), 'the OOM kill episode names the limit in force');
});
