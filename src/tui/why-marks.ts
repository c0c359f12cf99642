/**
 * Which cgroups of a view need a look (issue 13): the `nsx why` diagnosis (src/model/why.ts, pure) of each
 * given cgroup between two samples of the TUI's collector — no extra reads. The first verdict line of every
 * cgroup whose verdict is not clean. Diagnosing costs ~0.1–0.2 ms per cgroup: callers pass the rows in view.
 */
import type { CgroupSample } from '../model/cgroup-sample.js';
import type { TopSnapshot } from '../model/rates.js';
import { whySampleFromCgroups } from '../model/why/from-cgroups.js';
import { diagnose } from '../output/why-words.js';

/** Samples by path, once per snapshot (a snapshot is immutable). */
const byPathOf = new WeakMap<TopSnapshot, ReadonlyMap<string, CgroupSample>>();
function byPath(s: TopSnapshot): ReadonlyMap<string, CgroupSample> {
  let m = byPathOf.get(s);
  if (!m) byPathOf.set(s, (m = new Map(s.cgroups.map((c) => [c.path, c] as const))));
  return m;
}

/** path → first verdict line, for the `paths` whose diagnosis over prev → next is not clean. Pure. */
export function whyMarks(prev: TopSnapshot | undefined, next: TopSnapshot | undefined, paths: readonly string[]): ReadonlyMap<string, string> {
  const out = new Map<string, string>();
  if (!prev || !next || next.mono_ms <= prev.mono_ms) return out;
  const version = next.layout === 'unified' ? 2 : 1;
  const a = byPath(prev);
  const b = byPath(next);
  for (const path of paths) {
    if (!a.has(path) || !b.has(path)) continue;
    const d = diagnose({
      target: path,
      first: whySampleFromCgroups(a, path, { mono_ms: prev.mono_ms, version }),
      last: whySampleFromCgroups(b, path, { mono_ms: next.mono_ms, version }),
    });
    if (!d.clean && d.verdict.length) out.set(path, d.verdict[0]);
  }
  return out;
}
