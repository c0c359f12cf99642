/**
 * Every command's JSON matches its schema in docs/schemas/ — on fixture hosts (v1, v2, hybrid, Kubernetes,
 * nested namespaces) and, as root, on the live host. Validated with ajv (JSON Schema draft 2020-12).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as ajvModule from 'ajv/dist/2020.js';
import { REPO, fixture } from '../helpers/host.js';
import { runNsx } from '../helpers/cli.js';
import { commandNames } from '../../src/cli/main.js';

type Validate = ((data: unknown) => boolean) & { errors?: unknown[] | null };
const AjvClass = ((ajvModule as { default?: unknown }).default ?? ajvModule) as unknown as {
  new (o: object): { compile(s: object): Validate; addFormat(n: string, re: RegExp): void };
};
const ajv = new AjvClass({ allErrors: true, strict: true, strictTypes: false, allowUnionTypes: true });
ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
const SCHEMAS = join(REPO, 'docs', 'schemas');
const validators = new Map<string, Validate>();
function validator(name: string): Validate {
  if (!validators.has(name)) validators.set(name, ajv.compile(JSON.parse(readFileSync(join(SCHEMAS, `${name}.json`), 'utf8'))));
  return validators.get(name)!;
}

/** Run nsx, parse its JSON (NDJSON for top: every line), validate every document against `schema`. */
function check(schema: string, args: string[]): number {
  // a live host with thousands of processes gives `ps -J` megabytes of JSON: more than spawnSync's default 1 MiB
  const r = runNsx(args, { maxBuffer: 1 << 30 });
  assert.equal(r.code, 0, `nsx ${args.join(' ')}: ${r.stderr}`);
  const docs = schema === 'top' ? r.stdout.trim().split('\n') : [r.stdout];
  const v = validator(schema);
  for (const d of docs) {
    const ok = v(JSON.parse(d));
    assert.ok(ok, `nsx ${args.join(' ')} does not match docs/schemas/${schema}.json: ${JSON.stringify(v.errors?.slice(0, 4), null, 1)}`);
  }
  return docs.length;
}

// hybrid v1+v2 with systemd, pure v2 Kubernetes, hybrid Kubernetes with containers in pods, nested namespaces
const HOSTS = ['hybrid-systemd', 'k8s-v2-node', 'k8s-node', 'ns-nested'];
const hasCgroups = (h: string) => h !== 'ns-nested';

/**
 * Outputs whose agreed shape lands with another change this round: the schema says the agreed shape, the
 * check runs and reports, and it stops being a todo when the shapes meet (remove the entry then).
 */
const PENDING: Record<string, string> = {
};
const opts = (schema: string) => (PENDING[schema] ? { todo: PENDING[schema] } : {});

test('every schema is valid JSON Schema 2020-12 and documented in docs/json.md', () => {
  const json = readFileSync(join(REPO, 'docs', 'json.md'), 'utf8');
  for (const f of readdirSync(SCHEMAS)) {
    assert.ok(validator(f.replace(/\.json$/, '')), f);
    assert.ok(json.includes(`(schemas/${f})`), `docs/json.md links ${f}`);
  }
});

for (const [schema, argv, hosts] of [
  ['ls', ['ls', '-J'], HOSTS],
  ['ls', ['ls', '-J', '--output-all'], HOSTS],
  ['ls', ['ls', '-J', '--tree=owner'], ['k8s-node', 'ns-nested']],
  ['summary', ['--json'], HOSTS],
  ['cg', ['cg', '-J'], HOSTS.filter(hasCgroups)],
  ['cg-tree', ['cg', 'tree', '-J'], HOSTS.filter(hasCgroups)],
  ['cg-show', ['cg', 'show', '-J', 'pid:1'], HOSTS.filter(hasCgroups)],
  ['cg-ps', ['cg', 'ps', '-J', '1'], HOSTS],
  ['top', ['top', '--json', '-n', '1'], HOSTS.filter(hasCgroups)],
  ['ps', ['ps', '-J'], HOSTS],
  ['ps-detail', ['ps', '-J', '1'], HOSTS],
] as const) {
  test(`schema ${schema}: nsx ${argv.join(' ')} on fixture hosts`, opts(schema), () => {
    for (const h of hosts) check(schema, ['--root', fixture(`${h}.manifest`), ...argv]);
  });
}

test('schema why: nsx why -J on a fixture host', { skip: commandNames().includes('why') ? false : 'nsx why is not registered in this build' }, () => {
  check('why', ['--root', fixture('hybrid-systemd.manifest'), 'why', '-J', '/']);
});

const root = process.getuid?.() === 0;
test('schemas on the live host: ls, summary, cg, cg tree, cg show, cg ps, top, ps', { skip: root ? false : 'not root: the live host is checked as root only' }, () => {
  check('ls', ['ls', '-J']);
  check('ls', ['ls', '-J', '--output-all']);
  check('summary', ['--json']);
  check('cg', ['cg', '-J']);
  check('cg-tree', ['cg', 'tree', '-J']);
  check('cg-show', ['cg', 'show', '-J', `pid:${process.pid}`]);
  check('cg-ps', ['cg', 'ps', '-J', String(process.pid)]);
  assert.equal(check('top', ['top', '--json', '-n', '2', '-d', '0.2', '--depth', '1']), 2);
});

test('schemas on the live host: ps and ps PID', { ...opts('ps-detail'), skip: root ? false : 'not root' }, () => {
  check('ps', ['ps', '-J']);
  check('ps-detail', ['ps', '-J', String(process.pid)]);
});

test('schema enter-plan: nsx enter --dry-run --json on a process in new namespaces', { ...opts('enter-plan'), skip: root ? false : 'not root' }, async () => {
  const u = spawn('unshare', ['--fork', '--pid', '--mount-proc', '--net', '--uts', '--ipc', 'sleep', '300'], { stdio: 'ignore', detached: true });
  try {
    let pid: number | undefined;
    for (let i = 0; i < 100 && pid === undefined; i++) {
      await new Promise((r) => setTimeout(r, 20));
      const kids = spawnSync('cat', [`/proc/${u.pid}/task/${u.pid}/children`], { encoding: 'utf8' }).stdout.trim();
      if (kids) pid = Number(kids.split(/\s+/)[0]);
    }
    assert.ok(pid, 'the unshare child started');
    check('enter-plan', ['enter', '-t', String(pid), '-a', '--dry-run', '--json']);
    check('enter-plan', ['enter', '-t', String(pid), '-n', '--dry-run', '--json', 'ip', 'link']);
  } finally {
    process.kill(-u.pid!, 'SIGKILL');
  }
});
