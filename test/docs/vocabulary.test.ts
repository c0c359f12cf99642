/**
 * Issue 22, point 5: one name per quantity across nsx's JSON. The table "One vocabulary" of docs/json.md is
 * the list: this test reads it, walks every schema in docs/schemas/ and the JSON of the outputs that carry
 * cgroup quantities (top, ps, cg show, why: run on the fixture hosts, and the golden files), and fails
 *   - when a cgroup quantity appears under a name the table does not have (inside a group object — `cpu`,
 *     `memory`, `io`, `pids`, `cpuset`, `psi`, or a `why` finding's resource — and in `top`'s flat rows);
 *   - when two rows of the table name one quantity, or one name twice;
 *   - when a name `top` gave up (the table "Renamed in this version") comes back.
 * A name is compared in one form: the groups on its path (sorted), then the other keys, joined with `_`, so
 * `cg show`'s `memory.current_bytes`, `top`'s `memory_current_bytes` and `why`'s `memory.binding.current_bytes`
 * are one name (`binding`, `path_counters`, `lifetime`, … only hold values; kernel maps and log reports keep the
 * kernel's own keys).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, fixture } from '../helpers/host.js';
import { runNsx } from '../helpers/cli.js';

const GROUPS = new Set(['cpu', 'memory', 'io', 'pids', 'cpuset', 'psi']);
/** Keys that only hold values (their children are named as if they were not there). */
const HOLDERS = new Set(['cgroups', 'stats', 'path_counters', 'binding', 'lifetime', 'children', 'devices', 'findings', 'episodes', 'along', 'processes']);
/** Kernel maps (the kernel's keys) and kernel log reports (the kernel's fields): not nsx's names. */
const KERNEL = new Set(['stat', 'events', 'events_local', 'oom_control', 'inodes', 'kernel', 'kernel_reports', 'oom_kills', 'fork_rejected', 'identity']);
/** What identifies a group object rather than measures it. */
const META = new Set(['path', 'version']);

/** The one form of a name given as its keys from the outside in (the last is the value's own key). */
export function canonical(keys: readonly string[]): string {
  const inner = keys.slice(0, -1);
  const groups = [...new Set(inner.filter((k) => GROUPS.has(k)))].sort();
  const rest = inner.filter((k) => !GROUPS.has(k) && !HOLDERS.has(k));
  return [...groups, ...rest, keys[keys.length - 1]].join('_');
}

/** `a.{b,c}_d` → `a.b_d`, `a.c_d` */
export function expand(name: string): string[] {
  const m = /\{([^{}]*)\}/.exec(name);
  if (!m) return [name];
  return m[1].split(',').flatMap((alt) => expand(name.slice(0, m.index) + alt + name.slice(m.index + m[0].length)));
}

/** The rows of the markdown table that follows `heading` in `md`: cells of each row. */
function tableAfter(md: string, heading: string): string[][] {
  const at = md.indexOf(heading);
  assert.ok(at >= 0, `docs/json.md has "${heading}"`);
  const lines = md.slice(at).split('\n');
  const start = lines.findIndex((l) => l.startsWith('|'));
  const rows: string[][] = [];
  for (const l of lines.slice(start + 2)) {
    if (!l.startsWith('|')) break;
    rows.push(l.slice(1, -1).split(' | ').map((c) => c.trim()));
  }
  return rows;
}

const ticks = (cell: string): string[] => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);

interface Vocabulary {
  /** canonical name → the quantity of its row */
  readonly names: Map<string, string>;
  /** output (`top --json`, `why --json`) → names it no longer uses */
  readonly renamed: Map<string, string[]>;
}

function readVocabulary(): Vocabulary {
  const md = readFileSync(join(REPO, 'docs', 'json.md'), 'utf8');
  const names = new Map<string, string>();
  const quantities = new Set<string>();
  for (const [name, quantity] of tableAfter(md, '## One vocabulary')) {
    assert.ok(!quantities.has(quantity), `two rows name one quantity: ${quantity}`);
    quantities.add(quantity);
    for (const n of ticks(name).flatMap(expand)) {
      const c = canonical(n.split('.'));
      assert.ok(!names.has(c), `${n} is in the table twice (as ${c})`);
      names.set(c, quantity);
    }
  }
  const renamed = new Map<string, string[]>();
  for (const [output, was] of tableAfter(md, '### Renamed in this version')) {
    const o = ticks(output)[0];
    renamed.set(o, [...(renamed.get(o) ?? []), ...ticks(was)]);
  }
  return { names, renamed };
}

/** A value of a quantity: where it was found and its name. */
interface Leaf {
  readonly where: string;
  /** its keys from the outside in, `[]` for array items left out */
  readonly keys: readonly string[];
  /** inside a group object, or a row of `top` */
  readonly checked: boolean;
}

/** The numeric values (numbers, or a limit's "max") of a JSON document and their names. */
function documentLeaves(doc: unknown, where: string, flatRows: boolean): Leaf[] {
  const out: Leaf[] = [];
  const walk = (v: unknown, keys: string[]): void => {
    if (Array.isArray(v)) return v.forEach((x) => walk(x, keys));
    if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      for (const [k, x] of Object.entries(o)) {
        if (KERNEL.has(k)) continue;
        // a why finding's evidence is about its resource
        walk(x, k === 'evidence' && typeof o.resource === 'string' ? [...keys, o.resource] : [...keys, k]);
      }
      return;
    }
    if (typeof v !== 'number' && typeof v !== 'bigint' && v !== 'max') return;
    const last = keys[keys.length - 1];
    if (META.has(last)) return;
    const grouped = keys.slice(0, -1).some((k) => GROUPS.has(k));
    out.push({ where: `${where} ${keys.join('.')}`, keys, checked: grouped || (flatRows && keys[0] === 'cgroups') });
  };
  walk(doc, []);
  return out;
}

/** Does this schema (or a branch of it) admit a number? */
function numeric(s: Record<string, unknown>, defs: Record<string, Record<string, unknown>>, seen = new Set<string>()): boolean {
  const ref = typeof s.$ref === 'string' ? s.$ref.split('/').pop()! : undefined;
  if (ref && defs[ref] && !seen.has(ref)) return numeric(defs[ref], defs, new Set([...seen, ref]));
  const types = ([] as unknown[]).concat(s.type ?? []);
  if (types.includes('number') || types.includes('integer')) return true;
  return ['anyOf', 'oneOf', 'allOf'].some((k) => ((s[k] as Record<string, unknown>[] | undefined) ?? []).some((x) => numeric(x, defs, seen)));
}

/** The numeric properties a schema declares, with their names. */
function schemaLeaves(file: string): Leaf[] {
  const schema = JSON.parse(readFileSync(join(REPO, 'docs', 'schemas', file), 'utf8')) as Record<string, unknown>;
  const defs = { ...((schema.$defs ?? {}) as Record<string, Record<string, unknown>>), ...((schema.definitions ?? {}) as Record<string, Record<string, unknown>>) };
  const out: Leaf[] = [];
  const flatRows = file === 'top.json';
  const walk = (s: Record<string, unknown>, keys: string[], refs: Set<string>): void => {
    const ref = typeof s.$ref === 'string' ? s.$ref.split('/').pop()! : undefined;
    if (ref && defs[ref] && !refs.has(ref)) walk(defs[ref], keys, new Set([...refs, ref]));
    for (const k of ['anyOf', 'oneOf', 'allOf']) for (const x of (s[k] as Record<string, unknown>[] | undefined) ?? []) walk(x, keys, refs);
    if (s.items && typeof s.items === 'object') walk(s.items as Record<string, unknown>, keys, refs);
    for (const [k, x] of Object.entries((s.properties ?? {}) as Record<string, Record<string, unknown>>)) {
      if (KERNEL.has(k)) continue;
      const ks = [...keys, k];
      if (numeric(x, defs) && !META.has(k)) {
        const grouped = keys.some((g) => GROUPS.has(g));
        out.push({ where: `docs/schemas/${file} ${ks.join('.')}`, keys: ks, checked: grouped || (flatRows && keys[0] === 'cgroups') });
      }
      walk(x, ks, refs);
    }
  };
  walk(schema, [], new Set());
  return out;
}

/** The JSON of the outputs with cgroup quantities: on the fixture hosts, and the golden files. */
function outputs(): Array<{ output: string; where: string; doc: unknown }> {
  const docs: Array<{ output: string; where: string; doc: unknown }> = [];
  for (const host of ['hybrid-systemd', 'k8s-v2-node', 'k8s-node', 'docker-v1']) {
    const top = runNsx(['--root', fixture(`${host}.manifest`), 'top', '--json', '-n', '1']);
    assert.equal(top.code, 0, top.stderr);
    for (const line of top.stdout.trim().split('\n')) docs.push({ output: 'top --json', where: `nsx top --json on ${host}`, doc: JSON.parse(line) });
  }
  const ps = runNsx(['--root', fixture('k8s-v2-node.manifest'), 'ps', '-J', '2101']);
  assert.equal(ps.code, 0, ps.stderr);
  docs.push({ output: 'ps -J', where: 'nsx ps -J 2101 on k8s-v2-node', doc: JSON.parse(ps.stdout) });
  for (const [dir, output] of [['cg', 'cg show -J'], ['why', 'why --json']] as const) {
    for (const host of readdirSync(fixture('golden', dir))) {
      for (const f of readdirSync(fixture('golden', dir, host)).filter((x) => x.endsWith('.json') && (dir === 'why' || x.startsWith('show-')))) {
        docs.push({ output, where: `fixtures/golden/${dir}/${host}/${f}`, doc: JSON.parse(readFileSync(fixture('golden', dir, host, f), 'utf8')) });
      }
    }
  }
  return docs;
}

test('the vocabulary of docs/json.md: one row per quantity, one name per row', () => {
  const v = readVocabulary();
  assert.ok(v.names.size > 50, `${v.names.size} names`);
  assert.equal(v.names.get('memory_current_bytes'), v.names.get(canonical(['memory', 'current_bytes'])));
  assert.ok(v.renamed.get('top --json')?.includes('memory_bytes'));
});

test('every schema and every output names each cgroup quantity as the vocabulary does', () => {
  const v = readVocabulary();
  const leaves = [...readdirSync(join(REPO, 'docs', 'schemas')).filter((f) => f.endsWith('.json')).flatMap(schemaLeaves)];
  const docs = outputs();
  for (const d of docs) leaves.push(...documentLeaves(d.doc, d.where, d.output === 'top --json'));
  const unknown = new Map<string, string>();
  for (const l of leaves) {
    if (!l.checked) continue;
    const c = canonical(l.keys);
    if (!v.names.has(c) && !unknown.has(c)) unknown.set(c, l.where);
  }
  assert.deepEqual(
    [...unknown].map(([c, where]) => `${c} (${where})`),
    [],
    'a cgroup quantity under a name docs/json.md does not list: use the table\'s name, or add a row for a new quantity',
  );
  // the flat names top gave up (docs/json.md, "Renamed in this version") do not come back; why's old names are not
  // in the table, so the check above already refuses them
  const was = v.renamed.get('top --json') ?? [];
  const top = [...schemaLeaves('top.json'), ...docs.filter((d) => d.output === 'top --json').flatMap((d) => documentLeaves(d.doc, d.where, true))];
  for (const l of top) if (l.keys[0] === 'cgroups' && l.keys.length === 2) assert.ok(!was.includes(l.keys[1]), `${l.where}: ${l.keys[1]} was renamed`);
});

test('the check itself: one form per name, braces, holders and groups', () => {
  assert.equal(canonical(['memory', 'current_bytes']), 'memory_current_bytes');
  assert.equal(canonical(['cgroups', 'memory_current_bytes']), 'memory_current_bytes');
  assert.equal(canonical(['memory', 'path_counters', 'lifetime', 'events_oom']), 'memory_events_oom');
  assert.equal(canonical(['psi', 'cpu', 'some', 'avg10']), canonical(['cgroups', 'psi', 'cpu', 'some_avg10']));
  assert.equal(canonical(['cpu', 'psi', 'some_avg10']), 'cpu_psi_some_avg10');
  assert.deepEqual(expand('cpu.{user,system}_usec'), ['cpu.user_usec', 'cpu.system_usec']);
  assert.deepEqual(expand('psi.{cpu,io}.{some,full}'), ['psi.cpu.some', 'psi.cpu.full', 'psi.io.some', 'psi.io.full']);
  const leaves = documentLeaves({ cgroups: [{ path: '/', tasks: 3, memory_bytes: 1 }], memory: { binding: { limit: 5 }, stat: { anon: 1 } } }, 'x', true);
  assert.deepEqual(leaves.filter((l) => l.checked).map((l) => canonical(l.keys)), ['tasks', 'memory_bytes', 'memory_limit']);
});
