// A concise reporter for `npm test` (node --test --test-reporter=./scripts/test-reporter.mjs): one line per
// test file, failures in full (test name, error, the first stack lines), skipped tests with their reason,
// and stderr of the tests; then the runner's own closing summary exactly as the TAP reporter prints it
// (`# tests N`, `# pass N`, `# fail N`, …), which CI reads.
import { relative } from 'node:path';

const MAX_STACK = 8;

function fileOf(ev) {
  return ev.file ? relative(process.cwd(), ev.file) : undefined;
}

function indent(s, n = 4) {
  return String(s)
    .split('\n')
    .map((l) => ' '.repeat(n) + l)
    .join('\n');
}

function describeError(err) {
  const e = err?.cause ?? err;
  if (!e) return 'failed';
  const lines = [];
  const msg = e.message ?? String(e);
  lines.push(msg);
  if (e.expected !== undefined || e.actual !== undefined) {
    if (!msg.includes('expected') && !msg.includes('+ actual')) {
      lines.push(`expected: ${JSON.stringify(e.expected)}`);
      lines.push(`actual:   ${JSON.stringify(e.actual)}`);
    }
  }
  if (typeof e.stack === 'string') {
    const frames = e.stack.split('\n').filter((l) => /^\s+at /.test(l) && !l.includes('node:internal') && !l.includes('node:async_hooks'));
    lines.push(...frames.slice(0, MAX_STACK).map((l) => l.trim()));
  }
  return lines.join('\n');
}

export default async function* concise(source) {
  // Node runs test files in subprocesses and reports each file's events together, in order: a file's line
  // is printed when the next file's events begin (and the last one at the end)
  let cur; // { file, pass, fail, skip, ms }
  const summary = [];
  const fileLine = () => {
    if (!cur) return '';
    const c = cur;
    cur = undefined;
    return `${c.fail ? '✖' : '✔'} ${c.file}  ${c.pass} passed${c.fail ? `, ${c.fail} failed` : ''}${c.skip ? `, ${c.skip} skipped` : ''} (${(c.ms / 1000).toFixed(1)} s)\n`;
  };
  for await (const ev of source) {
    const d = ev.data ?? {};
    if ((ev.type === 'test:pass' || ev.type === 'test:fail' || ev.type === 'test:stderr') && d.file !== undefined && fileOf(d) !== cur?.file) {
      const line = fileLine();
      if (line) yield line;
      cur = { file: fileOf(d), pass: 0, fail: 0, skip: 0, ms: 0 };
    }
    switch (ev.type) {
      case 'test:pass':
      case 'test:fail': {
        const s = cur ?? (cur = { file: '?', pass: 0, fail: 0, skip: 0, ms: 0 });
        if (d.nesting === 0) s.ms += d.details?.duration_ms ?? 0;
        const where = `${s.file} › ${d.name}`;
        if (d.skip !== undefined && d.skip !== false) {
          s.skip++;
          yield `  ↷ skipped: ${where}${typeof d.skip === 'string' ? ` — ${d.skip}` : ''}\n`;
        } else if (d.todo !== undefined && d.todo !== false) {
          s.skip++;
          const why = typeof d.todo === 'string' ? ` — ${d.todo}` : '';
          yield `  … todo: ${where}${why} (${ev.type === 'test:fail' ? 'not yet' : 'holds now: the todo can go'})\n`;
        } else if (ev.type === 'test:fail') {
          if (d.details?.error?.failureType === 'subtestsFailed') break;
          s.fail++;
          yield `  ✖ FAILED: ${where} (${Math.round(d.details?.duration_ms ?? 0)} ms)\n${indent(describeError(d.details?.error))}\n`;
        } else s.pass++;
        break;
      }
      case 'test:stderr': {
        const m = String(d.message ?? '').trimEnd();
        if (m) yield indent(m, 2) + '\n';
        break;
      }
      case 'test:diagnostic':
        if (d.nesting === 0) summary.push(`# ${d.message}\n`);
        break;
      default:
        break;
    }
  }
  const last = fileLine();
  if (last) yield last;
  yield* summary;
}
