/**
 * A getopt_long-compatible parser: combined short options (`-nu`, `-t1234`), optional arguments attached
 * only (`-nFILE`, `-n=FILE`, `--net=FILE`, `--tree=owner`), required arguments attached or separate,
 * `--` ends options, and either permuting (lsns) or stopping at the first positional (nsenter, `+` mode).
 */
import { UsageError } from '../errors.js';

export type ArgKind = 'none' | 'required' | 'optional';

export interface OptionSpec {
  /** canonical name used as the key in the result, e.g. 'type' */
  readonly name: string;
  /** single letter, e.g. 't' */
  readonly short?: string;
  /** long name, e.g. 'type'; defaults to `name` */
  readonly long?: string;
  /** other long names accepted */
  readonly aliases?: readonly string[];
  readonly arg: ArgKind;
  /** may be given several times: values accumulate in an array */
  readonly repeatable?: boolean;
  /** the words its argument may be (shell completions offer them instead of file names) */
  readonly values?: readonly string[];
}

export interface ParsedArgs {
  /** value per option name: true for flags, string for arguments, string[] for repeatables; '' for an optional arg given bare */
  readonly opts: Record<string, string | boolean | string[] | undefined>;
  /** the order in which options were seen (name, value) — for options whose order matters */
  readonly seen: ReadonlyArray<readonly [string, string | true]>;
  readonly positionals: string[];
}

export interface ParseOptions {
  /** stop option parsing at the first positional (the rest is the program and its arguments) */
  readonly stopAtPositional?: boolean;
  /** program name for messages */
  readonly prog: string;
}

export function getopt(argv: readonly string[], specs: readonly OptionSpec[], po: ParseOptions): ParsedArgs {
  const byShort = new Map<string, OptionSpec>();
  const byLong = new Map<string, OptionSpec>();
  for (const s of specs) {
    if (s.short) byShort.set(s.short, s);
    byLong.set(s.long ?? s.name, s);
    for (const a of s.aliases ?? []) byLong.set(a, s);
  }
  const opts: Record<string, string | boolean | string[] | undefined> = {};
  const seen: Array<readonly [string, string | true]> = [];
  const positionals: string[] = [];
  const hint = `Try '${po.prog} --help' for more information.`;
  const set = (s: OptionSpec, v: string | true) => {
    seen.push([s.name, v]);
    if (s.repeatable) {
      const arr = (opts[s.name] as string[] | undefined) ?? [];
      arr.push(v === true ? '' : v);
      opts[s.name] = arr;
    } else opts[s.name] = v;
  };
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      i++;
      break;
    }
    if (a.startsWith('--') && a.length > 2) {
      const eq = a.indexOf('=');
      const name = eq >= 0 ? a.slice(2, eq) : a.slice(2);
      let spec = byLong.get(name);
      if (!spec) {
        // unambiguous prefix, as getopt_long allows
        const cands = [...byLong.keys()].filter((k) => k.startsWith(name));
        const uniq = new Set(cands.map((k) => byLong.get(k)));
        if (uniq.size === 1) spec = [...uniq][0];
        else if (uniq.size > 1) throw new UsageError(`${po.prog}: option '--${name}' is ambiguous\n${hint}`);
      }
      if (!spec) throw new UsageError(`${po.prog}: unrecognized option '--${name}'\n${hint}`);
      if (spec.arg === 'none') {
        if (eq >= 0) throw new UsageError(`${po.prog}: option '--${name}' doesn't allow an argument\n${hint}`);
        set(spec, true);
      } else if (spec.arg === 'optional') {
        set(spec, eq >= 0 ? a.slice(eq + 1) : true);
      } else {
        if (eq >= 0) set(spec, a.slice(eq + 1));
        else if (i + 1 < argv.length) set(spec, argv[++i]);
        else throw new UsageError(`${po.prog}: option '--${name}' requires an argument\n${hint}`);
      }
      continue;
    }
    if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const ch = a[j];
        const spec = byShort.get(ch);
        if (!spec) throw new UsageError(`${po.prog}: invalid option -- '${ch}'\n${hint}`);
        if (spec.arg === 'none') {
          set(spec, true);
          continue;
        }
        const rest = a.slice(j + 1);
        if (spec.arg === 'optional') {
          // `-nu` combines flags when every remaining letter is an option (nsenter itself would open a file
          // named "u": a well-known trap); `-n=FILE` and `-nFILE` give the argument.
          if (rest.length && !rest.startsWith('=') && [...rest].every((c) => byShort.has(c))) {
            set(spec, true);
            continue;
          }
          set(spec, rest.length ? (rest.startsWith('=') ? rest.slice(1) : rest) : true);
        } else if (rest.length) {
          set(spec, rest);
        } else if (i + 1 < argv.length) {
          set(spec, argv[++i]);
        } else {
          throw new UsageError(`${po.prog}: option requires an argument -- '${ch}'\n${hint}`);
        }
        break;
      }
      continue;
    }
    positionals.push(a);
    if (po.stopAtPositional) {
      i++;
      break;
    }
  }
  for (; i < argv.length; i++) positionals.push(argv[i]);
  return { opts, seen, positionals };
}

/** Parse a decimal integer option value strictly (no junk, no sign unless allowed). */
export function parseIntArg(prog: string, what: string, v: string, opts: { min?: number; max?: number; unit?: string } = {}): number {
  if (!/^[+-]?\d+$/.test(v.trim())) throw new UsageError(`${prog}: invalid ${what} argument: '${v}'`);
  const n = Number(v.trim());
  if (!Number.isSafeInteger(n) || (opts.min !== undefined && n < opts.min) || (opts.max !== undefined && n > opts.max)) {
    // a number out of range: say which range
    const unit = opts.unit ? ` ${opts.unit}` : '';
    const range = opts.min !== undefined && opts.max !== undefined ? `${opts.min} to ${opts.max}${unit}` : opts.min !== undefined ? `at least ${opts.min}${unit}` : opts.max !== undefined ? `at most ${opts.max}${unit}` : 'too large';
    throw new UsageError(`${prog}: invalid ${what} argument: '${v}' (${range})`);
  }
  return n;
}
