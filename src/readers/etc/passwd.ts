/** Read `<etc>/passwd` (the root's user database) into a UID → name map. Absent file → empty map. */
import { join } from 'node:path';
import type { HostPaths } from '../../host/paths.js';
import { readTextOrUndefined } from '../../host/read.js';
import { parsePasswd, passwdUserMap } from '../../parse/passwd.js';

export function readUserNames(paths: HostPaths): Map<number, string> {
  const p = join(paths.etc, 'passwd');
  const text = readTextOrUndefined(p);
  return text === undefined ? new Map() : passwdUserMap(parsePasswd(text, p));
}
