/**
 * Golden files: the one helper of every golden test. `expectGolden(file, text)` compares `text` with the file
 * (byte for byte, or as JSON with `{ json: true }`); with NSX_UPDATE_GOLDEN=1 in the environment it writes the
 * file instead (review the diff). A missing golden fails, naming the variable to set.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** Whether this run rewrites goldens (NSX_UPDATE_GOLDEN set and not "0"). */
export const UPDATE_GOLDEN = !!process.env.NSX_UPDATE_GOLDEN && process.env.NSX_UPDATE_GOLDEN !== '0';

export function expectGolden(file: string, text: string, o: { json?: boolean; message?: string } = {}): void {
  if (UPDATE_GOLDEN) {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    return;
  }
  if (!existsSync(file)) assert.fail(`missing golden ${file} (run with NSX_UPDATE_GOLDEN=1)`);
  const want = readFileSync(file, 'utf8');
  if (o.json) assert.deepEqual(JSON.parse(text), JSON.parse(want), o.message ?? file);
  else assert.equal(text, want, o.message ?? file);
}
