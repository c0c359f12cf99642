/**
 * Property-based robustness check for pure parsers: random bytes and mutations of real files must never
 * make a parser throw anything but a ParseError (which names its source).
 */
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ParseError } from '../../src/errors.js';

export type Parser = (text: string, source?: string) => unknown;

function check(parse: Parser, text: string, source: string): void {
  try {
    parse(text, source);
  } catch (e) {
    assert.ok(e instanceof ParseError, `${source}: parser threw a non-ParseError: ${(e as Error)?.stack ?? e}`);
    assert.ok((e as ParseError).message.includes(source), `${source}: ParseError does not name the file: ${(e as Error).message}`);
  }
}

/** Random text, random bytes decoded as UTF-8/latin1, and mutations (cut, duplicate, flip, splice) of `seeds`. */
export function fuzzParser(parse: Parser, seeds: readonly string[], runs = 300): void {
  const source = '<fuzz>';
  fc.assert(fc.property(fc.string({ maxLength: 400 }), (s) => check(parse, s, source)), { numRuns: runs });
  fc.assert(fc.property(fc.uint8Array({ maxLength: 400 }), (b) => check(parse, Buffer.from(b).toString('latin1'), source)), { numRuns: runs });
  if (seeds.length === 0) return;
  const mutation = fc.tuple(
    fc.integer({ min: 0, max: seeds.length - 1 }),
    fc.nat(),
    fc.nat(),
    fc.constantFrom('cut', 'dup', 'flip', 'splice', 'truncate', 'nl', 'space'),
    fc.string({ maxLength: 12 }),
  );
  fc.assert(
    fc.property(mutation, ([si, a, b, op, ins]) => {
      const s = seeds[si];
      const i = s.length ? a % s.length : 0;
      const j = s.length ? b % s.length : 0;
      const [lo, hi] = i < j ? [i, j] : [j, i];
      let m: string;
      switch (op) {
        case 'cut': m = s.slice(0, lo) + s.slice(hi); break;
        case 'dup': m = s.slice(0, hi) + s.slice(lo); break;
        case 'flip': m = s.slice(0, i) + String.fromCharCode((s.charCodeAt(i) ^ (1 + (b % 127))) & 0xff) + s.slice(i + 1); break;
        case 'splice': m = s.slice(0, i) + ins + s.slice(i); break;
        case 'truncate': m = s.slice(0, i); break;
        case 'nl': m = s.replace(/\n/g, (x) => (a % 2 ? '' : '\n\n')); break;
        default: m = s.replace(/[ \t]/g, (x) => (a % 2 ? '' : x + x));
      }
      check(parse, m, source);
    }),
    { numRuns: runs },
  );
}
