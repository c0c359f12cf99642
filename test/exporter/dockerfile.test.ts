/**
 * The user-facing Dockerfile stays in step with the package, offline:
 *   - every COPY source of the build context exists, the build stage copies every directory the package's build
 *     reads (tsconfig's `include`), and runs the package's own build (`npm run build`), whose files exist;
 *   - the image's files come from what that build makes (dist/bundle, bin, the runtime packages), and its
 *     ENTRYPOINT, run in that layout against a fixture host, prints the golden exposition; the DaemonSet's
 *     command is the ENTRYPOINT;
 *   - the build stage's RUN steps themselves, run in a directory holding exactly what the COPY lines put there,
 *     with npm in offline mode (its local cache; never the network), make an image layout whose ENTRYPOINT prints
 *     the golden exposition. Skipped, saying why, when npm's cache lacks a package.
 * A real `docker build` is not run: the build stage's `npm ci` needs the npm registry, and containers here get no
 * network (the live container test runs an image built offline from this host's files instead: image.ts).
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fixture, REPO } from '../helpers/host.js';
import { copyTarget, execForm, parseCopy, readDockerfile, type Dockerfile, type Stage } from './dockerfile.js';
import { loadManifest } from './manifests.js';

const df: Dockerfile = readDockerfile();
const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string>; dependencies: Record<string, string> };
const build: Stage = df.stages.find((s) => s.name === 'build') ?? df.stages[0];

const workdirs = (s: Stage) => {
  let wd = '/';
  return s.instructions.map((i) => {
    if (i.op === 'WORKDIR') wd = posix.resolve(wd, i.args);
    return wd;
  });
};

/** Repository files the package's build reads: tsconfig's include roots and the build script's inputs. */
function buildInputs(): string[] {
  const ts = JSON.parse(readFileSync(join(REPO, 'tsconfig.json'), 'utf8')) as { include: string[] };
  return [...new Set(ts.include.map((p) => p.split('/')[0]))];
}

/** The golden text without the lines that vary between runs (sample time, wall clock, fixture mtimes). */
const stable = (t: string) => t.replace(/^(nsx_exporter_sample_duration_seconds|container_last_seen|container_start_time_seconds)\b.*\n/gm, '');

/**
 * Lay out the final stage under `dir` from the build stage's result `src` (the image's /src): each
 * `COPY --from=build /src/X dest` copied (node_modules linked). Returns a function mapping image paths to `dir`.
 */
function layoutImage(dir: string, src: string): (p: string) => string {
  const wds = workdirs(df.final);
  df.final.instructions.forEach((ins, k) => {
    if (ins.op !== 'COPY') return;
    const c = parseCopy(ins.args);
    assert.equal(c.from, build.name, `Dockerfile:${ins.line}: the image's files come from the build stage`);
    for (const s of c.sources) {
      const from = join(src, posix.relative('/src', s));
      assert.ok(existsSync(from), `Dockerfile:${ins.line}: ${s} is made by the build (${from})`);
      const to = join(dir, copyTarget(c, s, wds[k]));
      mkdirSync(dirname(to), { recursive: true });
      if (posix.basename(s) === 'node_modules') symlinkSync(from, to);
      else cpSync(from, to, { recursive: true });
    }
  });
  return (p) => (p.startsWith('/app/') ? join(dir, p) : p);
}

/** Run the ENTRYPOINT in a laid-out image against the docker-v1 fixture host, `--once`. */
function runEntrypoint(inImage: (p: string) => string): string {
  const [exe, ...rest] = df.entrypoint;
  assert.equal(exe, 'node');
  const args = rest.map((a) => (a === '/host' ? fixture('docker-v1.manifest') : inImage(a)));
  assert.ok(args.includes(fixture('docker-v1.manifest')), 'the ENTRYPOINT reads the host below --root /host');
  const r = spawnSync(process.execPath, [...args, '--once'], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, NODE_ENV: 'production' } });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}

test('Dockerfile: every COPY source exists; the build stage copies what the build reads and runs the package’s build', () => {
  assert.ok(!existsSync(join(REPO, '.dockerignore')) || !/^\s*(src|bin|scripts)\b/m.test(readFileSync(join(REPO, '.dockerignore'), 'utf8')));
  const copied = new Set<string>();
  for (const s of df.stages) {
    for (const ins of s.instructions) {
      if (ins.op !== 'COPY') continue;
      const c = parseCopy(ins.args);
      if (c.from) continue;
      for (const src of c.sources) {
        assert.ok(existsSync(join(REPO, src)), `Dockerfile:${ins.line}: COPY source ${src} exists in the repository`);
        copied.add(src.replace(/\/$/, ''));
      }
    }
  }
  for (const d of buildInputs()) assert.ok(copied.has(d), `the build stage copies ${d}/ (tsconfig include)`);
  for (const f of ['package.json', 'package-lock.json', 'tsconfig.json']) assert.ok(copied.has(f), `the build stage copies ${f}`);
  const runs = build.instructions.filter((i) => i.op === 'RUN').map((i) => i.args);
  assert.ok(runs.some((r) => /\bnpm ci\b/.test(r)), 'installs from the lockfile (npm ci)');
  assert.ok(runs.some((r) => /\bnpm run build\b/.test(r)), 'runs the package’s build (npm run build)');
  assert.ok(pkg.scripts.build, 'package.json has a build script');
  // files named by the RUN lines and by the package's build script exist (a renamed script would break the image)
  for (const text of [...runs, pkg.scripts.build]) {
    for (const m of text.matchAll(/(?:^|\s)((?:scripts|bin|native-bindings)\/[\w./-]+)/g)) assert.ok(existsSync(join(REPO, m[1])), `${m[1]} (named by "${text}") exists`);
  }
  // the image runs what the build makes: dist/bundle, not a compiled dist/src
  assert.ok(!runs.some((r) => /\bnpx tsc\b(?![^&;]*--noEmit)/.test(r)), 'no separate tsc emit: the package build makes dist/bundle');
});

test('Dockerfile: the image’s files come from the build, and its ENTRYPOINT prints the golden exposition; the DaemonSet runs the same command', () => {
  const dir = mkdtempSync(join(tmpdir(), 'nsx-test-dockerfile-'));
  try {
    // the build stage's /src after `npm run build` and `npm prune --omit=dev`: the repository, built by npm test
    const inImage = layoutImage(dir, REPO);
    for (const d of Object.keys(pkg.dependencies)) if (d === 'prom-client') assert.ok(existsSync(inImage('/app/node_modules/prom-client/package.json')));
    assert.equal(stable(runEntrypoint(inImage)), stable(readFileSync(fixture('golden', 'exporter', 'docker-v1.prom'), 'utf8')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const [ds] = loadManifest('daemonset.yaml');
  const c = ds.spec.template.spec.containers[0];
  assert.deepEqual(c.command, df.entrypoint, "the DaemonSet's command is the image's ENTRYPOINT (the same Node flags)");
  assert.ok(!(c.env ?? []).some((e: { name: string }) => e.name === 'NODE_OPTIONS'), 'Node flags live in the command, not in NODE_OPTIONS');
});

const npmCache = (): string | false => {
  const r = spawnSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' });
  return r.status === 0 && existsSync(join(r.stdout.trim(), '_cacache')) ? false : 'npm has no local cache to install from offline';
};

test('Dockerfile: the build stage’s RUN steps, run offline on exactly the COPY’d files, make an image whose ENTRYPOINT works', { skip: npmCache(), timeout: 600_000 }, (t) => {
  const root = mkdtempSync(join(tmpdir(), 'nsx-test-dockerbuild-'));
  try {
    const src = join(root, 'src');
    const wds = workdirs(build);
    const args: Record<string, string> = {};
    for (const [k, ins] of build.instructions.entries()) {
      const wd = join(root, wds[k]);
      mkdirSync(wd, { recursive: true });
      if (ins.op === 'ARG') {
        const [name, value = ''] = ins.args.split('=');
        args[name] = value;
      } else if (ins.op === 'COPY') {
        const c = parseCopy(ins.args);
        for (const s of c.sources) {
          const to = join(root, copyTarget(c, s, wds[k]));
          mkdirSync(dirname(to), { recursive: true });
          // what a build context holds: the sources, not their build products
          cpSync(join(REPO, s), to, { recursive: true, filter: (f) => !/\/(node_modules|dist|build)(\/|$)/.test(f.slice(REPO.length)) });
        }
      } else if (ins.op === 'RUN') {
        assert.equal(execForm(ins.args), undefined, 'shell form RUN');
        // npm in offline mode: packages come from its local cache, never from the network
        const r = spawnSync('sh', ['-c', ins.args], { cwd: wd, encoding: 'utf8', timeout: 400_000, env: { ...process.env, ...args, npm_config_offline: 'true', npm_config_update_notifier: 'false' } });
        if (r.status !== 0 && /ENOTCACHED|offline/i.test(r.stderr) && /\bnpm ci\b/.test(ins.args)) {
          t.skip(`npm's cache lacks a package of the lockfile: ${r.stderr.split('\n').find((l) => /ENOTCACHED/.test(l)) ?? ''}`);
          return;
        }
        assert.equal(r.status, 0, `Dockerfile:${ins.line}: RUN ${ins.args}\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-2000)}`);
      }
    }
    assert.ok(!existsSync(join(src, 'node_modules', 'typescript')), 'dev dependencies are pruned');
    const img = join(root, 'image');
    const inImage = layoutImage(img, src);
    assert.equal(stable(runEntrypoint(inImage)), stable(readFileSync(fixture('golden', 'exporter', 'docker-v1.prom'), 'utf8')));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
