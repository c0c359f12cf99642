/**
 * Parser for `/etc/passwd` (passwd(5)): `name:password:UID:GID:gecos:dir:shell`. Comments, blank lines,
 * NIS `+`/`-` entries and malformed lines are skipped; the first entry for a UID wins (as getpwuid does).
 * Never throws.
 */

export interface PasswdEntry {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
  readonly gecos: string;
  readonly home: string;
  readonly shell: string;
}

export function parsePasswd(text: string, _source = '<string>'): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('+') || line.startsWith('-')) continue;
    const f = line.split(':');
    if (f.length < 4 || f[0] === '' || !/^\d+$/.test(f[2]) || !/^\d+$/.test(f[3])) continue;
    const uid = Number(f[2]);
    const gid = Number(f[3]);
    if (!Number.isSafeInteger(uid) || !Number.isSafeInteger(gid)) continue;
    out.push({ name: f[0], uid, gid, gecos: f[4] ?? '', home: f[5] ?? '', shell: f[6] ?? '' });
  }
  return out;
}

/** UID → user name map (first entry wins). */
export function passwdUserMap(entries: readonly PasswdEntry[]): Map<number, string> {
  const m = new Map<number, string>();
  for (const e of entries) if (!m.has(e.uid)) m.set(e.uid, e.name);
  return m;
}
