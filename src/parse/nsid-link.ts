/**
 * Parser for the target of a namespace link (`readlink /proc/PID/ns/net` → `net:[4026531840]`) and for the
 * root of an nsfs mount in mountinfo (same form). Pure. `parseNsLink` returns undefined for anything else;
 * `parseNsLinkStrict` throws a ParseError naming the source.
 */
import { ParseError } from '../errors.js';

/** The 8 namespace types, in the order lsns knows them. */
export const NS_TYPES = ['mnt', 'net', 'pid', 'uts', 'ipc', 'user', 'cgroup', 'time'] as const;
export type NsType = (typeof NS_TYPES)[number];

export function isNsType(s: string): s is NsType {
  return (NS_TYPES as readonly string[]).includes(s);
}

export interface NsLink {
  readonly type: NsType;
  /** nsfs inode number */
  readonly inode: number;
}

const RE = /^([a-z_]+):\[(\d+)\]$/;

export function parseNsLink(text: string): NsLink | undefined {
  const m = RE.exec(text.trim());
  if (!m) return undefined;
  // pid_for_children / time_for_children links carry the plain type name
  const type = m[1];
  if (!isNsType(type)) return undefined;
  const inode = Number(m[2]);
  if (!Number.isSafeInteger(inode)) return undefined;
  return { type, inode };
}

/**
 * The inode of a namespace link text of type `type` (`net:[4026531840]` → 4026531840), or undefined; the usual
 * `type:[N]` without a regular expression (the hot path of process walks), anything else through parseNsLink.
 */
export function nsLinkInode(text: string, type: NsType): number | undefined {
  const n = type.length;
  if (text.length > n + 3 && text.charCodeAt(n) === 58 /* : */ && text.startsWith(type) && text.charCodeAt(text.length - 1) === 93 /* ] */) {
    const ino = Number(text.slice(n + 2, -1));
    if (Number.isSafeInteger(ino)) return ino;
  }
  const l = parseNsLink(text);
  return l && l.type === type ? l.inode : undefined;
}

export function parseNsLinkStrict(text: string, source = '<string>'): NsLink {
  const r = parseNsLink(text);
  if (!r) throw new ParseError(source, `not a namespace link: ${JSON.stringify(text.slice(0, 60))}`);
  return r;
}
