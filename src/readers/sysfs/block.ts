/**
 * Block device names for IO series: `/sys/dev/block/MAJ:MIN/uevent` `DEVNAME=sda` → `/dev/sda` (as cAdvisor
 * labels `container_blkio_device_usage_total{device="/dev/sda"}`).
 *
 *   parseUeventDevname(text): string | undefined   — pure
 *   readBlockDeviceName(paths, major, minor)        — I/O; undefined when the device is unknown or unreadable
 */
import { join } from 'node:path';
import type { HostPaths } from '../../host/paths.js';
import { readWhole } from '../../host/read.js';
import { classifyTolerable, wrap } from '../../host/tolerance.js';

/** `DEVNAME=` of a uevent file, or undefined. Pure. */
export function parseUeventDevname(text: string): string | undefined {
  for (const line of text.split('\n')) {
    if (line.startsWith('DEVNAME=')) {
      const v = line.slice(8).trim();
      return v === '' ? undefined : v;
    }
  }
  return undefined;
}

/** `/dev/<DEVNAME>` of a block device, or undefined. */
export function readBlockDeviceName(paths: HostPaths, major: number, minor: number): string | undefined {
  const p = join(paths.sys, 'dev', 'block', `${major}:${minor}`, 'uevent');
  try {
    const t = wrap(undefined, p, readWhole, 'gone');
    const n = t === undefined ? undefined : parseUeventDevname(t);
    return n === undefined ? undefined : `/dev/${n}`;
  } catch (e) {
    if (classifyTolerable(e)) return undefined; // a name is a nicety: denied or gone → no name
    throw e;
  }
}
