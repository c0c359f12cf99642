/**
 * Issue 19, point 5: host facts for the TUIs' header from /proc, /sys and /etc under the root (no subprocess).
 * Parsers on literal strings (this VM's files, an arm64 cpuinfo, os-release quoting), the reader on a fake root
 * (only what is there; malformed or absent files leave the fact out) and on the live host against node:os.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { tmpdir, hostname, release, totalmem } from 'node:os';
import { osName, parseCpuinfo, parseLoadavg, parseMeminfo, parseOneLine, parseOsRelease } from '../../src/parse/host-facts.js';
import { readDynamicHostFacts, readHostFacts, readStaticHostFacts } from '../../src/readers/host-facts.js';
import { hostPaths } from '../../src/host/paths.js';
import { ParseError } from '../../src/errors.js';
import { makeHostFactsLoader } from '../../src/tui/top/run.js';
import { fuzzParser } from '../helpers/fuzz.js';

const MEMINFO = 'MemTotal:       24683772 kB\nMemFree:        20683948 kB\nMemAvailable:   22677132 kB\nBuffers:           39760 kB\nHugePages_Total:       0\nHugepagesize:       2048 kB\nDirectMap4k:      253816 kB\n';
const CPUINFO_X86 = 'processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel\t\t: 17\nmodel name\t: AMD EPYC\ncpu MHz\t\t: 2596.140\n\nprocessor\t: 1\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC\n\n';
const CPUINFO_ARM = 'processor\t: 0\nBogoMIPS\t: 48.00\nFeatures\t: fp asimd\nCPU implementer\t: 0x41\n\nprocessor\t: 1\nBogoMIPS\t: 48.00\n\nHardware\t: BCM2835\nModel\t\t: Raspberry Pi 4 Model B Rev 1.4\n';
const OS_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n# comment\n\nHOME_URL="https://www.debian.org/"\n';

test('parsers: meminfo (kB → bytes), loadavg, cpuinfo (x86 and arm), os-release quoting, one-line files', () => {
  const m = parseMeminfo(MEMINFO);
  assert.equal(m.MemTotal, 24683772 * 1024);
  assert.equal(m.MemAvailable, 22677132 * 1024);
  assert.equal(m.HugePages_Total, 0);
  assert.throws(() => parseMeminfo('MemTotal: lots\n', '/proc/meminfo'), (e: unknown) => e instanceof ParseError && /\/proc\/meminfo:1:/.test(e.message));
  assert.deepEqual(parseLoadavg('232.89 355.99 169.81 4/208 12872\n'), [232.89, 355.99, 169.81]);
  assert.throws(() => parseLoadavg('x\n', '/proc/loadavg'), ParseError);
  assert.deepEqual(parseCpuinfo(CPUINFO_X86), { model: 'AMD EPYC', processors: 2 });
  assert.deepEqual(parseCpuinfo(CPUINFO_ARM), { model: 'Raspberry Pi 4 Model B Rev 1.4', processors: 2 });
  assert.deepEqual(parseCpuinfo(''), { processors: 0 });
  const r = parseOsRelease(OS_RELEASE + `NAME2='single quoted'\nESC="a \\"b\\" \\$c"\nbad line\n`);
  assert.equal(osName(r), 'Debian GNU/Linux 12 (bookworm)');
  assert.equal(r.ID, 'debian');
  assert.equal(r.NAME2, 'single quoted');
  assert.equal(r.ESC, 'a "b" $c');
  assert.equal(osName({ NAME: 'Alpine Linux', VERSION: '3.20' }), 'Alpine Linux 3.20');
  assert.equal(osName({}), undefined);
  assert.equal(parseOneLine('vm\n'), 'vm');
  assert.equal(parseOneLine('\n'), undefined);
});

test('parsers: random and mutated input gives data or a ParseError naming the file', () => {
  fuzzParser(parseMeminfo, [MEMINFO], 150);
  fuzzParser(parseLoadavg, ['0.89 2.67 1.79 4/208 12872\n'], 150);
  fuzzParser((t) => parseCpuinfo(t), [CPUINFO_X86, CPUINFO_ARM], 150);
  fuzzParser((t) => parseOsRelease(t), [OS_RELEASE], 150);
});

function fakeRoot(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'nsx-test-facts-'));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), text);
  }
  return root;
}

test('reader: a fake root gives its own facts, from files only; absent or malformed files leave the fact out', async () => {
  const root = fakeRoot({
    'proc/sys/kernel/hostname': 'node-7\n',
    'proc/sys/kernel/osrelease': '5.15.0-91-generic\n',
    'proc/cpuinfo': CPUINFO_X86,
    'sys/devices/system/cpu/online': '0-7,16\n',
    'proc/meminfo': MEMINFO,
    'proc/uptime': '86400.52 1000.00\n',
    'proc/loadavg': '0.52 0.40 0.31 1/100 42\n',
    'usr/lib/os-release': 'NAME="Ubuntu"\nVERSION="22.04.3 LTS (Jammy Jellyfish)"\n',
  });
  try {
    const paths = hostPaths(root);
    assert.deepEqual(readHostFacts(paths), {
      hostname: 'node-7',
      kernel: '5.15.0-91-generic',
      os: 'Ubuntu 22.04.3 LTS (Jammy Jellyfish)',
      cpuModel: 'AMD EPYC',
      cpus: 9,
      memTotalBytes: 24683772 * 1024,
      memAvailableBytes: 22677132 * 1024,
      uptimeSeconds: 86400.52,
      load: [0.52, 0.4, 0.31],
    });
    // what the header shows: used = total − available
    const h = await makeHostFactsLoader(paths)();
    assert.deepEqual(h, { hostname: 'node-7', cpus: 9, kernel: '5.15.0-91-generic', memTotalBytes: 24683772 * 1024, memUsedBytes: (24683772 - 22677132) * 1024, load: [0.52, 0.4, 0.31] });
    // /etc/os-release wins over /usr/lib; malformed meminfo and loadavg leave memory and load out (not zero)
    writeFileSync(join(root, 'proc/meminfo'), 'garbage\n');
    writeFileSync(join(root, 'proc/loadavg'), 'x y z\n');
    mkdirSync(join(root, 'etc'));
    writeFileSync(join(root, 'etc/os-release'), 'PRETTY_NAME="Fedora Linux 40"\n');
    rmSync(join(root, 'sys'), { recursive: true });
    const f = readHostFacts(paths);
    assert.equal(f.os, 'Fedora Linux 40');
    assert.equal(f.cpus, 2, 'no cpu/online: the processors of /proc/cpuinfo');
    assert.ok(!('memTotalBytes' in f) && !('load' in f), JSON.stringify(f));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const empty = fakeRoot({});
  try {
    assert.deepEqual(readStaticHostFacts(hostPaths(empty)), {});
    assert.deepEqual(readDynamicHostFacts(hostPaths(empty)), {});
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});

test('reader: the live host agrees with node:os', () => {
  const f = readHostFacts(hostPaths());
  assert.equal(f.hostname, hostname());
  assert.equal(f.kernel, release());
  assert.equal(f.memTotalBytes, totalmem());
  assert.ok(f.cpus !== undefined && f.cpus >= 1);
  assert.equal(f.load?.length, 3);
  assert.ok(f.uptimeSeconds !== undefined && f.uptimeSeconds > 0);
});
