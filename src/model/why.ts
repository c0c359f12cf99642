/**
 * `nsx why`'s model: the diagnosis as data. One module per resource (./why/cpu.ts, ./why/memory.ts,
 * ./why/pids.ts) returns structured findings; ./why/diagnose.ts combines them (`analyseWhy`); the sentences and
 * units are the view's (src/output/why-words.ts: `describeWhy`, and `diagnose` = analyseWhy + describeWhy).
 *
 *   analyseWhy(input: WhyInput): WhyAnalysis                                  src/model/why/diagnose.ts
 *   whySampleFromCgroups(samples, path, { mono_ms, version }): WhySample      src/model/why/from-cgroups.ts
 *   the types (inputs, findings as data, the JSON shape)                      src/model/why/types.ts
 */
export * from './why/types.js';
export { analyseWhy } from './why/diagnose.js';
export { whySampleFromCgroups } from './why/from-cgroups.js';
/**
 * @deprecated import from src/output/why-words.ts: re-exported for test/why/model.test.ts and live-v1.test.ts
 * until the tests follow the code (issue 22, point 6).
 */
export { diagnose, fmtBytes } from '../output/why-words.js';
