/**
 * libsmartcols filter expressions (scols-filter(5), `lsns -Q/--filter`, util-linux 2.40+), pure.
 *
 * Grammar (libsmartcols filter-parser.y / filter-scanner.l):
 *   expr   := param | '(' expr ')' | expr (and|or) expr | not expr | expr CMP expr
 *   CMP    := == eq  != ne  < lt  <= le  > gt  >= ge  =~  !~          (any case for the words: and AND, eq EQ…)
 *   param  := NUMBER (unsigned, optional K/M/G/T/P/E/Z/Y[iB] suffix) | FLOAT | "string" | 'string' | true | false
 *           | HOLDER (a column name, [a-zA-Z][a-zA-Z_.%:/0-9-]*, matched case-insensitively)
 * Precedence as bison resolves it there: `and` and `or` share the lowest level (left to right); comparisons and
 * `not` share the next (left to right), so `not A == B` is `(not A) == B`. A bare param is true when not empty.
 *
 * Values: a holder has its column's type (number or string); an operation between a holder and a param uses the
 * param's type (number vs float: float). `=~`/`!~` match the left side against the right side's regular
 * expression (a string literal; searched anywhere, as regexec does). An empty cell compares unequal to everything
 * and is neither less nor greater.
 */
import { UsageError } from '../errors.js';

export type FilterValue = string | number | boolean | null;

type Tok =
  | { k: 'num'; v: number; pos: number; text: string }
  | { k: 'float'; v: number; pos: number; text: string }
  | { k: 'str'; v: string; pos: number; text: string }
  | { k: 'bool'; v: boolean; pos: number; text: string }
  | { k: 'id'; v: string; pos: number; text: string }
  | { k: 'op'; v: Op; pos: number; text: string }
  | { k: '(' | ')' | 'end'; pos: number; text: string };

type Op = 'and' | 'or' | 'not' | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge' | 're' | 'nre';

export type FilterNode =
  | { readonly kind: 'param'; readonly type: 'number' | 'float' | 'string' | 'boolean'; readonly value: number | string | boolean }
  | { readonly kind: 'holder'; readonly name: string }
  | { readonly kind: 'not'; readonly arg: FilterNode }
  | { readonly kind: 'bin'; readonly op: Exclude<Op, 'not'>; readonly left: FilterNode; readonly right: FilterNode; readonly regex?: RegExp };

const WORD_OPS: Readonly<Record<string, Op>> = {
  and: 'and', or: 'or', not: 'not', eq: 'eq', ne: 'ne', le: 'le', lt: 'lt', ge: 'ge', gt: 'gt',
};
const SYM_OPS: ReadonlyArray<readonly [string, Op]> = [
  ['&&', 'and'], ['||', 'or'], ['==', 'eq'], ['!=', 'ne'], ['<=', 'le'], ['>=', 'ge'], ['=~', 're'], ['!~', 'nre'],
  ['<', 'lt'], ['>', 'gt'], ['!', 'not'],
];
const SUFFIX = 'KMGTPEZY';

/** A syntax error: the message names the position (1-based column) and what was found there. */
export class FilterSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly position: number,
  ) {
    super(`${reason} at position ${position}`);
  }
}

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (c === ' ' || c === '\t' || c === '\n') {
      i++;
      continue;
    }
    const pos = i + 1;
    if (c === '(' || c === ')') {
      out.push({ k: c, pos, text: c });
      i++;
      continue;
    }
    if (c === '"' || c === "'") {
      const end = src.indexOf(c, i + 1);
      const nl = src.indexOf('\n', i + 1);
      if (end < 0 || (nl >= 0 && nl < end)) throw new FilterSyntaxError(`unterminated string ${src.slice(i, nl >= 0 ? nl : undefined)}`, pos);
      out.push({ k: 'str', v: src.slice(i + 1, end), pos, text: src.slice(i, end + 1) });
      i = end + 1;
      continue;
    }
    const sym = SYM_OPS.find(([s]) => src.startsWith(s, i));
    if (sym) {
      out.push({ k: 'op', v: sym[1], pos, text: sym[0] });
      i += sym[0].length;
      continue;
    }
    if (/[0-9]/.test(c)) {
      const m = /^([0-9]+)(?:(\.[0-9]+)|([KMGTPEZY])(iB)?)?/.exec(src.slice(i))!;
      const text = m[0];
      if (m[2] !== undefined) out.push({ k: 'float', v: Number(text), pos, text });
      else {
        let v = Number(m[1]);
        if (m[3]) v *= 1024 ** (SUFFIX.indexOf(m[3]) + 1);
        if (!Number.isFinite(v) || v > 2 ** 64) throw new FilterSyntaxError(`"${text}" number too large`, pos);
        out.push({ k: 'num', v, pos, text });
      }
      i += text.length;
      continue;
    }
    if (/[a-zA-Z]/.test(c)) {
      const text = /^[a-zA-Z][a-zA-Z_.%:/\-0-9]*/.exec(src.slice(i))![0];
      const lower = text.toLowerCase();
      // the scanner knows the words in lower and upper case (and, AND), not mixed; column names are any case
      const word = text === lower || text === text.toUpperCase() ? lower : undefined;
      if (word && WORD_OPS[word]) out.push({ k: 'op', v: WORD_OPS[word], pos, text });
      else if (word === 'true' || word === 'false') out.push({ k: 'bool', v: word === 'true', pos, text });
      else out.push({ k: 'id', v: text, pos, text });
      i += text.length;
      continue;
    }
    throw new FilterSyntaxError(`unexpected character '${c}'`, pos);
  }
  out.push({ k: 'end', pos: src.length + 1, text: 'end of expression' });
  return out;
}

const CMP: ReadonlySet<Op> = new Set(['eq', 'ne', 'lt', 'le', 'gt', 'ge', 're', 'nre']);

function describe(t: Tok): string {
  return t.k === 'end' ? 'end of expression' : `'${t.text}'`;
}

/** Parse an expression. Throws FilterSyntaxError. An empty expression is null (libsmartcols: no filter). */
export function parseFilter(src: string): FilterNode | null {
  if (src.trim() === '') return null;
  if (src.length > 1024) throw new FilterSyntaxError('expression longer than 1024 bytes', 1025);
  const toks = tokenize(src);
  let p = 0;
  let nodes = 0;
  const count = (n: FilterNode): FilterNode => {
    if (++nodes > 256) throw new FilterSyntaxError('more than 256 nodes in the expression', toks[p]?.pos ?? 1);
    return n;
  };
  const expectOperand = (t: Tok): never => {
    throw new FilterSyntaxError(`syntax error, unexpected ${describe(t)}, expecting a column name, a number, a string, true, false, 'not' or '('`, t.pos);
  };
  const primary = (depth: number): FilterNode => {
    if (depth > 200) throw new FilterSyntaxError('expression nested too deeply', toks[p].pos);
    const t = toks[p];
    if (t.k === 'op' && t.v === 'not') {
      p++;
      return count({ kind: 'not', arg: primary(depth + 1) });
    }
    if (t.k === '(') {
      p++;
      const e = orAnd(depth + 1);
      const c = toks[p];
      if (c.k !== ')') throw new FilterSyntaxError(`syntax error, unexpected ${describe(c)}, expecting ')' (to close the '(' at position ${t.pos})`, c.pos);
      p++;
      return e;
    }
    p++;
    switch (t.k) {
      case 'num':
        return count({ kind: 'param', type: 'number', value: t.v });
      case 'float':
        return count({ kind: 'param', type: 'float', value: t.v });
      case 'str':
        return count({ kind: 'param', type: 'string', value: t.v });
      case 'bool':
        return count({ kind: 'param', type: 'boolean', value: t.v });
      case 'id':
        return count({ kind: 'holder', name: t.v });
      default:
        p--;
        return expectOperand(t);
    }
  };
  const cmp = (depth: number): FilterNode => {
    let left = primary(depth);
    for (;;) {
      const t = toks[p];
      if (t.k !== 'op' || !CMP.has(t.v)) return left;
      p++;
      const right = primary(depth);
      const op = t.v as Exclude<Op, 'not'>;
      let regex: RegExp | undefined;
      if (op === 're' || op === 'nre') {
        if (right.kind !== 'param' || right.type !== 'string')
          throw new FilterSyntaxError(`the right side of '${t.text}' must be a string (a regular expression)`, t.pos);
        if ((right.value as string).length > 256) throw new FilterSyntaxError('regular expression longer than 256 bytes', t.pos);
        try {
          regex = new RegExp(right.value as string);
        } catch (e) {
          throw new FilterSyntaxError(`invalid regular expression ${JSON.stringify(right.value)}: ${(e as Error).message}`, t.pos);
        }
      }
      left = count({ kind: 'bin', op, left, right, ...(regex ? { regex } : {}) });
    }
  };
  const orAnd = (depth: number): FilterNode => {
    let left = cmp(depth);
    for (;;) {
      const t = toks[p];
      if (t.k !== 'op' || (t.v !== 'and' && t.v !== 'or')) return left;
      p++;
      left = count({ kind: 'bin', op: t.v, left, right: cmp(depth) });
    }
  };
  const root = orAnd(0);
  const rest = toks[p];
  if (rest.k !== 'end') {
    if (rest.k === 'op' && rest.v === 'not') throw new FilterSyntaxError(`syntax error, unexpected ${describe(rest)}, expecting an operator ('and', 'or', '==', …)`, rest.pos);
    throw new FilterSyntaxError(`syntax error, unexpected ${describe(rest)}, expecting an operator ('and', 'or', '==', …) or end of expression`, rest.pos);
  }
  return root;
}

/** The column names an expression refers to (as written). */
export function filterHolders(n: FilterNode | null, out: string[] = []): string[] {
  if (!n) return out;
  if (n.kind === 'holder') out.push(n.name);
  else if (n.kind === 'not') filterHolders(n.arg, out);
  else if (n.kind === 'bin') {
    filterHolders(n.left, out);
    filterHolders(n.right, out);
  }
  return out;
}

/** A holder's value and type for one row: null/undefined = empty cell. */
export type HolderLookup = (name: string) => { readonly type: 'number' | 'string'; readonly value: FilterValue | undefined };

type Val = { type: 'number' | 'float' | 'string' | 'boolean'; value: number | string | boolean | null };

function valueOf(n: FilterNode, look: HolderLookup): Val {
  if (n.kind === 'param') return { type: n.type, value: n.value };
  if (n.kind === 'holder') {
    const h = look(n.name);
    const v = h.value ?? null;
    if (v === null || v === '') return { type: h.type, value: null };
    if (h.type === 'number') {
      const num = typeof v === 'number' ? v : Number(v);
      return Number.isFinite(num) ? { type: 'number', value: num } : { type: 'string', value: String(v) };
    }
    return { type: 'string', value: String(v) };
  }
  return { type: 'boolean', value: evalNode(n, look) };
}

function truthy(v: Val): boolean {
  if (v.value === null) return false;
  if (v.type === 'boolean') return v.value === true;
  if (v.type === 'string') return v.value !== '';
  return true; // a number is "not empty"
}

/** Cast `v` to `type` (null when it cannot be). */
function cast(v: Val, type: Val['type']): number | string | boolean | null {
  if (v.value === null) return null;
  if (type === v.type || (type === 'float' && v.type === 'number') || (type === 'number' && v.type === 'float')) return v.value;
  if (type === 'string') return String(v.value);
  if (type === 'boolean') return truthy(v);
  const n = typeof v.value === 'boolean' ? Number(v.value) : Number(v.value);
  return typeof v.value === 'string' && v.value.trim() === '' ? null : Number.isFinite(n) ? n : null;
}

function compare(op: Op, l: Val, r: Val): boolean {
  // (the caller already cast a holder to a param's type) number with float: float; mixed: string
  const type: Val['type'] =
    l.type === 'float' || r.type === 'float' ? 'float' : l.type === r.type ? l.type : l.type === 'string' || r.type === 'string' ? 'string' : l.type;
  const a = cast(l, type);
  const b = cast(r, type);
  if (a === null || b === null) return op === 'ne' ? a !== b : false;
  switch (op) {
    case 'eq':
      return a === b;
    case 'ne':
      return a !== b;
    case 'lt':
      return a < b;
    case 'le':
      return a <= b;
    case 'gt':
      return a > b;
    case 'ge':
      return a >= b;
    default:
      return false;
  }
}

/** Evaluate an expression for one row. */
export function evalNode(n: FilterNode, look: HolderLookup): boolean {
  switch (n.kind) {
    case 'param':
    case 'holder':
      return truthy(valueOf(n, look));
    case 'not':
      return !evalNode(n.arg, look);
    case 'bin': {
      if (n.op === 'and') return evalNode(n.left, look) && evalNode(n.right, look);
      if (n.op === 'or') return evalNode(n.left, look) || evalNode(n.right, look);
      const l = valueOf(n.left, look);
      if (n.op === 're' || n.op === 'nre') {
        const s = l.value === null ? null : String(l.value);
        const m = s !== null && n.regex!.test(s);
        return n.op === 're' ? m : s !== null && !m;
      }
      const r = valueOf(n.right, look);
      // param type preference: a param decides the type of the comparison
      const lp = n.left.kind === 'param';
      const rp = n.right.kind === 'param';
      if (rp && !lp) return compare(n.op, { type: r.type, value: cast(l, r.type) }, r);
      if (lp && !rp) return compare(n.op, l, { type: l.type, value: cast(r, l.type) });
      return compare(n.op, l, r);
    }
  }
}

/**
 * Parse for a command: a syntax error becomes a UsageError naming the expression and the position, e.g.
 * `nsx ls: failed to parse "NS == and": syntax error, unexpected 'and', expecting … at position 7`.
 */
export function parseFilterArg(prog: string, src: string): FilterNode | null {
  try {
    return parseFilter(src);
  } catch (e) {
    if (e instanceof FilterSyntaxError) {
      throw new UsageError(`${prog}: failed to parse ${JSON.stringify(src)}: ${e.reason} at position ${e.position}`);
    }
    throw e;
  }
}
