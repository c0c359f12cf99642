/**
 * Issue 19, point 1: a manifest is untrusted input (`nsx --root FILE` as root). Hostile manifests — traversal,
 * symlink tricks, duplicates, huge, binary, truncated, deep — must create nothing outside nsx's own temporary
 * directory and give one clear error naming the manifest (and its line). Each case runs in a sandbox: a base
 * directory holding a canary tree (whose every byte, mode and link is compared before and after), the
 * temporary directory nsx unpacks to (TMPDIR, which must be empty again after a refusal), and the manifests;
 * paths that a traversal would reach outside the base (`/tmp/NAME`, `/NAME`) are checked too.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, existsSync, lstatSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync, ftruncateSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { NsxError } from '../../src/errors.js';
import { MANIFEST_LIMITS, openHostRoot, parseManifest, unpackManifest } from '../../src/host/manifest.js';
import { fixture } from '../helpers/host.js';
import { NSX_BIN } from '../helpers/cli.js';

/** A name a traversal would create outside the sandbox (checked under /, /tmp and the sandbox's parents). */
const ESCAPE = `nsx-test-escape-${process.pid}`;

interface Sandbox {
  readonly base: string;
  readonly canary: string;
  readonly tmp: string;
  readonly manifests: string;
}

function makeSandbox(): Sandbox {
  const base = mkdtempSync(join(tmpdir(), 'nsx-test-manifest-'));
  const canary = join(base, 'canary');
  mkdirSync(join(canary, 'dir'), { recursive: true });
  writeFileSync(join(canary, 'secret'), 'do not touch\n', { mode: 0o600 });
  writeFileSync(join(canary, 'dir', 'file'), 'nor this\n');
  symlinkSync('../secret', join(canary, 'dir', 'link'));
  const tmp = join(base, 'tmp');
  mkdirSync(tmp);
  const manifests = join(base, 'm');
  mkdirSync(manifests);
  return { base, canary, tmp, manifests };
}

/** Every entry under `dir` (not following symlinks): type, mode, size, content hash, link target. */
function snapshot(dir: string, skip: ReadonlySet<string> = new Set()): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      if (skip.has(p)) continue;
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out.set(p, `l ${readlinkSync(p)}`);
      else if (st.isDirectory()) {
        out.set(p, `d ${st.mode.toString(8)}`);
        walk(p);
      } else out.set(p, `f ${st.mode.toString(8)} ${st.size} ${createHash('sha256').update(readFileSync(p)).digest('hex')}`);
    }
  };
  walk(dir);
  return out;
}

/** Places a traversal out of the sandbox would write to. */
function escapePaths(s: Sandbox): string[] {
  const out = new Set<string>();
  for (let d = s.tmp; ; d = dirname(d)) {
    out.add(join(d, ESCAPE));
    if (d === dirname(d)) break;
  }
  out.add(join('/tmp', ESCAPE));
  out.add(join(tmpdir(), ESCAPE));
  return [...out];
}

/** Nothing outside the temporary directory changed, nothing is left in it, no escape path exists. */
function assertUntouched(s: Sandbox, before: Map<string, string>, label: string): void {
  assert.deepEqual(snapshot(s.base, new Set([s.tmp, s.manifests])), before, `${label}: the canary tree changed`);
  assert.deepEqual(readdirSync(s.tmp), [], `${label}: the temporary directory was not removed`);
  for (const p of escapePaths(s)) assert.ok(!existsSync(p) && !isLink(p), `${label}: ${p} was created`);
}

function isLink(p: string): boolean {
  return lstatSync(p, { throwIfNoEntry: false })?.isSymbolicLink() ?? false;
}

/** Run `fn` with TMPDIR pointing into the sandbox (os.tmpdir() reads it at each call). */
function withTmp<T>(s: Sandbox, fn: () => T): T {
  const old = process.env.TMPDIR;
  process.env.TMPDIR = s.tmp;
  try {
    return fn();
  } finally {
    if (old === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = old;
  }
}

type Body = string | Buffer | ((s: Sandbox) => string | Buffer);

interface Case {
  readonly name: string;
  /** the manifest (a function of the sandbox for cases naming its paths) */
  readonly body: Body;
  /** what the message says after `FILE:LINE: ` (or `FILE: ` when `line` is undefined) */
  readonly error: RegExp;
  /** the line the message names (undefined: a whole-file error) */
  readonly line?: number;
  /** make the manifest file yourself (sparse, huge) */
  readonly make?: (file: string) => void;
  /** the message starts `nsx: --root: FILE: ` (not a manifest at all) */
  readonly usage?: boolean;
}

const up = (n: number) => Array(n).fill('..').join('/');

const CASES: readonly Case[] = [
  // traversal
  { name: 'file ../', body: '@@ f ../x\nhi\n', error: /'\.\.\/x': a '\.\.' component/, line: 1 },
  { name: 'file deep ../ to /tmp', body: `@@ f ${up(30)}/tmp/${ESCAPE}\nhi\n`, error: /a '\.\.' component/, line: 1 },
  { name: 'file ../ to the canary', body: '@@ f ../../canary/secret\nowned\n', error: /a '\.\.' component/, line: 1 },
  { name: 'file a/../../', body: `@@ f a/../../${ESCAPE}\nx\n`, error: /a '\.\.' component/, line: 1 },
  { name: 'file a/.. staying inside is refused too', body: '@@ f a/../b\nx\n', error: /a '\.\.' component/, line: 1 },
  { name: 'file .. alone', body: '@@ f ..\nx\n', error: /a '\.\.' component/, line: 1 },
  { name: 'file . alone', body: '@@ f .\nx\n', error: /a '\.' component/, line: 1 },
  { name: 'file ./a', body: '@@ f ./a\nx\n', error: /a '\.' component/, line: 1 },
  { name: 'file a/./b', body: '@@ f a/./b\nx\n', error: /a '\.' component/, line: 1 },
  { name: 'file a//b', body: '@@ f a//b\nx\n', error: /an empty path component/, line: 1 },
  { name: 'file a/ (trailing slash)', body: '@@ f a/\nx\n', error: /an empty path component/, line: 1 },
  { name: 'file absolute /tmp', body: `@@ f /tmp/${ESCAPE}\nx\n`, error: /an absolute path/, line: 1 },
  { name: 'file absolute //', body: `@@ f //tmp/${ESCAPE}\nx\n`, error: /an absolute path/, line: 1 },
  { name: 'file absolute to the canary', body: (s) => `@@ f ${s.canary}/secret\nowned\n`, error: /an absolute path/, line: 1 },
  { name: 'dir ../', body: `@@ d ../../${ESCAPE}\n`, error: /a '\.\.' component/, line: 1 },
  { name: 'dir absolute', body: `@@ d /tmp/${ESCAPE}\n`, error: /an absolute path/, line: 1 },
  { name: 'symlink path ../', body: `@@ l ../${ESCAPE} x\n`, error: /a '\.\.' component/, line: 1 },
  { name: 'escaped file ../', body: `@@ x ../../canary/secret owned\\n\n`, error: /a '\.\.' component/, line: 1 },
  { name: 'traversal after good entries', body: `@@ f proc/1/comm\ninit\n@@ d sys\n@@ f ${up(8)}/tmp/${ESCAPE}\nx\n`, error: /a '\.\.' component/, line: 4 },
  // symlink tricks
  { name: 'symlink to an absolute dir, then a file through it', body: (s) => `@@ l esc ${s.canary}\n@@ f esc/planted\nx\n`, error: /absolute symlink target/, line: 1 },
  { name: 'symlink to /tmp, then a file through it', body: `@@ l esc /tmp\n@@ f esc/${ESCAPE}\nx\n`, error: /absolute symlink target/, line: 1 },
  { name: 'symlink with .. target', body: '@@ l esc ../../canary\n@@ f esc/planted\nx\n', error: /symlink target with '\.\.'/, line: 1 },
  { name: 'symlink with a/../.. target', body: '@@ l esc a/../../..\n', error: /symlink target with '\.\.'/, line: 1 },
  { name: 'symlink to .. alone', body: '@@ l up ..\n@@ f up/x\nx\n', error: /symlink target with '\.\.'/, line: 1 },
  { name: 'symlink inside, then a file through it', body: '@@ d sub\n@@ l esc sub\n@@ f esc/file\nx\n', error: /'esc\/file' would be written through the symlink 'esc' \(line 2\)/, line: 3 },
  { name: 'symlink, then a dir through it', body: '@@ l esc sub\n@@ d esc/d\n', error: /written through the symlink 'esc'/, line: 2 },
  { name: 'symlink, then a symlink through it', body: '@@ l esc sub\n@@ l esc/l x\n', error: /written through the symlink 'esc'/, line: 2 },
  { name: 'symlink, then a deep file through it', body: '@@ l proc/self 1\n@@ f proc/self/a/b/c\nx\n', error: /written through the symlink 'proc\/self'/, line: 2 },
  { name: 'symlink replaced by a file', body: '@@ l a x\n@@ f a\nx\n', error: /'a' would replace a symlink \(line 1\)/, line: 2 },
  { name: 'symlink replaced by a dir', body: '@@ l a x\n@@ d a\n', error: /would replace a symlink/, line: 2 },
  { name: 'symlink given twice', body: '@@ l a x\n@@ l a y\n', error: /duplicate entry 'a' \(first at line 1\)/, line: 2 },
  { name: 'dir replaced by a symlink', body: '@@ d a\n@@ l a b\n@@ f a/c\nx\n', error: /would replace a directory/, line: 2 },
  { name: 'implied dir replaced by a symlink', body: '@@ f a/b\nx\n@@ l a c\n', error: /would replace a directory/, line: 3 },
  { name: 'file replaced by a symlink', body: '@@ f a\nx\n@@ l a b\n', error: /would replace a file/, line: 3 },
  { name: 'symlink with an empty target', body: '@@ l a \n', error: /symlink without a target/, line: 1 },
  { name: 'symlink without a target', body: '@@ l a\n', error: /symlink without a target/, line: 1 },
  // duplicates and conflicts
  { name: 'file twice', body: '@@ f a\nx\n@@ f a\ny\n', error: /duplicate entry 'a' \(first at line 1\)/, line: 3 },
  { name: 'escaped file after a file', body: '@@ f a\nx\n@@ x a y\n', error: /duplicate entry 'a'/, line: 3 },
  { name: 'dir twice', body: '@@ d a\n@@ d a\n', error: /duplicate entry 'a'/, line: 2 },
  { name: 'file then dir', body: '@@ f a\nx\n@@ d a\n', error: /would replace a file/, line: 3 },
  { name: 'dir then file', body: '@@ d a\n@@ f a\nx\n', error: /would replace a directory/, line: 2 },
  { name: 'file below a file', body: '@@ f a\nx\n@@ f a/b\ny\n', error: /'a\/b' is below 'a', a file \(line 1\)/, line: 3 },
  { name: 'dir below a file', body: '@@ x a x\n@@ d a/b/c\n', error: /is below 'a', a file/, line: 2 },
  // binary, encoding
  { name: 'NUL in a path', body: Buffer.from('@@ f a\0/../../x\nx\n'), error: /a NUL byte/, line: 1 },
  { name: 'NUL in content', body: Buffer.from('@@ f a\nx\0y\n'), error: /a NUL byte/, line: 2 },
  { name: 'NUL in a symlink target', body: Buffer.from('@@ f a\nx\n@@ l b c\0/../..\n'), error: /a NUL byte/, line: 3 },
  { name: 'bytes that are not UTF-8', body: Buffer.concat([Buffer.from('@@ f a\nok\n@@ f b\n'), Buffer.from([0xff, 0xfe, 0x80, 10])]), error: /not UTF-8 text/, line: 4 },
  { name: 'binary after a header', body: Buffer.concat([Buffer.from('@@ f a\n'), Buffer.from(Array.from({ length: 512 }, (_, i) => (i * 37 + 11) & 0xff))]), error: /a NUL byte|not UTF-8/ },
  { name: 'an ELF binary', body: Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(64, 0)]), error: /not a host manifest/, usage: true },
  { name: 'text that is not a manifest', body: 'hello world\n@@ f a\nx\n', error: /not a host manifest/, usage: true },
  { name: 'CRLF line ends', body: '@@ f a\r\nx\r\n', error: /bad manifest header/, line: 1 },
  // size and shape limits
  {
    name: 'over the size limit (sparse)',
    body: '',
    make: (f) => {
      writeFileSync(f, '@@ f a\nx\n');
      const fd = openSync(f, 'r+');
      ftruncateSync(fd, MANIFEST_LIMITS.maxBytes + 1);
      closeSync(fd);
    },
    error: /larger than 64 MiB/,
  },
  { name: 'over the entry limit', body: Array.from({ length: MANIFEST_LIMITS.maxEntries + 1 }, (_, i) => `@@ d d${i}\n`).join(''), error: /more than 250000 entries/, line: MANIFEST_LIMITS.maxEntries + 1 },
  { name: 'over the directory limit (deep distinct chains)', body: Array.from({ length: 1100 }, (_, i) => `@@ d ${Array(250).fill(`d${i}`).join('/')}\n`).join(''), error: /more than 250000 directories/, line: 1001 },
  { name: 'a path over 3072 bytes', body: `@@ f ${Array(40).fill('x'.repeat(99)).join('/')}\nx\n`, error: /longer than 3072 bytes/, line: 1 },
  { name: 'a component over 255 bytes', body: `@@ f a/${'n'.repeat(256)}\nx\n`, error: /a component longer than 255 bytes/, line: 1 },
  { name: 'deep nesting (257 levels)', body: `@@ f ${Array(257).fill('a').join('/')}\nx\n`, error: /deeper than 256 levels/, line: 1 },
  { name: 'a symlink target over 3072 bytes', body: `@@ l a ${'t/'.repeat(1600)}x\n`, error: /target longer than 3072 bytes/, line: 1 },
  // truncated and malformed
  { name: 'header cut after @@', body: '@@ f a\nx\n@@ \n', error: /bad manifest header/, line: 3 },
  { name: 'header cut after the kind', body: '@@ f a\nx\n@@ f', error: /bad manifest header/, line: 3 },
  { name: 'a fixture cut inside a header', body: () => readFileSync(fixture('docker-v1.manifest'), 'utf8') + '@@ l', error: /bad manifest header/ },
  { name: 'unknown kind', body: '@@ q a\n', error: /bad manifest header/, line: 1 },
  { name: 'unknown flag', body: '@@ f a sticky\nx\n', error: /unknown flag 'sticky'/, line: 1 },
  { name: 'text after a directory', body: '@@ d a\nstray\n', error: /text after a header that takes no content lines/, line: 2 },
  { name: 'text after a directory header', body: '@@ d a b\n', error: /unexpected text after the directory/, line: 1 },
  { name: 'escape cut short', body: '@@ x a ab\\x4', error: /\\x escape without two hex digits/, line: 1 },
  { name: 'escape not hex', body: '@@ x a \\xZZ\n', error: /\\x escape without two hex digits/, line: 1 },
];

test(`hostile manifests: ${CASES.length} crafted manifests create nothing outside their directory, each refused with one error naming it`, () => {
  assert.ok(CASES.length >= 50, `at least 50 cases (${CASES.length})`);
  const s = makeSandbox();
  try {
    const before = snapshot(s.base, new Set([s.tmp, s.manifests]));
    CASES.forEach((c, i) => {
      const file = join(s.manifests, `case-${i}.manifest`);
      if (c.make) c.make(file);
      else writeFileSync(file, typeof c.body === 'function' ? c.body(s) : c.body);
      let err: unknown;
      withTmp(s, () => {
        try {
          const h = openHostRoot(file);
          h.cleanup?.();
        } catch (e) {
          err = e;
        }
      });
      assert.ok(err instanceof NsxError, `${c.name}: refused with an nsx error (got ${err instanceof Error ? err.stack : 'success'})`);
      const msg = err.message;
      assert.ok(!msg.includes('\n'), `${c.name}: one line: ${msg}`);
      assert.ok(!msg.includes('nsx-host-'), `${c.name}: the temporary directory is not named: ${msg}`);
      const prefix = c.usage ? `nsx: --root: ${file}: ` : c.line !== undefined ? `${file}:${c.line}: ` : `${file}`;
      assert.ok(msg.startsWith(prefix), `${c.name}: names the manifest${c.line !== undefined ? ` and line ${c.line}` : ''}: ${msg}`);
      assert.match(msg, c.error, c.name);
      assertUntouched(s, before, c.name);
    });
  } finally {
    rmSync(s.base, { recursive: true, force: true });
  }
});

test('hostile manifests through the CLI: exit 1 (2 when not a manifest), one escaped line naming FILE:LINE, nothing written outside', () => {
  const s = makeSandbox();
  try {
    const before = snapshot(s.base, new Set([s.tmp, s.manifests]));
    const pick = ['file deep ../ to /tmp', 'symlink inside, then a file through it', 'NUL in a path', 'file twice', 'an ELF binary', 'escape not hex'];
    for (const name of pick) {
      const c = CASES.find((x) => x.name === name)!;
      const file = join(s.manifests, `cli-${pick.indexOf(name)}.manifest`);
      writeFileSync(file, typeof c.body === 'function' ? c.body(s) : c.body);
      const r = spawnSync(process.execPath, [NSX_BIN, '--root', file, 'ls'], { encoding: 'utf8', env: { ...process.env, TMPDIR: s.tmp } });
      assert.equal(r.status, c.usage ? 2 : 1, `${name}: ${r.stderr}`);
      assert.equal(r.stdout, '');
      const lines = r.stderr.split('\n').filter((l) => l !== '');
      assert.equal(lines.length, 1, `${name}: one line: ${r.stderr}`);
      assert.ok(lines[0].startsWith(c.usage ? `nsx: --root: ${file}: ` : `nsx ls: ${file}:${c.line}: `), `${name}: ${lines[0]}`);
      assert.ok(!/[\x00-\x08\x0b-\x1f]/.test(r.stderr), `${name}: control characters escaped`);
      assertUntouched(s, before, name);
    }
  } finally {
    rmSync(s.base, { recursive: true, force: true });
  }
});

test('layered manifests: a later layer cannot replace, or write through a symlink of, an earlier one', () => {
  const s = makeSandbox();
  try {
    const before = snapshot(s.base, new Set([s.tmp, s.manifests]));
    const a = join(s.manifests, 'a.manifest');
    writeFileSync(a, '@@ l proc/self 1\n@@ f proc/1/comm\ninit\n');
    const cases: Array<[string, RegExp]> = [
      ['@@ f proc/self/status\nx\n', /b\.manifest:1: 'proc\/self\/status' would be written through the symlink 'proc\/self' \(.*a\.manifest:1\)/],
      ['@@ f proc/1/comm\nevil\n', /b\.manifest:1: duplicate entry 'proc\/1\/comm' \(first at .*a\.manifest:2\)/],
      ['@@ d proc/self\n', /b\.manifest:1: 'proc\/self' would replace a symlink/],
    ];
    for (const [text, re] of cases) {
      const b = join(s.manifests, 'b.manifest');
      writeFileSync(b, text);
      withTmp(s, () => assert.throws(() => unpackManifest(a, b), (e: unknown) => e instanceof NsxError && re.test(e.message) && !e.message.includes('nsx-host-')));
      assertUntouched(s, before, text);
    }
    // adding to an earlier layer's directories is what layers are for
    const b = join(s.manifests, 'b.manifest');
    writeFileSync(b, '@@ f proc/1/status\nName:\tinit\n@@ d proc\n');
    const h = withTmp(s, () => unpackManifest(a, b));
    assert.equal(readFileSync(join(h.dir, 'proc/1/status'), 'utf8'), 'Name:\tinit\n');
    assert.equal(readlinkSync(join(h.dir, 'proc/self')), '1');
    h.cleanup();
    assertUntouched(s, before, 'layers');
  } finally {
    rmSync(s.base, { recursive: true, force: true });
  }
});

test('names that only look like traversal are plain names inside the host', () => {
  const s = makeSandbox();
  try {
    const file = join(s.manifests, 'odd.manifest');
    writeFileSync(file, '@@ f .../x\na\n@@ f a\\..\\b\nb\n@@ f a/\u2025/c\nc\n@@ f ..a/.b\nd\n@@ l lnk ..x/y\n@@ l loop loop\n');
    const h = withTmp(s, () => openHostRoot(file));
    try {
      assert.equal(readFileSync(join(h.dir, '.../x'), 'utf8'), 'a\n');
      assert.equal(readFileSync(join(h.dir, 'a\\..\\b'), 'utf8'), 'b\n');
      assert.equal(readFileSync(join(h.dir, 'a/\u2025/c'), 'utf8'), 'c\n');
      assert.equal(readlinkSync(join(h.dir, 'lnk')), '..x/y');
    } finally {
      h.cleanup?.();
    }
    assert.deepEqual(readdirSync(s.tmp), []);
  } finally {
    rmSync(s.base, { recursive: true, force: true });
  }
});

test('every fixture manifest still unpacks', () => {
  const all: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (lstatSync(p).isDirectory()) walk(p);
      else if (n.endsWith('.manifest')) all.push(p);
    }
  };
  walk(fixture());
  assert.ok(all.length >= 10, `fixture manifests: ${all.length}`);
  for (const f of all) {
    const h = unpackManifest(f);
    try {
      const n = parseManifest(readFileSync(f, 'utf8'), f).length;
      assert.ok(n > 0 && readdirSync(h.dir).length > 0, f);
    } finally {
      h.cleanup();
    }
  }
});

/** Path shapes a traversal is made of: `..`, `.`, empty components, absolute prefixes, the canary, the escape name. */
function pathArb(s: Sandbox): fc.Arbitrary<string> {
  const seg = fc.constantFrom('..', '..', '.', '', 'a', 'b', 'canary', 'secret', 'tmp', ESCAPE, '...', 'a..', '..\\', ' ', '\u2025');
  return fc.tuple(fc.constantFrom('', '', '', '/', '//', `${s.base}/`, `${s.canary}/`, '/tmp/'), fc.array(seg, { minLength: 1, maxLength: 7 })).map(([pre, segs]) => pre + segs.join('/'));
}

test('fuzz: manifests made of traversal shapes create nothing outside their directory', () => {
  const s = makeSandbox();
  try {
    const before = snapshot(s.base, new Set([s.tmp, s.manifests]));
    const entry = fc.tuple(fc.constantFrom('f', 'd', 'l', 'x', 'l'), pathArb(s), pathArb(s)).map(([k, p, t]) => (k === 'f' ? `@@ f ${p}\nowned\n` : k === 'd' ? `@@ d ${p}\n` : k === 'x' ? `@@ x ${p} owned` + '\n' : `@@ l ${p} ${t}\n`));
    const file = join(s.manifests, 'fuzz.manifest');
    let unpacked = 0;
    let refused = 0;
    fc.assert(
      fc.property(fc.array(entry, { minLength: 1, maxLength: 8 }), (entries) => {
        writeFileSync(file, entries.join(''));
        withTmp(s, () => {
          let h: { dir: string; cleanup?: () => void } | undefined;
          try {
            h = openHostRoot(file);
          } catch (e) {
            assert.ok(e instanceof NsxError, `not an nsx error: ${(e as Error)?.stack}`);
            assert.ok(e.message.startsWith(`${file}:`) && !e.message.includes('nsx-host-'), e.message);
            refused++;
          }
          if (h) {
            unpacked++;
            // what was made is inside, and every symlink made stays inside (relative, no ..)
            for (const [p, v] of snapshot(h.dir)) {
              assert.ok(p.startsWith(h.dir + '/'), p);
              if (v.startsWith('l ')) assert.ok(!v.slice(2).startsWith('/') && !v.slice(2).split('/').includes('..'), `${p} -> ${v}`);
            }
            h.cleanup?.();
          }
        });
        assertUntouched(s, before, entries.join(''));
      }),
      { numRuns: 400 },
    );
    assert.ok(unpacked > 0 && refused > 0, `both outcomes seen (unpacked ${unpacked}, refused ${refused})`);
  } finally {
    rmSync(s.base, { recursive: true, force: true });
  }
});

test('an error about a path inside an unpacked manifest names the manifest, never the temporary directory', () => {
  const s = makeSandbox();
  try {
    const file = join(s.manifests, 'no-proc.manifest');
    writeFileSync(file, '@@ f etc/hostname\nnode-1\n');
    const r = spawnSync(process.execPath, [NSX_BIN, '--root', file, 'ls'], { encoding: 'utf8', env: { ...process.env, TMPDIR: s.tmp } });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr.trim(), new RegExp(`^nsx ls: ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:/proc\\b`));
    assert.doesNotMatch(r.stderr, /nsx-host-/);
    assert.deepEqual(readdirSync(s.tmp), [], 'the temporary directory is removed at exit');
  } finally {
    rmSync(s.base, { recursive: true, force: true });
  }
});
