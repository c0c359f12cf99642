import { availableParallelism, loadavg } from 'node:os';

/**
 * How much slower this host runs the live tests than the machine they were written on: `NSX_TEST_SLOWDOWN`
 * (default 1), set by the runner of the systemd + cgroup v2 VM (scripts/v2-test.sh), whose emulated CPU runs
 * Node about 25–40× slower. Timeouts and deadlines of live tests are multiplied by it; what the tests measure
 * (rates, CPU shares, counts) is not.
 */
export const SLOWDOWN = Math.max(1, Number(process.env.NSX_TEST_SLOWDOWN) || 1);

/** `ms` scaled by SLOWDOWN. */
export const paced = (ms: number): number => ms * SLOWDOWN;

/**
 * Skip reason, on the emulated systemd + cgroup v2 VM only (NSX_TEST_HOST, set by scripts/v2-host.sh), for a live
 * test that depends on neither the cgroup layout nor the init system (namespaces, exec, terminals, escaping): it runs
 * on the host in `npm test`, and would cost the VM minutes of its CI budget to prove the same again.
 */
export function layoutIndependent(): string | false {
  return process.env.NSX_TEST_HOST === 'systemd-v2-vm'
    ? 'layout-independent (namespaces and processes only): runs on the host in npm test, left out of the emulated VM for the CI budget'
    : false;
}

/**
 * Is the CPU too contended for a busy loop to get its quota? On the emulated VM (its vCPUs are the host's threads) or
 * when this host's 1-minute load is over 4 runnable tasks a core (other sessions' tests on a shared machine), a loop
 * under a 10 % quota measured 6 %: tests then check the quota's bound (never more), not that the loop reached it.
 */
export function cpuStarved(): boolean {
  return SLOWDOWN > 1 || loadavg()[0] > 4 * Math.max(1, availableParallelism());
}
