/**
 * The `nsx enter` service: prepare (resolve, pin, open, plan), then print the plan (--dry-run), or hand it
 * to the helper. `enter` replaces the process on success (CLI); `enterAndWait` runs the helper as a child
 * and resolves with the program's exit status (dashboard).
 */
import type { Writable } from 'node:stream';
import type { HostPaths } from '../host/paths.js';
import type { EnterOptions } from '../enter/plan.js';
import { describePlan } from '../enter/plan.js';
import { prepareEnter, type PreparedEnter } from '../enter/prepare.js';
import { execEnter, requireHelper, spawnEnter } from '../enter/run.js';
import { formatJson } from '../output/json.js';
import { escapeControl } from '../output/escape.js';

export interface EnterServiceOptions extends EnterOptions {
  readonly paths: HostPaths;
  readonly stdout: Writable;
  readonly stderr: Writable;
}

async function prepared(o: EnterServiceOptions): Promise<PreparedEnter> {
  const p = await prepareEnter(o, o.paths);
  if (o.verbose) {
    for (const l of describePlan(p.plan)) o.stderr.write(`nsx enter: ${l}\n`);
  }
  return p;
}

/** JSON keys in snake_case, as every nsx JSON document (`joinCgroup` → `join_cgroup`); values unchanged. */
export function snakeKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(snakeKeys);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) out[k.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase())] = snakeKeys(x);
  return out;
}

/** Run `nsx enter`: resolves with an exit status (0 after --dry-run); on the exec path it does not return. */
export async function enter(o: EnterServiceOptions): Promise<number> {
  const p = await prepared(o);
  if (o.dryRun) {
    p.close();
    if (o.json) {
      o.stdout.write(formatJson(snakeKeys(p.plan)) + '\n');
    } else {
      for (const l of describePlan(p.plan)) o.stdout.write(escapeControl(l) + '\n');
    }
    return 0;
  }
  try {
    await requireHelper();
  } catch (e) {
    p.close();
    throw e;
  }
  if (p.plan.shell) {
    o.stderr.write(`nsx enter: ${escapeControl(p.plan.shell.note)}\n`);
  }
  return execEnter(p, { verbose: o.verbose });
}

/** Enter as a child process (stdio inherited) and resolve with the program's exit status (128+N for a signal). */
export async function enterAndWait(o: EnterServiceOptions): Promise<number> {
  const p = await prepared(o);
  try {
    return await spawnEnter(p, { verbose: o.verbose });
  } catch (e) {
    p.close(); // the pidfd and namespace descriptors, when the helper could not be started
    throw e;
  }
}
