/**
 * `--web.config.file` (issue 19, point 2): exporter-toolkit's web configuration format. Good files load with
 * exporter-toolkit's defaults; every unknown key and bad value is refused with `nsx exporter: FILE:LINE: …`;
 * basic authentication against bcrypt hashes (htpasswd's $2y$ too), its cache and its fixed hash for unknown
 * users; the token bucket; Go durations. Certificates are made with openssl in a temporary directory.
 */
import test from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import bcrypt from 'bcryptjs';
import { loadWebConfig, parseGoDuration, parseWebConfig, WebConfigError, WebConfigSource } from '../../src/exporter/web-config.js';
import { BasicAuth, certificateSans, RateLimiter } from '../../src/exporter/web-auth.js';
import { hasTool } from '../helpers/live.js';
import { makePki } from './web-pki.js';

const HASH = bcrypt.hashSync('s3cret', 4);
/** htpasswd -nbBC 4 prom s3cret (Apache's $2y$ form) */
const HTPASSWD_2Y = HASH.replace(/^\$2b\$/, '$2y$');

test('web config: an empty file is plain HTTP without authentication; http_server_config and basic_auth_users parse', () => {
  const e = parseWebConfig('', '/etc/nsx/web.yml');
  assert.equal(e.tls, undefined);
  assert.equal(e.users.size, 0);
  assert.deepEqual(e.headers, {});
  assert.equal(e.http2, true);
  const c = parseWebConfig(
    `# comment\nbasic_auth_users:\n  prom: ${HASH}\n  apache: '${HTPASSWD_2Y}'\nhttp_server_config:\n  http2: false\n  headers:\n    X-Frame-Options: deny\n    X-Content-Type-Options: nosniff\n    Strict-Transport-Security: max-age=31536000\n    Content-Security-Policy: ''\nrate_limit:\n  interval: 100ms\n  burst: 5\ntls_server_config:\n`,
    '/etc/nsx/web.yml',
  );
  assert.equal(c.tls, undefined, 'an empty tls_server_config is no TLS');
  assert.deepEqual([...c.users.keys()], ['prom', 'apache']);
  assert.deepEqual(c.headers, { 'X-Frame-Options': 'deny', 'X-Content-Type-Options': 'nosniff', 'Strict-Transport-Security': 'max-age=31536000' });
  assert.equal(c.http2, false);
  assert.deepEqual(c.rateLimit, { intervalMs: 100, burst: 5 });
});

test('web config: TLS settings with exporter-toolkit defaults; paths relative to the config file', () => {
  const c = parseWebConfig('tls_server_config:\n  cert_file: tls/server.crt\n  key_file: /abs/server.key\n', '/etc/nsx/web.yml');
  assert.deepEqual(c.tls?.cert, { path: '/etc/nsx/tls/server.crt', line: 2 });
  assert.deepEqual(c.tls?.key, { path: '/abs/server.key', line: 3 });
  assert.equal(c.tls?.clientAuth, 'NoClientCert');
  assert.equal(c.tls?.minVersion, 'TLSv1.2');
  assert.equal(c.tls?.maxVersion, 'TLSv1.3');
  assert.equal(c.tls?.honorCipherOrder, true);
  const m = parseWebConfig(
    'tls_server_config:\n  cert: "-----BEGIN CERTIFICATE-----"\n  key: k\n  client_ca_file: ca.crt\n  client_auth_type: RequireClientCert\n  min_version: TLS13\n  cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, TLS_AES_128_GCM_SHA256]\n  curve_preferences: [X25519, CurveP256]\n  prefer_server_cipher_suites: false\n  client_allowed_sans: [prometheus.example]\n',
    '/w.yml',
  );
  assert.equal(m.tls?.clientAuth, 'RequireAnyClientCert', 'RequireClientCert is the old name');
  assert.equal(m.tls?.minVersion, 'TLSv1.3');
  assert.equal(m.tls?.ciphers, 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:ECDHE-RSA-AES128-GCM-SHA256');
  assert.equal(m.tls?.ecdhCurve, 'X25519:P-256');
  assert.equal(m.tls?.honorCipherOrder, false);
  assert.deepEqual(m.tls?.allowedSans, ['prometheus.example']);
  assert.deepEqual(m.tls?.clientCa, { path: '/ca.crt', line: 4 });
});

const BAD: ReadonlyArray<readonly [string, string, number, RegExp]> = [
  ['unknown top-level key', 'tls_config:\n  cert_file: x\n', 1, /unknown key 'tls_config'/],
  ['unknown TLS key', 'tls_server_config:\n  cert_file: a\n  key_file: b\n  ca_file: c\n', 4, /tls_server_config: unknown key 'ca_file'/],
  ['unknown http key', 'http_server_config:\n  h2: true\n', 2, /http_server_config: unknown key 'h2'/],
  ['unknown header', 'http_server_config:\n  headers:\n    X-Powered-By: nsx\n', 3, /unknown key 'X-Powered-By'/],
  ['bad header value', 'http_server_config:\n  headers:\n    X-Frame-Options: allow\n', 3, /X-Frame-Options: 'allow' is not allowed \(deny, sameorigin\)/],
  ['bad X-Content-Type-Options', 'http_server_config:\n  headers:\n    X-Content-Type-Options: sniff\n', 3, /not allowed \(nosniff\)/],
  ['http2 not a boolean', 'http_server_config:\n  http2: yes please\n', 2, /http2: expected true or false/],
  ['duplicate key', 'basic_auth_users:\n  a: x\n  a: y\n', 3, /not valid YAML \(Map keys must be unique/],
  ['not YAML', 'tls_server_config: [\n', 2, /not valid YAML/],
  ['not a mapping', '- a\n- b\n', 1, /expected a mapping/],
  ['section not a mapping', 'basic_auth_users: prom\n', 1, /basic_auth_users: expected a mapping/],
  ['not a bcrypt hash', 'basic_auth_users:\n  prom: s3cret\n', 2, /basic_auth_users\.prom: not a bcrypt hash/],
  ['bcrypt cost too low', 'basic_auth_users:\n  prom: $2y$03$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi\n', 2, /not a bcrypt hash/],
  ['user with a colon', `basic_auth_users:\n  "a:b": ${HASH}\n`, 2, /cannot contain ':'/],
  ['cert without key', 'tls_server_config:\n  cert_file: a\n', 1, /missing one of key or key_file/],
  ['key without cert', 'tls_server_config:\n  key_file: a\n', 1, /missing one of cert or cert_file/],
  ['cert inline and as a file', 'tls_server_config:\n  cert: x\n  cert_file: a\n  key_file: b\n', 3, /either inline \(cert\) or as a file \(cert_file\), not both/],
  ['client auth unknown', 'tls_server_config:\n  cert_file: a\n  key_file: b\n  client_auth_type: Always\n', 4, /client_auth_type: unknown 'Always'/],
  ['client CA without client auth', 'tls_server_config:\n  cert_file: a\n  key_file: b\n  client_ca_file: c\n', 4, /a client CA without a client_auth_type/],
  ['TLS 1.0', 'tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS10\n', 4, /TLS10 is refused: TLS 1\.0 and 1\.1 are deprecated/],
  ['TLS 1.1', 'tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS11\n', 4, /TLS11 is refused/],
  ['unknown TLS version', 'tls_server_config:\n  cert_file: a\n  key_file: b\n  max_version: TLS14\n', 4, /unknown TLS version 'TLS14'/],
  ['max below min', 'tls_server_config:\n  cert_file: a\n  key_file: b\n  min_version: TLS13\n  max_version: TLS12\n', 5, /max_version: below min_version/],
  ['unknown cipher', 'tls_server_config:\n  cert_file: a\n  key_file: b\n  cipher_suites: [TLS_RSA_WITH_RC4_128_SHA]\n', 4, /unknown cipher 'TLS_RSA_WITH_RC4_128_SHA'/],
  ['unknown curve', 'tls_server_config:\n  cert_file: a\n  key_file: b\n  curve_preferences: [P256]\n', 4, /unknown curve 'P256'/],
  ['cipher_suites not a list', 'tls_server_config:\n  cert_file: a\n  key_file: b\n  cipher_suites: TLS_AES_128_GCM_SHA256\n', 4, /cipher_suites: expected a list/],
  ['allowed SANs without client certificates', 'tls_server_config:\n  cert_file: a\n  key_file: b\n  client_allowed_sans: [x]\n', 4, /needs a client_auth_type/],
  ['prefer_server_cipher_suites not a boolean', 'tls_server_config:\n  cert_file: a\n  key_file: b\n  prefer_server_cipher_suites: 1\n', 4, /expected true or false/],
  ['rate limit interval', 'rate_limit:\n  interval: 5 seconds\n', 2, /rate_limit\.interval: not a duration/],
  ['rate limit burst', 'rate_limit:\n  interval: 1s\n  burst: -1\n', 3, /rate_limit\.burst: expected a whole number/],
  ['unknown rate limit key', 'rate_limit:\n  every: 1s\n', 2, /rate_limit: unknown key 'every'/],
];

test(`web config: ${BAD.length} bad files are refused with FILE:LINE and what is wrong`, () => {
  for (const [name, text, line, re] of BAD) {
    assert.throws(
      () => parseWebConfig(text, '/etc/nsx/web.yml'),
      (e: unknown) => {
        assert.ok(e instanceof WebConfigError, `${name}: ${String(e)}`);
        assert.equal(e.exitCode, 2, name);
        assert.ok(e.message.startsWith(`nsx exporter: /etc/nsx/web.yml:${line}: `), `${name}: ${e.message}`);
        assert.match(e.message, re, name);
        assert.ok(!e.message.includes('\n'), `${name}: one line`);
        return true;
      },
    );
  }
});

test('web config files: certificates loaded and checked as a pair; unreadable files name the config line', { skip: hasTool('openssl') ? false : 'openssl is not installed' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'nsx-test-webcfg-'));
  try {
    const pki = makePki(dir);
    const file = join(dir, 'web.yml');
    writeFileSync(file, `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: ca.crt\n`);
    const c = loadWebConfig(file);
    assert.match(c.tls!.cert, /BEGIN CERTIFICATE/);
    assert.match(c.tls!.clientCa!, /BEGIN CERTIFICATE/);
    writeFileSync(file, `tls_server_config:\n  cert_file: server.crt\n  key_file: other.key\n`);
    assert.throws(() => loadWebConfig(file), (e: unknown) => e instanceof WebConfigError && e.line === 3 && /do not load as a pair/.test(e.message));
    writeFileSync(file, `tls_server_config:\n  cert_file: missing.crt\n  key_file: server.key\n`);
    assert.throws(() => loadWebConfig(file), (e: unknown) => e instanceof WebConfigError && e.message === `nsx exporter: ${file}:2: cert_file ${join(dir, 'missing.crt')}: no such file or directory`);
    writeFileSync(file, `tls_server_config:\n  cert_file: web.yml\n  key_file: server.key\n`);
    assert.throws(() => loadWebConfig(file), (e: unknown) => e instanceof WebConfigError && e.line === 2 && /does not load/.test(e.message));
    assert.throws(() => loadWebConfig(join(dir, 'nope.yml')), (e: unknown) => e instanceof WebConfigError && /nope\.yml: cannot be read: no such file or directory/.test(e.message));
    // the source re-reads: a fixed file loads again, a broken one gives undefined and one log line per problem
    const logs: string[] = [];
    writeFileSync(file, `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n`);
    const src = new WebConfigSource(file, (m) => logs.push(m));
    const a = src.current();
    assert.ok(a?.tls);
    assert.equal(src.current(), a, 'unchanged bytes: the same object');
    writeFileSync(file, `tls_server_config:\n  cert_file: server.crt\n  key_file: other.key\n`);
    assert.equal(src.current(), undefined);
    assert.equal(src.current(), undefined);
    assert.equal(logs.length, 1, logs.join('\n'));
    assert.match(logs[0], /web\.yml:3: the certificate and key do not load as a pair .*refusing connections and requests until it loads/);
    writeFileSync(file, `tls_server_config:\n  cert_file: server.crt\n  key_file: server.key\n`);
    assert.ok(src.current()?.tls);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

test('basic auth: bcrypt ($2b$ and htpasswd $2y$), unknown users compared with a fixed hash, results cached', async () => {
  const users = new Map([
    ['prom', HASH],
    ['apache', HTPASSWD_2Y],
  ]);
  const a = new BasicAuth();
  assert.equal(await a.check(users, basic('prom', 's3cret')), true);
  assert.equal(await a.check(users, basic('apache', 's3cret')), true);
  assert.equal(await a.check(users, basic('prom', 'wrong')), false);
  assert.equal(await a.check(users, basic('nobody', 'fakepassword')), false, 'the fixed hash of an unknown user never authenticates');
  assert.equal(await a.check(users, undefined), false);
  assert.equal(await a.check(users, 'Bearer x'), false);
  assert.equal(await a.check(users, 'Basic !!!'), false);
  assert.equal(await a.check(users, `Basic ${Buffer.from('nocolon').toString('base64')}`), false);
  // cached: the second check of the same credentials does no bcrypt (well under a cost-4 hash's time ×10)
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < 50; i++) assert.equal(await a.check(users, basic('prom', 's3cret')), true);
  assert.ok(Number(process.hrtime.bigint() - t0) / 1e6 < 200, 'cached results');
  // a changed hash (the same user, a new password) is not served from the cache
  assert.equal(await a.check(new Map([['prom', bcrypt.hashSync('other', 4)]]), basic('prom', 's3cret')), false);
});

test('basic auth: comparisons run one at a time; past the waiting limit the answer is busy', async () => {
  const slow = bcrypt.hashSync('x', 8);
  const a = new BasicAuth(100, 3);
  const users = new Map([['u', slow]]);
  const r = await Promise.all(Array.from({ length: 6 }, (_, i) => a.check(users, basic('u', `p${i}`))));
  assert.equal(r.filter((x) => x === 'busy').length, 3, JSON.stringify(r));
  assert.equal(r.filter((x) => x === false).length, 3);
});

test('rate limit: a token bucket of burst tokens, one more per interval; Go durations', () => {
  let now = 0;
  const l = new RateLimiter(100, 2, () => now);
  assert.deepEqual([l.allow(), l.allow(), l.allow()], [true, true, false]);
  now = 150;
  assert.deepEqual([l.allow(), l.allow()], [true, false]);
  assert.equal(parseGoDuration('1s'), 1000);
  assert.equal(parseGoDuration('1m30s'), 90_000);
  assert.equal(parseGoDuration('1.5h'), 5_400_000);
  assert.equal(parseGoDuration('250ms'), 250);
  assert.equal(parseGoDuration('0'), 0);
  assert.equal(parseGoDuration('10'), undefined);
  assert.equal(parseGoDuration(''), undefined);
  assert.equal(parseGoDuration('1s junk'), undefined);
  assert.deepEqual(certificateSans('DNS:a.example, IP Address:127.0.0.1, email:x@y, URI:spiffe://x'), ['a.example', '127.0.0.1', 'x@y', 'spiffe://x']);
});

test('docs/exporter.md, Security: the web.yml example loads with nsx\'s parser; the Prometheus example has tls_config and basic_auth', async () => {
  const { readFileSync } = await import('node:fs');
  const { REPO } = await import('../helpers/host.js');
  const { parse } = await import('yaml');
  const md = readFileSync(join(REPO, 'docs', 'exporter.md'), 'utf8');
  const sec = md.slice(md.indexOf('## Security'), md.indexOf('## Cost'));
  const blocks = [...sec.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);
  const web = parseWebConfig(blocks[0], '/etc/nsx-exporter/web.yml');
  assert.equal(web.tls?.cert.path, '/etc/nsx-exporter/tls/tls.crt');
  assert.ok(web.users.has('prometheus'));
  const prom = parse(blocks[1]) as { scrape_configs: Array<Record<string, unknown>> };
  const job = prom.scrape_configs[0];
  assert.equal(job.scheme, 'https');
  assert.ok(job.tls_config && job.basic_auth);
});
