/**
 * Facts about the host as a whole, for the TUIs' header — from files under the root (so `--root` shows the
 * recorded host's) and, on the live host only, `node:os` where a file is missing. No subprocess: these replace
 * systeminformation's `osInfo()`/`cpu()`/`mem()`, which run `lscpu`, `dmidecode`, `hostname -f` and
 * `cat /etc/*-release` through `sh` and `PATH`.
 *
 *   /proc/sys/kernel/hostname (else /etc/hostname)   hostname (the reader's UTS namespace, as `uname -n`)
 *   /proc/sys/kernel/osrelease                       kernel release (`uname -r`)
 *   /etc/os-release (else /usr/lib/os-release)       OS name (PRETTY_NAME)
 *   /sys/devices/system/cpu/online (else /proc/cpuinfo)   online CPUs
 *   /proc/cpuinfo                                    CPU model
 *   /proc/meminfo                                    MemTotal, MemAvailable (used = total − available)
 *   /proc/uptime, /proc/loadavg                      seconds since boot, load averages
 *
 * A fact whose file is absent, not readable or malformed is left out (absent is not zero).
 */
import { join } from 'node:path';
import { availableParallelism, hostname as osHostname, loadavg as osLoadavg, release as osRelease, totalmem as osTotalmem } from 'node:os';
import { hostPath, type HostPaths } from '../host/paths.js';
import { readWhole } from '../host/read.js';
import { wrap } from '../host/tolerance.js';
import { ParseError } from '../errors.js';
import { cpuListCount, parseCpuList } from '../parse/cgroup-files.js';
import { osName, parseCpuinfo, parseLoadavg, parseMeminfo, parseOneLine, parseOsRelease } from '../parse/host-facts.js';
import { parseUptime } from './procfs/uptime.js';

/** What changes rarely: read once per TUI. */
export interface StaticHostFacts {
  readonly hostname?: string;
  readonly kernel?: string;
  readonly os?: string;
  readonly cpuModel?: string;
  readonly cpus?: number;
}

/** What changes all the time: read at every refresh. */
export interface DynamicHostFacts {
  readonly memTotalBytes?: number;
  readonly memAvailableBytes?: number;
  readonly uptimeSeconds?: number;
  /** 1, 5 and 15 minute load averages */
  readonly load?: readonly [number, number, number];
}

export type HostFactsSample = StaticHostFacts & DynamicHostFacts;

/** `parse(text of file)`, or undefined when the file is absent, not readable, or does not parse. */
function fact<T>(file: string, parse: (text: string, source: string) => T | undefined): T | undefined {
  // a header fact is a nicety: absent or denied → left out
  const text = wrap(undefined, file, readWhole);
  if (text === undefined) return undefined;
  try {
    return parse(text, file);
  } catch (e) {
    if (e instanceof ParseError) return undefined;
    throw e;
  }
}

/** Drop undefined members (the sample is plain data: no keys with undefined). */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** Hostname, kernel, OS, CPU model and count. */
export function readStaticHostFacts(paths: HostPaths): StaticHostFacts {
  const cpuinfo = fact(join(paths.proc, 'cpuinfo'), (t) => parseCpuinfo(t));
  const online = fact(join(paths.sys, 'devices/system/cpu/online'), (t, s) => {
    const n = cpuListCount(parseCpuList(t, s));
    return n > 0 ? n : undefined;
  });
  const release = fact(join(paths.etc, 'os-release'), (t) => osName(parseOsRelease(t))) ?? fact(hostPath(paths, '/usr/lib/os-release'), (t) => osName(parseOsRelease(t)));
  const facts: StaticHostFacts = {
    hostname: fact(join(paths.proc, 'sys/kernel/hostname'), parseOneLine) ?? fact(join(paths.etc, 'hostname'), parseOneLine),
    kernel: fact(join(paths.proc, 'sys/kernel/osrelease'), parseOneLine),
    os: release,
    cpuModel: cpuinfo?.model,
    cpus: online ?? (cpuinfo && cpuinfo.processors > 0 ? cpuinfo.processors : undefined),
  };
  if (!paths.live) return defined(facts);
  // the live host: what the files did not give, from node:os (system calls, no subprocess)
  return defined({ ...facts, hostname: facts.hostname ?? osHostname(), kernel: facts.kernel ?? osRelease(), cpus: facts.cpus ?? availableParallelism() });
}

/** Memory, uptime, load. */
export function readDynamicHostFacts(paths: HostPaths): DynamicHostFacts {
  const mem = fact(join(paths.proc, 'meminfo'), parseMeminfo);
  const facts: DynamicHostFacts = {
    memTotalBytes: mem?.MemTotal,
    memAvailableBytes: mem?.MemAvailable,
    uptimeSeconds: fact(join(paths.proc, 'uptime'), parseUptime),
    load: fact(join(paths.proc, 'loadavg'), parseLoadavg),
  };
  if (!paths.live) return defined(facts);
  return defined({ ...facts, memTotalBytes: facts.memTotalBytes ?? osTotalmem(), load: facts.load ?? (osLoadavg() as [number, number, number]) });
}

/** Every fact at once. */
export function readHostFacts(paths: HostPaths): HostFactsSample {
  return { ...readStaticHostFacts(paths), ...readDynamicHostFacts(paths) };
}
