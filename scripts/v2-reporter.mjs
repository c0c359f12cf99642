// The reporter of scripts/v2-test.sh: the concise reporter of `npm test` (scripts/test-reporter.mjs), then one
// line per live test group — tests run, passed, skipped, failed, and the groups' wall time — with the layout of
// the host it ran on, every skip reason per group, and the files of a group left to the host (NSX_TEST_HOSTONLY). Groups come from NSX_TEST_GROUPS: a file of `GROUP FILE`
// lines written by scripts/v2-test.sh (the test files it expanded from scripts/v2-groups.txt).
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import concise from './test-reporter.mjs';

function groupsOf() {
  const byFile = new Map();
  const order = [];
  const f = process.env.NSX_TEST_GROUPS;
  if (!f) return { byFile, order };
  for (const line of readFileSync(f, 'utf8').split('\n')) {
    const m = /^(\S+) (.+)$/.exec(line);
    if (!m) continue;
    byFile.set(resolve(m[2]), m[1]);
    if (!order.includes(m[1])) order.push(m[1]);
  }
  return { byFile, order };
}

export default async function* v2(source) {
  const { byFile, order } = groupsOf();
  const stats = new Map(order.map((g) => [g, { tests: 0, pass: 0, skip: 0, fail: 0, ms: 0, reasons: new Map() }]));
  const of = (file) => {
    const g = byFile.get(resolve(file ?? '')) ?? 'other';
    if (!stats.has(g)) stats.set(g, { tests: 0, pass: 0, skip: 0, fail: 0, ms: 0, reasons: new Map() });
    return stats.get(g);
  };
  async function* counted() {
    for await (const ev of source) {
      const d = ev.data ?? {};
      if (ev.type === 'test:pass' || ev.type === 'test:fail') {
        const s = of(d.file);
        if (d.nesting === 0) s.ms += d.details?.duration_ms ?? 0;
        const suite = d.details?.type === 'suite';
        const skipped = (d.skip !== undefined && d.skip !== false) || (d.todo !== undefined && d.todo !== false);
        // a suite counts only when skipped as a whole (its tests are then not reported one by one)
        // (a test failing because its subtests failed is counted in them)
        const viaSubtests = ev.type === 'test:fail' && d.details?.error?.failureType === 'subtestsFailed';
        if ((!suite || skipped) && !viaSubtests) {
          s.tests++;
          if (skipped) {
            s.skip++;
            const why = String(typeof d.skip === 'string' ? d.skip : typeof d.todo === 'string' ? `todo: ${d.todo}` : 'skipped');
            s.reasons.set(why, (s.reasons.get(why) ?? 0) + 1);
          } else if (ev.type === 'test:fail') s.fail++;
          else s.pass++;
        }
      }
      yield ev;
    }
  }
  yield* concise(counted());
  const layout = process.env.NSX_TEST_LAYOUT ?? '?';
  const rows = [...stats.entries()].filter(([, s]) => s.tests > 0 || order.length);
  const w = Math.max(8, ...rows.map(([g]) => g.length));
  let out = `\n# live groups on ${layout}\n# ${'group'.padEnd(w)}  tests  passed  skipped  failed  time\n`;
  const tot = { tests: 0, pass: 0, skip: 0, fail: 0 };
  for (const [g, s] of rows) {
    out += `# ${g.padEnd(w)}  ${String(s.tests).padStart(5)}  ${String(s.pass).padStart(6)}  ${String(s.skip).padStart(7)}  ${String(s.fail).padStart(6)}  ${(s.ms / 1000).toFixed(0).padStart(4)} s\n`;
    for (const k of Object.keys(tot)) tot[k] += s[k];
  }
  out += `# ${'total'.padEnd(w)}  ${String(tot.tests).padStart(5)}  ${String(tot.pass).padStart(6)}  ${String(tot.skip).padStart(7)}  ${String(tot.fail).padStart(6)}\n`;
  for (const [g, s] of rows) for (const [why, n] of s.reasons) out += `# skipped in ${g}: ${n} × ${why}\n`;
  // files of a group that run only on the host (scripts/v2-groups.txt `host:`), listed by scripts/v2-test.sh
  const host = process.env.NSX_TEST_HOSTONLY ? readFileSync(process.env.NSX_TEST_HOSTONLY, 'utf8').trim() : '';
  for (const line of host ? host.split('\n') : []) {
    const [g, f] = line.split(' ');
    out += `# not run in ${g} here: ${f} (host only: layout-independent, run by npm test)\n`;
  }
  yield out;
}
