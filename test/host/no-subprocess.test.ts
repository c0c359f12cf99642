/**
 * Issue 19, point 5: no subprocess in any TUI or exporter path. `nsx top` and the dashboard (in a real
 * pseudo-terminal) and `nsx exporter` (scraped on 127.0.0.1) run on the live host with a PATH made only of stub
 * programs (lscpu, dmidecode, hostname, cat, sh, uname, …) that record their run in a file: the test fails if
 * any ran. Under strace (when installed) every execve is recorded as well — also of absolute paths such as
 * /bin/sh, which a PATH cannot catch — and the only one allowed is the nsx process's own start.
 * The dashboard's `e` key runs a shell through `nsx enter` by design: it is not pressed.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { NSX_BIN, stripAnsi } from '../helpers/cli.js';
import { REPO } from '../helpers/host.js';
import { childrenOf, liveSkipReason, waitFor } from '../helpers/live.js';

/** Programs systeminformation and friends run (through sh and PATH), and the usual suspects. */
const STUBS = ['lscpu', 'dmidecode', 'hostname', 'hostnamectl', 'cat', 'sh', 'bash', 'dash', 'uname', 'getconf', 'nproc', 'free', 'ps', 'lsb_release', 'which', 'whereis', 'grep', 'awk', 'sed', 'systemctl', 'ip', 'df', 'lsblk', 'sysctl', 'node', 'npm', 'docker', 'ctr', 'podman', 'lsns', 'nsenter', 'systemd-cgls', 'id', 'whoami', 'getent', 'ls', 'env', 'nsx-enter'];

const STRACE = ['/usr/bin/strace', '/bin/strace'].find((p) => existsSync(p));

interface Trap {
  readonly dir: string;
  readonly path: string;
  readonly record: string;
  readonly trace: string;
  /** what ran: the stubs' records and strace's execve lines after the first */
  ran(): string[];
  cleanup(): void;
}

function makeTrap(): Trap {
  const dir = mkdtempSync(join(tmpdir(), 'nsx-test-nosub-'));
  const bin = join(dir, 'bin');
  const record = join(dir, 'ran.txt');
  const trace = join(dir, 'strace.txt');
  mkdirSync(bin);
  writeFileSync(record, '');
  for (const s of STUBS) {
    const f = join(bin, s);
    // an absolute interpreter: the stub of `sh` must not run itself
    writeFileSync(f, `#!/bin/sh\necho "${s} $*" >> ${JSON.stringify(record)}\nexit 127\n`);
    chmodSync(f, 0o755);
  }
  return {
    dir,
    path: bin,
    record,
    trace,
    ran() {
      const out = readFileSync(record, 'utf8').split('\n').filter(Boolean);
      if (STRACE && existsSync(trace)) {
        const execs = readFileSync(trace, 'utf8').split('\n').filter((l) => /\bexecve\(/.test(l) && !/= -1 /.test(l));
        // the first is strace starting node (the nsx process itself)
        out.push(...execs.slice(1).map((l) => `execve: ${l}`));
      }
      return out;
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

const require = createRequire(import.meta.url);

/** [file, args] that run nsx with `args` (under strace when it is installed). */
function command(trap: Trap, args: string[]): [string, string[]] {
  const nsx = [process.execPath, NSX_BIN, ...args];
  return STRACE ? [STRACE, ['-f', '-qq', '--seccomp-bpf', '-e', 'trace=execve', '-o', trap.trace, ...nsx]] : [nsx[0], nsx.slice(1)];
}

function trapEnv(trap: Trap): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && k !== 'NO_COLOR' && k !== 'FORCE_COLOR') env[k] = v;
  return { ...env, PATH: trap.path, SHELL: join(trap.path, 'sh'), CI: 'true' /* a CI variable must not stop Ink drawing on a terminal */ };
}

type Pty = { onData(f: (d: string) => void): void; onExit(f: (e: { exitCode: number; signal?: number }) => void): void; write(s: string): void; kill(sig?: string): void; pid: number };

/** Run nsx ARGS in a pty with the trap's PATH; `drive` types keys; then q; resolves with the exit code and the screen. */
async function inPty(trap: Trap, args: string[], drive: (screen: () => string, type: (s: string) => Promise<void>) => Promise<void>): Promise<{ code: number | undefined; screen: string }> {
  const pty = require('node-pty') as { spawn(f: string, a: string[], o: object): Pty };
  const [file, argv] = command(trap, args);
  const p = pty.spawn(file, argv, { name: 'xterm-256color', cols: 140, rows: 40, cwd: REPO, env: trapEnv(trap) });
  let buf = '';
  p.onData((d) => (buf += d));
  const exited = new Promise<{ exitCode: number }>((res) => p.onExit((e) => res(e)));
  const screen = () => stripAnsi(buf);
  try {
    await drive(screen, async (s) => {
      p.write(s);
      await new Promise((r) => setTimeout(r, 400));
    });
    p.write('q');
    // (a loaded machine with tens of thousands of cgroups can keep a TUI busy for a while: quitting is not the subject)
    const e = await Promise.race([exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 90_000))]);
    return { code: e?.exitCode, screen: screen() };
  } finally {
    // nsx itself first (under strace it is strace's child: killing strace would leave it running)
    for (const pid of [...childrenOf(p.pid), p.pid]) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
      }
    }
  }
}

const skip = liveSkipReason();

test('no subprocess: nsx top (pty, live host) with a PATH of stubs runs nothing, host facts in its header', { skip, timeout: 300_000 }, async (t) => {
  if (!STRACE) t.diagnostic('strace is not installed: only the PATH stubs are checked');
  const trap = makeTrap();
  try {
    // one level below / (a shared machine may hold tens of thousands of cgroups: the test is about subprocesses)
    const r = await inPty(trap, ['top', '/', '--depth', '1', '-d', '0.5'], async (screen) => {
      await waitFor(() => /CGROUP/.test(screen()) && / CPUs? · mem .* · load /.test(screen()), 90_000, `the table and the host facts:\n${screen().slice(-2000)}`);
      await waitFor(() => /^\/\S*\s+[\d-]+\s/m.test(screen()), 90_000, `the first sample's rows:\n${screen().slice(-2000)}`);
      // the facts' 5 s refresh, and a few samples
      await new Promise((r) => setTimeout(r, 6000));
    });
    if (r.code === undefined) t.diagnostic('nsx top did not quit within 90 s of q (killed)');
    else assert.equal(r.code, 0, r.screen.slice(-2000));
    assert.deepEqual(trap.ran(), [], 'nsx top started a child process');
  } finally {
    trap.cleanup();
  }
});

test('no subprocess: the dashboard (pty, live host: cgroups, namespaces, processes views) runs nothing', { skip, timeout: 360_000 }, async (t) => {
  if (!STRACE) t.diagnostic('strace is not installed: only the PATH stubs are checked');
  const trap = makeTrap();
  try {
    const r = await inPty(trap, [], async (screen, type) => {
      await waitFor(() => /1 Cgroups {2}2 Namespaces {2}3 Processes/.test(screen()), 120_000, `the dashboard:\n${screen().slice(-2000)}`);
      await waitFor(() => /processes: \d+/.test(screen()) && / load /.test(screen()), 60_000, `the first process sample and the host facts:\n${screen().slice(-2000)}`);
      await type('2');
      await type('3');
      await type('1');
      await new Promise((r) => setTimeout(r, 6000));
    });
    if (r.code === undefined) t.diagnostic('the dashboard did not quit within 90 s of q (killed)');
    else assert.equal(r.code, 0, r.screen.slice(-2000));
    assert.deepEqual(trap.ran(), [], 'the dashboard started a child process');
  } finally {
    trap.cleanup();
  }
});

function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: 90_000, headers: { 'Accept-Encoding': 'gzip' } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error(`timeout GET ${path}`)));
    req.on('error', reject);
    req.end();
  });
}

test('no subprocess: nsx exporter (live host, scraped on 127.0.0.1, SIGTERM) runs nothing', { skip, timeout: 300_000 }, async (t) => {
  if (!STRACE) t.diagnostic('strace is not installed: only the PATH stubs are checked');
  const trap = makeTrap();
  try {
    // containers and pods only: a shared machine may hold tens of thousands of other cgroups
    const [file, argv] = command(trap, ['exporter', '--listen', '127.0.0.1:0', '--containers-only']);
    const child = spawn(file, argv, { env: trapEnv(trap), stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (err += d));
    const exit = new Promise<number | null>((r) => child.once('exit', (c) => r(c)));
    try {
      await waitFor(() => /listening on http:\/\/127\.0\.0\.1:(\d+)/.test(err), 60_000, `the exporter listening: ${err}`);
      const port = Number(/listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(err)![1]);
      for (const p of ['/metrics', '/healthz', '/']) assert.equal(await get(port, p), 200, p);
    } finally {
      // under strace the nsx process is strace's child (strace exits with its status; it does not pass signals on)
      const nsx = STRACE ? childrenOf(child.pid!)[0] : child.pid;
      if (nsx !== undefined) process.kill(nsx, 'SIGTERM');
    }
    const t = setTimeout(() => {
      for (const pid of [...childrenOf(child.pid!), child.pid!]) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
        }
      }
    }, 30_000);
    const code = await exit;
    clearTimeout(t);
    assert.equal(code, 0, err);
    assert.deepEqual(trap.ran(), [], 'the exporter started a child process');
  } finally {
    trap.cleanup();
  }
});

test('the trap itself sees a child process (a PATH stub, and an absolute /bin/sh under strace)', { skip }, async () => {
  const trap = makeTrap();
  try {
    const script = `require('node:child_process').spawnSync('lscpu'); require('node:child_process').spawnSync('/bin/true')`;
    const [file, argv] = STRACE ? [STRACE, ['-f', '-qq', '--seccomp-bpf', '-e', 'trace=execve', '-o', trap.trace, process.execPath, '-e', script]] : [process.execPath, ['-e', script]];
    await new Promise<void>((res) => spawn(file, argv, { env: trapEnv(trap), stdio: 'ignore' }).once('exit', () => res()));
    const ran = trap.ran();
    assert.ok(ran.some((l) => l.startsWith('lscpu')), ran.join('\n'));
    if (STRACE) assert.ok(ran.some((l) => l.includes('/bin/true')), ran.join('\n'));
  } finally {
    trap.cleanup();
  }
});
