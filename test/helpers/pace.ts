/**
 * How much slower this host runs the live tests than the machine they were written on: `NSX_TEST_SLOWDOWN`
 * (default 1), set by the runner of the systemd + cgroup v2 VM (scripts/v2-test.sh), whose emulated CPU runs
 * Node about 25–40× slower. Timeouts and deadlines of live tests are multiplied by it; what the tests measure
 * (rates, CPU shares, counts) is not.
 */
export const SLOWDOWN = Math.max(1, Number(process.env.NSX_TEST_SLOWDOWN) || 1);

/** `ms` scaled by SLOWDOWN. */
export const paced = (ms: number): number => ms * SLOWDOWN;
