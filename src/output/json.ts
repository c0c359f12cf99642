/**
 * JSON output. `formatJson` prints with libsmartcols' layout (3-space indent) so that `nsx ls -J` can be
 * diffed against `lsns -J`; NDJSON (one compact object per line) for streams.
 *
 * Exact integers: a `bigint` value (a cgroup counter or limit above 2^53, such as v1's
 * `hierarchical_memory_limit` 9223372036854771712) is printed as its exact digits, a JSON number — never
 * rounded through a double, never quoted. (Readers that need the exact value parse with a big-number-aware
 * parser; `JSON.parse` in JavaScript rounds it.)
 */
function stringify(value: unknown, indent: number | undefined): string {
  // most values hold no bigint: JSON.stringify without a replacer (several times faster: no call back into
  // JavaScript per key) gives the same text, and throws a TypeError when it meets a bigint
  try {
    return JSON.stringify(value, undefined, indent);
  } catch (e) {
    if (!(e instanceof TypeError)) throw e;
  }
  // bigints become a marker string that no data string can equal (a fresh random tag per call), then the
  // quoted marker is replaced by the bare digits
  const tag = `\u0000nsx-bigint-${Math.random().toString(36).slice(2)}:`;
  let found = false;
  const text = JSON.stringify(
    value,
    (_k, v: unknown) => {
      if (typeof v !== 'bigint') return v;
      found = true;
      return tag + v.toString();
    },
    indent,
  );
  if (!found) return text;
  const quoted = JSON.stringify(tag).slice(1, -1);
  return text.split(`"${quoted}`).map((part, i) => (i === 0 ? part : part.replace(/^(-?\d+)"/, '$1'))).join('');
}

export function formatJson(value: unknown): string {
  return stringify(value, 3) + '\n';
}

export function formatNdjson(value: unknown): string {
  return stringify(value, undefined) + '\n';
}
