/**
 * `--web.config.file`: the web configuration file of Prometheus' exporter-toolkit (node_exporter, Prometheus
 * itself, …), in its format and with its semantics (docs/web-configuration.md and web/tls_config.go of
 * prometheus/exporter-toolkit):
 *
 *     tls_server_config:            # any key here turns TLS on (decided at start: a running server keeps its scheme)
 *       cert_file: server.crt       # or `cert:` (PEM inline); relative paths are relative to the config file
 *       key_file: server.key        # or `key:`
 *       client_auth_type: RequireAndVerifyClientCert   # NoClientCert (default), RequestClientCert,
 *                                   # RequireAnyClientCert, VerifyClientCertIfGiven, RequireAndVerifyClientCert
 *       client_ca_file: ca.crt      # or `client_ca:`; only with a client_auth_type other than NoClientCert
 *       client_allowed_sans: [prometheus.example]      # the client certificate must carry one of them
 *       min_version: TLS12          # TLS12 (default) or TLS13 (TLS 1.0 and 1.1 are refused)
 *       max_version: TLS13
 *       cipher_suites: [TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, …]   # Go's names, for TLS 1.2
 *       curve_preferences: [X25519, CurveP256]
 *       prefer_server_cipher_suites: true
 *     http_server_config:
 *       http2: true                 # accepted; nsx serves HTTP/1.1 (Prometheus speaks it over TLS too)
 *       headers: { X-Frame-Options: deny, … }   # the five headers exporter-toolkit allows, with its values
 *     basic_auth_users:             # user: bcrypt hash (htpasswd -nBC 10 "" | tr -d ':\n')
 *       prometheus: $2y$10$…
 *     rate_limit: { interval: 1s, burst: 10 }   # token bucket over every request: 429 past it
 *
 * Unknown keys, duplicate keys, values of the wrong type or out of the allowed set, unreadable or mismatched
 * certificate and key files and malformed bcrypt hashes are refused at start with `FILE:LINE: what is wrong`.
 * As exporter-toolkit does, the file (and the certificate files it names) is read again at each new connection
 * (TLS: certificates rotated on disk are served from the next handshake) and at each request (users, headers, rate
 * limit); a file that no longer loads fails closed: handshakes are refused and requests get a bare 500.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { dirname, isAbsolute, join } from 'node:path';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import { createRequire } from 'node:module';
import type { Node, Pair, YAMLMap } from 'yaml';
import { errnoOf, errnoSentence, UsageError } from '../errors.js';
import { readWhole } from '../host/read.js';

export type ClientAuth = 'NoClientCert' | 'RequestClientCert' | 'RequireAnyClientCert' | 'VerifyClientCertIfGiven' | 'RequireAndVerifyClientCert';

/** How TLS is negotiated (the part of tls_server_config that is not the certificate files). */
export interface TlsPolicy {
  readonly clientAuth: ClientAuth;
  readonly minVersion: 'TLSv1.2' | 'TLSv1.3';
  readonly maxVersion: 'TLSv1.2' | 'TLSv1.3';
  /** OpenSSL cipher list for TLS 1.2 (from Go's names); undefined: Node's default */
  readonly ciphers?: string;
  /** OpenSSL curve list (`X25519:P-256`); undefined: Node's default */
  readonly ecdhCurve?: string;
  readonly honorCipherOrder: boolean;
  /** the client certificate must carry one of these SANs (DNS, IP, e-mail or URI) */
  readonly allowedSans?: readonly string[];
}

/** TLS settings with the PEM texts loaded. */
export interface TlsServerSettings extends TlsPolicy {
  readonly cert: string;
  readonly key: string;
  /** client CA certificates (PEM) */
  readonly clientCa?: string;
}

/** Where a PEM text comes from: inline (`cert:`) or a file (`cert_file:`), and the line that says so. */
export interface PemSource {
  readonly pem?: string;
  readonly path?: string;
  readonly line: number;
}

export interface WebConfig {
  /** the file it was read from */
  readonly file: string;
  /** undefined: plain HTTP */
  readonly tls?: TlsServerSettings;
  /** user → bcrypt hash; empty: no authentication */
  readonly users: ReadonlyMap<string, string>;
  /** extra response headers */
  readonly headers: Readonly<Record<string, string>>;
  readonly http2: boolean;
  /** token bucket over every request; undefined: none */
  readonly rateLimit?: { readonly intervalMs: number; readonly burst: number };
}

/** A problem in a web config file, with the line it is on (0: the whole file). */
export class WebConfigError extends UsageError {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly problem: string,
  ) {
    super(`nsx exporter: ${file}${line > 0 ? `:${line}` : ''}: ${problem}`);
    this.name = 'WebConfigError';
  }
}

/** exporter-toolkit's headers and the values it allows (none listed: any value). */
const HEADERS: Readonly<Record<string, readonly string[] | undefined>> = {
  'Strict-Transport-Security': undefined,
  'X-Content-Type-Options': ['nosniff'],
  'X-Frame-Options': ['deny', 'sameorigin'],
  'X-XSS-Protection': undefined,
  'Content-Security-Policy': undefined,
};

const CLIENT_AUTH: Readonly<Record<string, ClientAuth>> = {
  NoClientCert: 'NoClientCert',
  RequestClientCert: 'RequestClientCert',
  RequireAnyClientCert: 'RequireAnyClientCert',
  RequireClientCert: 'RequireAnyClientCert', // kept by exporter-toolkit for backwards compatibility
  VerifyClientCertIfGiven: 'VerifyClientCertIfGiven',
  RequireAndVerifyClientCert: 'RequireAndVerifyClientCert',
};

/** Go's cipher suite names (crypto/tls CipherSuites()) → OpenSSL's; the TLS 1.3 ones are accepted and, as in Go, not configurable. */
const CIPHERS: Readonly<Record<string, string | null>> = {
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305: 'ECDHE-ECDSA-CHACHA20-POLY1305',
  TLS_AES_128_GCM_SHA256: null,
  TLS_AES_256_GCM_SHA384: null,
  TLS_CHACHA20_POLY1305_SHA256: null,
};

/** TLS 1.3's suites, always offered (a cipher list without them would turn TLS 1.3 off in OpenSSL). */
const TLS13_SUITES = 'TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256';

const CURVES: Readonly<Record<string, string>> = { CurveP256: 'P-256', CurveP384: 'P-384', CurveP521: 'P-521', X25519: 'X25519' };

const VERSIONS: Readonly<Record<string, 'TLSv1.2' | 'TLSv1.3'>> = { TLS12: 'TLSv1.2', TLS13: 'TLSv1.3' };

/** A bcrypt hash as Go's bcrypt.Cost accepts it: `$2a$`, `$2b$` or `$2y$`, cost 04–31, 53 characters of salt and hash. */
const BCRYPT = /^\$2[aby]?\$(0[4-9]|[12]\d|3[01])\$[./A-Za-z0-9]{53}$/;

/** Go's time.ParseDuration (`1s`, `100ms`, `1m30s`, `1.5h`) in milliseconds; undefined when malformed. */
export function parseGoDuration(s: string): number | undefined {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, 'µs': 1e-3, 'μs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  if (s === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;
  let total = 0;
  let i = 0;
  while (i < s.length) {
    re.lastIndex = i;
    const m = re.exec(s);
    if (!m) return undefined;
    total += Number(m[1]) * units[m[2]];
    i = re.lastIndex;
  }
  return i > 0 ? total : undefined;
}

/** The configuration as written, paths resolved and every value checked, before any file it names is read. Pure. */
export interface WebConfigSpec {
  readonly file: string;
  readonly tls?: TlsPolicy & { readonly cert: PemSource; readonly key: PemSource; readonly clientCa?: PemSource; readonly line: number };
  readonly users: ReadonlyMap<string, string>;
  readonly headers: Readonly<Record<string, string>>;
  readonly http2: boolean;
  readonly rateLimit?: { readonly intervalMs: number; readonly burst: number };
}

let yamlModule: typeof import('yaml') | undefined;

/**
 * The YAML parser, loaded at the first web config file: the exporter's build puts this module in the exporter's
 * chunk, and an exporter without `--web.config.file` should not load (nor need) it.
 */
function yaml(): typeof import('yaml') {
  return (yamlModule ??= createRequire(import.meta.url)('yaml') as typeof import('yaml'));
}

/** Parse and check the text of a web config file. Pure; throws WebConfigError naming FILE:LINE. */
export function parseWebConfig(text: string, file: string): WebConfigSpec {
  const { LineCounter, parseDocument, isMap, isScalar, isSeq } = yaml();
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: true, strict: true });
  const err = (line: number, problem: string) => new WebConfigError(file, line, problem);
  const lineOf = (n: Node | null | undefined): number => (n?.range ? lc.linePos(n.range[0]).line : 0);
  const first = doc.errors[0];
  if (first) throw err(first.linePos?.[0].line ?? 0, `not valid YAML (${first.message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '')})`);
  if (doc.warnings[0]) throw err(doc.warnings[0].linePos?.[0].line ?? 0, `not valid YAML (${doc.warnings[0].message.split('\n')[0]})`);
  const base = dirname(file);
  const resolve = (p: string) => (isAbsolute(p) ? p : join(base, p));

  /** The pairs of a mapping (null: an empty section), keys checked against `allowed`. */
  const mapping = (node: unknown, where: string, allowed: readonly string[] | undefined, line: number): Array<{ key: string; value: Node | null; line: number }> => {
    if (node === null || node === undefined || (isScalar(node) && node.value === null)) return [];
    if (!isMap(node)) throw err(lineOf(node as Node) || line, `${where}: expected a mapping`);
    return (node as YAMLMap).items.map((p: Pair) => {
      const k = p.key as Node | null;
      if (!isScalar(k) || typeof k.value !== 'string') throw err(lineOf(k) || line, `${where}: keys must be strings`);
      if (allowed && !allowed.includes(k.value)) throw err(lineOf(k), `${where ? `${where}: ` : ''}unknown key '${k.value}'${allowed.length ? ` (${allowed.join(', ')})` : ''}`);
      return { key: k.value, value: p.value as Node | null, line: lineOf(k) };
    });
  };
  const str = (v: Node | null, where: string, line: number): string => {
    if (isScalar(v) && typeof v.value === 'string') return v.value;
    if (isScalar(v) && (typeof v.value === 'number' || typeof v.value === 'boolean') && v.source !== undefined) return String(v.source);
    throw err(lineOf(v) || line, `${where}: expected a string`);
  };
  const bool = (v: Node | null, where: string, line: number): boolean => {
    if (isScalar(v) && typeof v.value === 'boolean') return v.value;
    throw err(lineOf(v) || line, `${where}: expected true or false`);
  };
  const strings = (v: Node | null, where: string, line: number): string[] => {
    if (v === null || (isScalar(v) && v.value === null)) return [];
    if (!isSeq(v)) throw err(lineOf(v) || line, `${where}: expected a list`);
    return v.items.map((x) => str(x as Node, where, line));
  };

  const root = doc.contents;
  const top = mapping(root, '', ['tls_server_config', 'http_server_config', 'basic_auth_users', 'rate_limit'], 1);
  let tls: WebConfigSpec['tls'];
  const users = new Map<string, string>();
  const headers: Record<string, string> = {};
  let http2 = true;
  let rateLimit: WebConfigSpec['rateLimit'];
  for (const t of top) {
    if (t.key === 'tls_server_config') {
      const keys = ['cert', 'key', 'client_ca', 'cert_file', 'key_file', 'client_auth_type', 'client_ca_file', 'client_allowed_sans', 'min_version', 'max_version', 'cipher_suites', 'curve_preferences', 'prefer_server_cipher_suites'];
      const f = new Map(mapping(t.value, 'tls_server_config', keys, t.line).map((e) => [e.key, e]));
      if (f.size === 0) continue;
      const w = (k: string) => `tls_server_config.${k}`;
      const source = (inline: string, path: string, what: string) => {
        const a = f.get(inline);
        const b = f.get(path);
        if (a && b) throw err(b.line, `${w(path)}: give ${what} either inline (${inline}) or as a file (${path}), not both`);
        if (a) return { pem: str(a.value, w(inline), a.line), line: a.line };
        if (b) return { path: resolve(str(b.value, w(path), b.line)), line: b.line };
        return undefined;
      };
      const cert = source('cert', 'cert_file', 'the certificate');
      const key = source('key', 'key_file', 'the key');
      const clientCa = source('client_ca', 'client_ca_file', 'the client CA');
      if (!cert) throw err(t.line, 'tls_server_config: missing one of cert or cert_file');
      if (!key) throw err(t.line, 'tls_server_config: missing one of key or key_file');
      const ca = f.get('client_auth_type');
      const caName = ca ? str(ca.value, w('client_auth_type'), ca.line) : 'NoClientCert';
      const clientAuth = CLIENT_AUTH[caName];
      if (!clientAuth) throw err(ca!.line, `${w('client_auth_type')}: unknown '${caName}' (${Object.keys(CLIENT_AUTH).join(', ')})`);
      if (clientCa && clientAuth === 'NoClientCert') throw err(clientCa.line, `${w('client_ca_file')}: a client CA without a client_auth_type (RequireAndVerifyClientCert verifies client certificates against it)`);
      const version = (k: string, dflt: 'TLSv1.2' | 'TLSv1.3') => {
        const e = f.get(k);
        if (!e) return dflt;
        const v = str(e.value, w(k), e.line);
        if (v === 'TLS10' || v === 'TLS11') throw err(e.line, `${w(k)}: ${v} is refused: TLS 1.0 and 1.1 are deprecated (RFC 8996); TLS12 or TLS13`);
        const r = VERSIONS[v];
        if (!r) throw err(e.line, `${w(k)}: unknown TLS version '${v}' (TLS12, TLS13)`);
        return r;
      };
      const minVersion = version('min_version', 'TLSv1.2');
      const maxVersion = version('max_version', 'TLSv1.3');
      if (minVersion === 'TLSv1.3' && maxVersion === 'TLSv1.2') throw err(f.get('max_version')!.line, `${w('max_version')}: below min_version`);
      let ciphers: string | undefined;
      const cs = f.get('cipher_suites');
      if (cs) {
        const names = strings(cs.value, w('cipher_suites'), cs.line);
        const mapped: string[] = [];
        for (const n of names) {
          if (!(n in CIPHERS)) throw err(cs.line, `${w('cipher_suites')}: unknown cipher '${n}' (Go's names, e.g. TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)`);
          const o = CIPHERS[n];
          if (o && !mapped.includes(o)) mapped.push(o);
        }
        if (mapped.length) ciphers = `${TLS13_SUITES}:${mapped.join(':')}`;
      }
      let ecdhCurve: string | undefined;
      const cp = f.get('curve_preferences');
      if (cp) {
        const names = strings(cp.value, w('curve_preferences'), cp.line);
        for (const n of names) if (!CURVES[n]) throw err(cp.line, `${w('curve_preferences')}: unknown curve '${n}' (${Object.keys(CURVES).join(', ')})`);
        if (names.length) ecdhCurve = names.map((n) => CURVES[n]).join(':');
      }
      const pref = f.get('prefer_server_cipher_suites');
      const sans = f.get('client_allowed_sans');
      const allowedSans = sans ? strings(sans.value, w('client_allowed_sans'), sans.line) : undefined;
      if (allowedSans && clientAuth === 'NoClientCert') throw err(sans!.line, `${w('client_allowed_sans')}: needs a client_auth_type that asks for client certificates`);
      tls = {
        cert,
        key,
        ...(clientCa ? { clientCa } : {}),
        clientAuth,
        minVersion,
        maxVersion,
        ...(ciphers ? { ciphers } : {}),
        ...(ecdhCurve ? { ecdhCurve } : {}),
        honorCipherOrder: pref ? bool(pref.value, w('prefer_server_cipher_suites'), pref.line) : true,
        ...(allowedSans ? { allowedSans } : {}),
        line: t.line,
      };
    } else if (t.key === 'http_server_config') {
      for (const e of mapping(t.value, 'http_server_config', ['http2', 'headers'], t.line)) {
        if (e.key === 'http2') http2 = bool(e.value, 'http_server_config.http2', e.line);
        else
          for (const h of mapping(e.value, 'http_server_config.headers', Object.keys(HEADERS), e.line)) {
            const v = str(h.value, `http_server_config.headers.${h.key}`, h.line);
            const allowed = HEADERS[h.key];
            if (allowed && !allowed.includes(v)) throw err(h.line, `http_server_config.headers.${h.key}: '${v}' is not allowed (${allowed.join(', ')})`);
            if (/[\0-\x1f\x7f]/.test(v)) throw err(h.line, `http_server_config.headers.${h.key}: control characters in a header value`);
            if (v !== '') headers[h.key] = v;
          }
      }
    } else if (t.key === 'basic_auth_users') {
      for (const u of mapping(t.value, 'basic_auth_users', undefined, t.line)) {
        const hash = str(u.value, `basic_auth_users.${u.key}`, u.line);
        if (!BCRYPT.test(hash)) throw err(u.line, `basic_auth_users.${u.key}: not a bcrypt hash (make one with: htpasswd -nBC 10 "" | tr -d ':\\n')`);
        if (u.key.includes(':')) throw err(u.line, `basic_auth_users: a user name cannot contain ':' (basic authentication splits on it)`);
        users.set(u.key, hash);
      }
    } else {
      let intervalMs = 0;
      let burst = 0;
      for (const e of mapping(t.value, 'rate_limit', ['interval', 'burst'], t.line)) {
        if (e.key === 'interval') {
          const d = parseGoDuration(str(e.value, 'rate_limit.interval', e.line));
          if (d === undefined) throw err(e.line, `rate_limit.interval: not a duration (1s, 100ms, 1m)`);
          intervalMs = d;
        } else {
          const b = isScalar(e.value) ? e.value.value : undefined;
          if (typeof b !== 'number' || !Number.isInteger(b) || b < 0) throw err(e.line, 'rate_limit.burst: expected a whole number ≥ 0');
          burst = b;
        }
      }
      if (intervalMs > 0) rateLimit = { intervalMs, burst };
    }
  }
  return { file, ...(tls ? { tls } : {}), users, headers, http2, ...(rateLimit ? { rateLimit } : {}) };
}

/** Read a file the config names; a failure names the config's line. */
function readPem(file: string, src: PemSource, what: string): string {
  if (src.pem !== undefined) return src.pem;
  try {
    return readWhole(src.path!);
  } catch (e) {
    const code = errnoOf(e);
    throw new WebConfigError(file, src.line, `${what} ${src.path}: ${(code !== undefined ? errnoSentence(code) : undefined) ?? (e as Error).message}`);
  }
}

/** The TLS options of Node's server for these settings. */
export function tlsServerOptions(t: TlsServerSettings): SecureContextOptions & { requestCert: boolean; rejectUnauthorized: boolean } {
  return {
    cert: t.cert,
    key: t.key,
    ...(t.clientCa ? { ca: t.clientCa } : {}),
    minVersion: t.minVersion,
    maxVersion: t.maxVersion,
    ...(t.ciphers ? { ciphers: t.ciphers } : {}),
    ...(t.ecdhCurve ? { ecdhCurve: t.ecdhCurve } : {}),
    honorCipherOrder: t.honorCipherOrder,
    requestCert: t.clientAuth !== 'NoClientCert',
    rejectUnauthorized: t.clientAuth === 'RequireAndVerifyClientCert',
  };
}

/**
 * Read and check a web config file and the files it names (the certificate and key must load as a pair).
 * Throws WebConfigError (`nsx exporter: FILE:LINE: …`).
 */
export function loadWebConfig(file: string): WebConfig {
  let text: string;
  try {
    text = readWhole(file);
  } catch (e) {
    const code = errnoOf(e);
    throw new WebConfigError(file, 0, `cannot be read: ${(code !== undefined ? errnoSentence(code) : undefined) ?? (e as Error).message}`);
  }
  return loadSpec(parseWebConfig(text, file));
}

function loadSpec(spec: WebConfigSpec): WebConfig {
  const { file } = spec;
  let tls: TlsServerSettings | undefined;
  if (spec.tls) {
    const s = spec.tls;
    const cert = readPem(file, s.cert, 'cert_file');
    const key = readPem(file, s.key, 'key_file');
    const clientCa = s.clientCa ? readPem(file, s.clientCa, 'client_ca_file') : undefined;
    const { cert: _c, key: _k, clientCa: _ca, line: _l, ...policy } = s;
    tls = { ...policy, cert, key, ...(clientCa !== undefined ? { clientCa } : {}) };
    try {
      if (!cert.includes('-----BEGIN')) throw new Error('no PEM certificate');
      new X509Certificate(cert);
    } catch (e) {
      throw new WebConfigError(file, s.cert.line, `the certificate${s.cert.path ? ` ${s.cert.path}` : ''} does not load (${(e as Error).message})`);
    }
    if (clientCa !== undefined && !clientCa.includes('-----BEGIN CERTIFICATE')) throw new WebConfigError(file, s.clientCa!.line, `the client CA${s.clientCa!.path ? ` ${s.clientCa!.path}` : ''} holds no PEM certificate`);
    try {
      const { requestCert: _r, rejectUnauthorized: _u, ...ctx } = tlsServerOptions(tls);
      createSecureContext(ctx);
    } catch (e) {
      throw new WebConfigError(file, s.key.line, `the certificate and key do not load as a pair (${(e as Error).message})`);
    }
  }
  return { file, ...(tls ? { tls } : {}), users: spec.users, headers: spec.headers, http2: spec.http2, ...(spec.rateLimit ? { rateLimit: spec.rateLimit } : {}) };
}

/**
 * The web config as it is on disk now: `current()` reads the file (and the files it names) again and hands back
 * the same object while their bytes are unchanged. A file that stops loading gives undefined (fail closed) and
 * one log line per distinct problem.
 */
export class WebConfigSource {
  private last?: { readonly key: string; readonly config: WebConfig };
  private lastProblem?: string;

  constructor(
    readonly file: string,
    private readonly log: (m: string) => void = () => {},
  ) {}

  /** The configuration now, or undefined when it does not load. */
  current(): WebConfig | undefined {
    try {
      const text = readWhole(this.file);
      const spec = parseWebConfig(text, this.file);
      // the bytes of everything it names decide whether the last result still holds
      const h = createHash('sha256').update(text);
      if (spec.tls) for (const s of [spec.tls.cert, spec.tls.key, spec.tls.clientCa]) if (s?.path) h.update('\0').update(readPem(this.file, s, 'file'));
      const key = h.digest('hex');
      if (this.last?.key !== key) this.last = { key, config: loadSpec(spec) };
      this.lastProblem = undefined;
      return this.last.config;
    } catch (e) {
      const msg = e instanceof WebConfigError ? e.message.replace(/^nsx exporter: /, '') : `${this.file}: ${errnoOf(e) ? errnoSentence(errnoOf(e)!) : (e as Error).message}`;
      if (msg !== this.lastProblem) this.log(`exporter: ${msg} (refusing connections and requests until it loads)`);
      this.lastProblem = msg;
      return undefined;
    }
  }
}
