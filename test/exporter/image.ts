/**
 * An image of `nsx exporter` built offline for the live container test, from files of this host: the node binary
 * and the shared libraries it links (ldd), the built CLI (bin/nsx, dist/bundle) and the npm packages it needs at
 * run time (prom-client and its dependencies), imported with `docker import` with the Dockerfile's ENTRYPOINT, ENV and
 * WORKDIR. Users build theirs with the Dockerfile (whose build steps test/exporter/dockerfile.test.ts runs offline).
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import { REPO } from '../helpers/host.js';
import { readDockerfile } from './dockerfile.js';

/** The Debian docker CLI when present (it matches the Debian dockerd), else `docker` from PATH. */
export const DOCKER = existsSync('/usr/bin/docker') ? '/usr/bin/docker' : 'docker';

export function dockerUsable(): boolean {
  return spawnSync(DOCKER, ['info', '--format', '{{.ID}}'], { stdio: 'ignore', timeout: 20_000 }).status === 0;
}

/** npm packages needed at run time by the exporter, with their dependencies, resolved from node_modules. */
function runtimePackages(root: string, names: string[]): string[] {
  const out = new Set<string>();
  const visit = (n: string) => {
    if (out.has(n)) return;
    const dir = join(root, 'node_modules', n);
    if (!existsSync(dir)) return;
    out.add(n);
    const pj = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    for (const d of Object.keys(pj.dependencies ?? {})) visit(d);
  };
  for (const n of names) visit(n);
  return [...out];
}

/** Build the rootfs and `docker import` it as `tag`. Returns a cleanup that removes the image. */
export function buildExporterImage(tag: string): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'nsx-test-image-'));
  try {
    const node = realpathSync(process.execPath);
    const libs = spawnSync('ldd', [node], { encoding: 'utf8' }).stdout;
    const files = [node];
    for (const m of libs.matchAll(/(\/\S+) \(0x/g)) files.push(m[1]);
    for (const f of files) {
      const dest = join(dir, f);
      mkdirSync(dirname(dest), { recursive: true });
      cpSync(realpathSync(f), dest);
    }
    if (node !== '/usr/bin/node') {
      mkdirSync(join(dir, 'usr/bin'), { recursive: true });
      cpSync(node, join(dir, 'usr/bin/node'));
    }
    for (const p of ['bin', 'dist/bundle', 'package.json']) cpSync(join(REPO, p), join(dir, 'app', p), { recursive: true });
    for (const p of runtimePackages(REPO, ['prom-client'])) cpSync(join(REPO, 'node_modules', p), join(dir, 'app/node_modules', p), { recursive: true, dereference: true });
    for (const d of ['host', 'tmp', 'proc', 'sys', 'dev', 'etc']) mkdirSync(join(dir, d), { recursive: true });
    writeFileSync(join(dir, 'etc/passwd'), 'root:x:0:0:root:/:/bin/false\nnobody:x:65534:65534:nobody:/:/bin/false\n');
    const tar = spawnSync('tar', ['-C', dir, '-c', '.'], { maxBuffer: 1 << 30 });
    if (tar.status !== 0) throw new Error(`tar: ${tar.stderr}`);
    // the Dockerfile's run-time configuration: its ENTRYPOINT (the same Node flags) and ENV
    const { final, entrypoint } = readDockerfile();
    const changes = ['--change', 'ENV PATH=/usr/local/bin:/usr/bin:/bin', '--change', `ENTRYPOINT ${JSON.stringify(entrypoint)}`];
    for (const i of final.instructions) if (i.op === 'ENV' || i.op === 'WORKDIR') changes.push('--change', `${i.op} ${i.args}`);
    const imp = spawnSync(DOCKER, ['import', ...changes, '-', tag], { input: tar.stdout, encoding: 'utf8', maxBuffer: 1 << 20 });
    if (imp.status !== 0) throw new Error(`docker import: ${imp.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return () => void spawnSync(DOCKER, ['rmi', '-f', tag], { stdio: 'ignore' });
}
