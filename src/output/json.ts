/**
 * JSON output. `formatJson` prints with libsmartcols' layout (3-space indent) so that `nsx ls -J` can be
 * diffed against `lsns -J`; NDJSON (one compact object per line) for streams.
 */
export function formatJson(value: unknown): string {
  return JSON.stringify(value, null, 3) + '\n';
}

export function formatNdjson(value: unknown): string {
  return JSON.stringify(value) + '\n';
}
