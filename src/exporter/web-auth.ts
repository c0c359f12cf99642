/**
 * The exporter's checks of a client under a web config (src/exporter/web-config.ts reads the file): the client
 * certificate's names, HTTP basic authentication against bcrypt hashes, and the request rate limit, each as
 * Prometheus' exporter-toolkit does it.
 */
import { createHash } from 'node:crypto';

/** The Subject Alternative Names of a certificate as exporter-toolkit compares them (DNS, IP, e-mail, URI values). */
export function certificateSans(subjectAltName: string | undefined): string[] {
  if (!subjectAltName) return [];
  return subjectAltName.split(/,\s*/).map((s) => s.replace(/^(DNS|IP Address|email|URI):/, ''));
}

/**
 * HTTP basic authentication against bcrypt hashes, as exporter-toolkit does it: an unknown user is compared
 * with a fixed hash (no user enumeration by timing), results are cached (a hash of user, hash and password:
 * the plaintext is not kept), and one bcrypt comparison runs at a time.
 */
export class BasicAuth {
  private readonly cache = new Map<string, boolean>();
  private queue: Promise<unknown> = Promise.resolve();
  private waiting = 0;
  /** bcrypt of "fakepassword" at cost 10 (exporter-toolkit's) */
  static readonly FAKE_HASH = '$2y$10$QOauhQNbBCuQDKes6eFzPeMqBSjb7Mr5DUmpZ/VcEd00UAV/LDeSi';

  constructor(
    private readonly maxCache = 100,
    /** comparisons waiting beyond this are refused (a flood of wrong passwords costs ~0.1 s of CPU each) */
    private readonly maxWaiting = 32,
  ) {}

  /**
   * Whether the `Authorization` header authenticates a user of `users`: true, false, or 'busy' when too
   * many comparisons are already waiting.
   */
  async check(users: ReadonlyMap<string, string>, authorization: string | undefined): Promise<boolean | 'busy'> {
    const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(authorization ?? '');
    if (!m) return false;
    const decoded = Buffer.from(m[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return false;
    const user = decoded.slice(0, colon);
    const pass = decoded.slice(colon + 1);
    const known = users.get(user);
    const hash = known ?? BasicAuth.FAKE_HASH;
    const key = createHash('sha256').update(user).update('\0').update(hash).update('\0').update(pass).digest('hex');
    let ok = this.cache.get(key);
    if (ok === undefined) {
      if (this.waiting >= this.maxWaiting) return 'busy';
      this.waiting++;
      const run = this.queue.then(async () => (await import('bcryptjs')).default.compare(pass, hash));
      this.queue = run.catch(() => false);
      try {
        ok = await run;
      } finally {
        this.waiting--;
      }
      if (this.cache.size >= this.maxCache) {
        // random eviction of a tenth, as exporter-toolkit's cache
        const keys = [...this.cache.keys()];
        for (let i = 0; i < Math.max(1, keys.length / 10); i++) this.cache.delete(keys[Math.floor(Math.random() * keys.length)]);
      }
      this.cache.set(key, ok);
    }
    return ok && known !== undefined;
  }
}

/** A token bucket (golang.org/x/time/rate's Limiter as exporter-toolkit uses it): `burst` tokens, one more every `intervalMs`. */
export class RateLimiter {
  private tokens: number;
  private at: number;
  constructor(
    private readonly intervalMs: number,
    private readonly burst: number,
    private readonly now: () => number = () => Number(process.hrtime.bigint()) / 1e6,
  ) {
    this.tokens = burst;
    this.at = now();
  }

  /** Take a token if there is one. */
  allow(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + (t - this.at) / this.intervalMs);
    this.at = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
