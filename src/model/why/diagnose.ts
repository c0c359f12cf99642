/**
 * `nsx why`'s diagnosis as data (pure, no I/O): from two samples of a cgroup's path (root → target) taken some
 * seconds apart, which limits bind it and why it is throttled, short of memory, OOM-killed or refused forks.
 * Each resource is diagnosed by its own module (./cpu.ts, ./memory.ts, ./pids.ts); the sentences are written
 * from the result by src/output/why-words.ts (`describeWhy`, or `diagnose` for both steps).
 *
 *   analyseWhy(input: WhyInput): WhyAnalysis
 *     input.first / input.last: WhySample (per resource the chain root → target, in that resource's hierarchy)
 *     input.samples?: the samples in between (only their thread counts are used)
 *     input.kernel?: OOM-kill and fork-rejected reports from the kernel log (src/parse/kmsg.ts)
 *
 * With one sample (or two at the same instant: a recorded host) every counter is read as "since the cgroup
 * was created" (mode `cumulative`); with a window, counters are deltas over it and lifetime counts are
 * reported as earlier events.
 */
import { counterDelta } from '../rates.js';
import type { Severity, WhyAnalysis, WhyChain, WhyInput } from './types.js';
import { target, type Delta } from './common.js';
import { diagnoseCpu } from './cpu.js';
import { diagnoseMemory } from './memory.js';
import { diagnosePids } from './pids.js';

const SEV_RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };

/** The diagnosis of one cgroup from two samples of its path, as data (see the module comment). Pure. */
export function analyseWhy(inp: WhyInput): WhyAnalysis {
  const dtRaw = (inp.last.mono_ms - inp.first.mono_ms) / 1000;
  const win = inp.first !== inp.last && dtRaw > 0;
  const dt = win ? dtRaw : null;
  const d: Delta = win ? counterDelta : (_a, b) => (b === undefined ? null : b);
  const cpu = diagnoseCpu(inp, d, dt);
  const mem = diagnoseMemory(inp, d, dt, win);
  const pids = diagnosePids(inp, d, win);
  const findings = [...cpu.findings, ...mem.findings, ...pids.findings].sort((x, y) => SEV_RANK[x.severity] - SEV_RANK[y.severity]);
  const chain = inp.last.cpu ?? inp.last.memory ?? inp.last.pids;
  return {
    target: inp.target,
    path: target(chain as WhyChain<unknown> | undefined)?.path ?? '/',
    version: chain?.version ?? null,
    mode: win ? 'window' : 'cumulative',
    window_s: win ? dtRaw : null,
    clean: findings.every((f) => f.severity === 'info'),
    findings,
    limits: [...cpu.limits, ...mem.limits, ...pids.limits],
    cpu: cpu.evidence,
    memory: mem.evidence,
    pids: pids.evidence,
    kernel: inp.kernel ? { readable: inp.kernel.readable, oom_kills: [...inp.kernel.oom_kills].slice(-10), fork_rejected: [...(inp.kernel.fork_rejected ?? [])].slice(-10) } : null,
    summary: { cpu: cpu.clean ?? null, memory: mem.clean ?? null },
  };
}
