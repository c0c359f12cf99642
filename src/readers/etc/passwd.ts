/** Read `<etc>/passwd` (the root's user database) into a UID → name map. Absent file → empty map. */
import { join } from 'node:path';
import type { HostPaths } from '../../host/paths.js';
import { readWhole } from '../../host/read.js';
import { parsePasswd, passwdUserMap } from '../../parse/passwd.js';
import { wrap } from '../../host/tolerance.js';

export function readUserNames(paths: HostPaths): Map<number, string> {
  const p = join(paths.etc, 'passwd');
  const text = wrap(undefined, p, readWhole, 'gone');
  return text === undefined ? new Map() : passwdUserMap(parsePasswd(text, p));
}
