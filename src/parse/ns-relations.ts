/**
 * Parser for `nsx-ns-relations`, the recorded namespace relations of a fake host (a file at the root of a
 * fixture host, beside proc/ and etc/). On a fake host there is no FFI, so PNS, ONS, NETNSID and the owner
 * UID of namespaces held only by a mount come from this file. Format, one namespace per line:
 *
 *     # INODE key=value…      keys: parent, owner (inodes; 0 = none), owner_uid, netnsid (number or "unassigned")
 *     4026531837 parent=0 owner=0 owner_uid=0
 *     4026532300 owner=4026531837 netnsid=unassigned
 *
 * Pure; unknown keys and malformed lines are skipped (reported through `onBadLine`).
 */
import { ParseError } from '../errors.js';

export interface RecordedRelations {
  readonly parent?: number;
  readonly owner?: number;
  readonly ownerUid?: number;
  /** -1 = unassigned */
  readonly netnsid?: number;
}

const NUM = /^\d+$/;

export function parseNsRelations(text: string, source = '<string>', onBadLine?: (e: ParseError) => void): Map<number, RecordedRelations> {
  const out = new Map<number, RecordedRelations>();
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    const [ino, ...kvs] = line.split(/\s+/);
    if (!NUM.test(ino)) {
      onBadLine?.(new ParseError(source, `not an inode: ${JSON.stringify(ino.slice(0, 40))}`, i + 1));
      continue;
    }
    const r: { parent?: number; owner?: number; ownerUid?: number; netnsid?: number } = {};
    for (const kv of kvs) {
      const eq = kv.indexOf('=');
      const k = kv.slice(0, eq);
      const v = kv.slice(eq + 1);
      if (eq < 0) continue;
      if (k === 'netnsid') {
        if (v === 'unassigned') r.netnsid = -1;
        else if (NUM.test(v)) r.netnsid = Number(v);
      } else if (NUM.test(v) && Number.isSafeInteger(Number(v))) {
        if (k === 'parent') r.parent = Number(v);
        else if (k === 'owner') r.owner = Number(v);
        else if (k === 'owner_uid') r.ownerUid = Number(v);
      }
    }
    out.set(Number(ino), r);
  }
  return out;
}
