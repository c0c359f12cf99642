/**
 * `/proc/PID/net/dev`: the interfaces of the reader's network namespace — here, the namespace of process PID —
 * and their counters since creation. Pure.
 *
 *   Inter-|   Receive                                                |  Transmit
 *    face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
 *       lo:    1234      12    0    0    0     0          0         0     1234      12    0    0    0     0       0          0
 *
 * Two header lines, then one line per interface: `NAME:` and 16 counters (8 receive, 8 transmit). The name may be
 * followed by the first number without a space when the number is wide (`eth0:1234567890`). A line that does not
 * have 16 counters is a ParseError naming the line (cAdvisor likewise distrusts the whole file).
 */
import { ParseError } from '../errors.js';

/** One interface's counters (cAdvisor's InterfaceStats: bytes, packets, errors, drops each way). */
export interface NetDevice {
  readonly name: string;
  readonly rx_bytes: number;
  readonly rx_packets: number;
  readonly rx_errs: number;
  readonly rx_drop: number;
  readonly tx_bytes: number;
  readonly tx_packets: number;
  readonly tx_errs: number;
  readonly tx_drop: number;
}

/** Parse `/proc/PID/net/dev` (see the header). `source` names the file in errors. */
export function parseNetDev(text: string, source = '<string>'): NetDevice[] {
  const out: NetDevice[] = [];
  const lines = text.split('\n');
  for (let i = 2; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    const colon = line.indexOf(':');
    if (colon < 0) throw new ParseError(source, `no interface name in '${line.trim()}'`, i + 1);
    const name = line.slice(0, colon).trim();
    const f = line.slice(colon + 1).trim().split(/\s+/);
    if (name === '' || f.length !== 16 || !f.every((x) => /^\d+$/.test(x))) throw new ParseError(source, `expected an interface and 16 counters in '${line.trim()}'`, i + 1);
    const n = f.map(Number);
    out.push({ name, rx_bytes: n[0], rx_packets: n[1], rx_errs: n[2], rx_drop: n[3], tx_bytes: n[8], tx_packets: n[9], tx_errs: n[10], tx_drop: n[11] });
  }
  return out;
}
