/**
 * A test build of the enter helper: native-bindings/nsx-enter.c compiled with -DNSX_TEST_HOOKS, which adds the hooks
 * the shipped build does not have (NSX_ENTER_TEST_NO_PIDFD: join one namespace at a time, as on kernels before 5.8;
 * NSX_ENTER_TEST_DELAY_MS: sleep before pinning the target, for the PID-reuse test). Compiled once per test process
 * into a directory of its own (owned by the test's user, writable by nobody else: `NSX_ENTER_HELPER` accepts it;
 * readable by all, so that a test may run it as nobody too).
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../helpers/host.js';

let built: string | null | undefined;

/** The test build's path (compiled on first use), or null when no C compiler works. */
export function testHelper(): string | null {
  if (built !== undefined) return built;
  const src = join(REPO, 'native-bindings', 'nsx-enter.c');
  const dir = mkdtempSync(join(tmpdir(), 'nsx-test-helper-'));
  chmodSync(dir, 0o755);
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const out = join(dir, 'nsx-enter');
  for (const cc of [process.env.CC, 'cc', 'gcc', 'clang'].filter(Boolean) as string[]) {
    const r = spawnSync(cc, ['-O2', '-Wall', '-Wextra', '-std=gnu11', '-DNSX_TEST_HOOKS', '-o', out, src], { stdio: 'ignore' });
    if (r.status === 0 && existsSync(out)) return (built = out);
  }
  return (built = null);
}

/** The environment that makes `nsx enter` use the test build, with the hooks in `hooks` (e.g. NSX_ENTER_TEST_NO_PIDFD). */
export function withTestHooks(hooks: Record<string, string>): NodeJS.ProcessEnv {
  const helper = testHelper();
  if (!helper) throw new Error('no C compiler for the test build of the enter helper (test/enter/hooked-helper.ts)');
  return { NSX_ENTER_HELPER: helper, ...hooks };
}
