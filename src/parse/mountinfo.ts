/**
 * Parser for `/proc/PID/mountinfo` (proc(5)):
 *
 *     36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 - ext3 /dev/root rw,errors=continue
 *     (1)(2)(3)   (4)   (5)      (6)      (7)   (8) (9)    (10)         (11)
 *
 * Pure: text in, entries out. Tolerant of the quirks seen in real captures: a missing final newline,
 * runs of spaces before the separator (`/  /root`), unescaped spaces inside super-options (cifs `unc=\\a\B C`),
 * missing super-options. Malformed lines are skipped (reported through `onBadLine`), never fatal.
 */
import { ParseError } from '../errors.js';

export interface MountinfoEntry {
  /** (1) unique mount id */
  readonly mountId: number;
  /** (2) id of the parent mount */
  readonly parentId: number;
  /** (3) st_dev major of the mounted filesystem */
  readonly major: number;
  /** (3) st_dev minor */
  readonly minor: number;
  /** (4) root of the mount within the filesystem (unescaped); for nsfs `net:[4026531840]` */
  readonly root: string;
  /** (5) mount point relative to the process's root (unescaped) */
  readonly mountPoint: string;
  /** (6) per-mount options, comma-separated as in the file */
  readonly options: string;
  /** (7) optional fields (`shared:N`, `master:N`, `propagate_from:N`, `unbindable`) */
  readonly optionalFields: readonly string[];
  /** (9) filesystem type (`ext4`, `cgroup2`, `nsfs`, `fuse.sshfs` …) */
  readonly fsType: string;
  /** (10) mount source (unescaped), `none` etc. */
  readonly source: string;
  /** (11) per-superblock options (unescaped; may contain spaces) — '' when missing */
  readonly superOptions: string;
}

/** Undo the kernel's octal escaping (`\040` space, `\011` tab, `\012` newline, `\134` backslash, any `\NNN`). */
export function unescapeOctal(s: string): string {
  if (!s.includes('\\')) return s;
  return s.replace(/\\([0-3][0-7]{2})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

const DEC = /^\d+$/;

/**
 * Parse one mountinfo line. Throws ParseError (naming `source` and `lineNo`) when the line is malformed.
 */
export function parseMountinfoLine(line: string, source = '<string>', lineNo?: number): MountinfoEntry {
  const sep = line.indexOf(' - ');
  if (sep < 0) throw new ParseError(source, 'missing " - " separator', lineNo);
  const pre = line.slice(0, sep).split(' ').filter((f) => f !== '');
  if (pre.length < 6) throw new ParseError(source, `expected at least 6 fields before " - ", got ${pre.length}`, lineNo);
  const [id, parent, devno, root, mountPoint, options, ...optionalFields] = pre;
  if (!DEC.test(id) || !DEC.test(parent)) throw new ParseError(source, 'mount ids are not numbers', lineNo);
  const m = /^(\d+):(\d+)$/.exec(devno);
  if (!m) throw new ParseError(source, `bad major:minor ${JSON.stringify(devno)}`, lineNo);
  const post = line.slice(sep + 3);
  const sp1 = post.indexOf(' ');
  const fsType = sp1 < 0 ? post : post.slice(0, sp1);
  if (fsType === '') throw new ParseError(source, 'missing filesystem type', lineNo);
  let src = '';
  let superOptions = '';
  if (sp1 >= 0) {
    const rest = post.slice(sp1 + 1);
    const sp2 = rest.indexOf(' ');
    src = sp2 < 0 ? rest : rest.slice(0, sp2);
    superOptions = sp2 < 0 ? '' : rest.slice(sp2 + 1);
  }
  return {
    mountId: Number(id),
    parentId: Number(parent),
    major: Number(m[1]),
    minor: Number(m[2]),
    root: unescapeOctal(root),
    mountPoint: unescapeOctal(mountPoint),
    options,
    optionalFields,
    fsType: unescapeOctal(fsType),
    source: unescapeOctal(src),
    superOptions: unescapeOctal(superOptions.replace(/\r$/, '')),
  };
}

/**
 * Parse a whole mountinfo file. Empty lines are ignored; malformed lines are skipped and handed to
 * `onBadLine` (a ParseError naming `source` and the 1-based line) so callers can warn or be strict.
 */
export function parseMountinfo(
  text: string,
  source = '<string>',
  onBadLine?: (e: ParseError) => void,
): MountinfoEntry[] {
  const out: MountinfoEntry[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') continue;
    try {
      out.push(parseMountinfoLine(line, source, i + 1));
    } catch (e) {
      if (!(e instanceof ParseError)) throw e;
      onBadLine?.(e);
    }
  }
  return out;
}

/** Strict variant: throws the first ParseError instead of skipping malformed lines. */
export function parseMountinfoStrict(text: string, source = '<string>'): MountinfoEntry[] {
  return parseMountinfo(text, source, (e) => {
    throw e;
  });
}
