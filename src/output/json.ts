/**
 * JSON output. `formatJson` prints with libsmartcols' layout (3-space indent) so that `nsx ls -J` can be
 * diffed against `lsns -J`; NDJSON (one compact object per line) for streams. A bigint (an integer above
 * 2^53 − 1, e.g. v1 `hierarchical_memory_limit` 9223372036854771712) is printed as an exact JSON integer.
 */
/** NUL cannot occur in a kernel-provided string nsx prints, so it safely marks a bigint placeholder. */
const BIG = /"\\u0000big:(-?\d+)\\u0000"/g;

function bigints(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? `\u0000big:${v}\u0000` : v;
}

export function formatJson(value: unknown): string {
  return JSON.stringify(value, bigints, 3).replace(BIG, '$1') + '\n';
}

export function formatNdjson(value: unknown): string {
  return JSON.stringify(value, bigints).replace(BIG, '$1') + '\n';
}
