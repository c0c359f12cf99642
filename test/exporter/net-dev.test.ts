/** `/proc/PID/net/dev` (src/parse/net-dev.ts): the kernel's format, names stuck to wide numbers, broken lines; fds of a process. */
import test from 'node:test';
import assert from 'node:assert/strict';
import { parseNetDev } from '../../src/parse/net-dev.js';
import { ParseError } from '../../src/errors.js';
import { fuzzParser } from '../helpers/fuzz.js';
import { countFds } from '../../src/readers/procfs/fds.js';
import { readNetDev } from '../../src/readers/procfs/net-dev.js';
import { hostPaths } from '../../src/host/paths.js';
import { liveSkipReason } from '../helpers/live.js';

// this machine's /proc/net/dev (Linux 6.18), first lines
const HOST = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo: 216454480   50978    0    0    0     0          0         0 216454480   50978    0    0    0     0       0          0
  ifb0:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0
`;

test('parseNetDev: the kernel format: receive and transmit bytes, packets, errors, drops', () => {
  assert.deepEqual(parseNetDev(HOST), [
    { name: 'lo', rx_bytes: 216454480, rx_packets: 50978, rx_errs: 0, rx_drop: 0, tx_bytes: 216454480, tx_packets: 50978, tx_errs: 0, tx_drop: 0 },
    { name: 'ifb0', rx_bytes: 0, rx_packets: 0, rx_errs: 0, rx_drop: 0, tx_bytes: 0, tx_packets: 0, tx_errs: 0, tx_drop: 0 },
  ]);
  // a wide first number is printed right after the colon; fields 5–8 and 13–16 (fifo, frame, …) are not read
  const wide = 'h1\nh2\n  eth0:19523058621 1489127    3  117    9     8          7      2301 97264185  702331    4    5    6     7       8          9\n';
  assert.deepEqual(parseNetDev(wide), [{ name: 'eth0', rx_bytes: 19523058621, rx_packets: 1489127, rx_errs: 3, rx_drop: 117, tx_bytes: 97264185, tx_packets: 702331, tx_errs: 4, tx_drop: 5 }]);
  assert.deepEqual(parseNetDev('h1\nh2\n'), [], 'only the headers: no interface');
  assert.deepEqual(parseNetDev(''), []);
});

test('parseNetDev: a line without 16 counters is a ParseError naming the file and line', () => {
  assert.throws(() => parseNetDev('h1\nh2\n  eth0: 1 2 3\n', '/proc/9/net/dev'), (e: unknown) => e instanceof ParseError && e.message.startsWith('/proc/9/net/dev:3:'));
  assert.throws(() => parseNetDev('h1\nh2\nno colon here 1 2\n'), ParseError);
  assert.throws(() => parseNetDev(`h1\nh2\n  eth0: ${'x '.repeat(16)}\n`), ParseError);
  fuzzParser(parseNetDev, [HOST]);
});

test('live: this process’s interfaces and open fds', { skip: liveSkipReason() }, () => {
  const paths = hostPaths();
  const devs = readNetDev(paths, process.pid);
  assert.ok(devs.some((d) => d.name === 'lo'), 'lo is in every network namespace');
  const n = countFds(paths, process.pid);
  assert.ok(n >= 3, `${n} fds`);
});
