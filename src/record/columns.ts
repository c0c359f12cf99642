/**
 * The frame codec of the recording (docs/record.md, "Frames"): what changed between two recorded states, as
 * columns. Pure, no I/O, no clock.
 *
 * An entity (the host, a cgroup by path, a process by PID and start time, a namespace by inode) is a plain
 * object (a `CgroupSample`, a `ProcessSample`, …). It is flattened into leaves: a column per leaf path
 * (`cpu/usage_usec`, `memory/stat/anon`, `io/devices/0/rbytes`), named in the stream by its path as a JSON array
 * (numbers are array indices), so the decoder rebuilds whatever shape was recorded — fields added by a later
 * nsx are columns like any other, and an earlier nsx's recording simply lacks them (absent stays absent).
 * Some paths are atoms (`argv`, `ns`, `cgroups`, `identity`, …): their whole value is one JSON string, interned.
 *
 * A frame holds, per kind of entity: the entities added (their keys), those removed, then per column the
 * entities whose value changed and the new values: integers as zigzag deltas from the entity's previous value,
 * decimals with two places as scaled deltas, strings as ids in a table that grows within a chunk, other doubles
 * as 8 bytes. A value is written only when it changed. A keyframe starts a chunk: its tables start empty and it
 * holds every entity in full, so decoding can start there.
 */
import { ByteReader, ByteWriter, CorruptRecord, SVAR_MAX } from './bytes.js';

/** A leaf value. */
export type Val = number | bigint | string | boolean | null;

/** Kinds of entity, in frame order. */
export const KIND_HOST = 0;
export const KIND_CGROUP = 1;
export const KIND_PROCESS = 2;
export const KIND_NAMESPACE = 3;
export const KINDS = 4;

/** Value tags. */
const T_DEL = 0;
const T_INT = 1;
const T_F64 = 2;
const T_STR = 3;
const T_BIG = 4;
const T_FALSE = 5;
const T_TRUE = 6;
const T_NULL = 7;
const T_DEC2 = 8;
const T_INTABS = 9;
const T_INTNEG = 10;

/** Paths (joined by '/') whose whole value is one interned JSON string, per kind. */
export const ATOMS: readonly ReadonlySet<string>[] = [
  new Set(['layout', 'users', 'devices', 'denied', 'kernel_log']),
  new Set(['io/max', 'errors', 'identity']),
  new Set(['argv', 'nspid', 'ns', 'cgroups', 'identity']),
  new Set(['nsfs', 'fds', 'sockets']),
];

/** Key of a processes' entity: PID and start time (ticks after boot). */
export function processKey(pid: number, starttime: number | undefined): string {
  return `${pid}:${starttime ?? ''}`;
}

// ---------------------------------------------------------------------------------------------------- flatten

/** One leaf of a flattened object: its column key (path segments joined by \0; array indices as \x01N) and value. */
type Leaves = Map<string, Val>;

/** The JSON text of atom values by object (samples are immutable: the layout, a command line, an identity repeat). */
const atomText = new WeakMap<object, string>();
const atomTexts = new Map<string, string>();

/** Column key → path array, kept for every key ever seen (keys are few: a few hundred per kind). */
const pathOfKey = new Map<string, (string | number)[]>();

function walk(v: unknown, key: string, path: (string | number)[], atoms: ReadonlySet<string>, atomKey: string, out: Leaves): void {
  if (v === undefined) return;
  if (v === null || typeof v !== 'object') {
    if (typeof v === 'function' || typeof v === 'symbol') return;
    out.set(key, v as Val);
    if (!pathOfKey.has(key)) pathOfKey.set(key, [...path]);
    return;
  }
  if (atomKey !== '' && atoms.has(atomKey)) {
    let j = atomText.get(v);
    if (j === undefined) {
      // one string per distinct text (thousands of processes share namespaces, command lines, cgroups)
      const t = '\u0000' + JSON.stringify(v);
      j = atomTexts.get(t);
      if (j === undefined) {
        if (atomTexts.size > 100_000) atomTexts.clear();
        atomTexts.set(t, (j = t));
      }
      atomText.set(v, j);
    }
    out.set(key, j);
    if (!pathOfKey.has(key)) pathOfKey.set(key, [...path]);
    return;
  }
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      path.push(i);
      walk(v[i], key + '\u0001' + i, path, atoms, atomKey + '/#', out);
      path.pop();
    }
    return;
  }
  for (const k of Object.keys(v as object)) {
    path.push(k);
    walk((v as Record<string, unknown>)[k], key === '' ? k : key + '\u0000' + k, path, atoms, atomKey === '' ? k : atomKey + '/' + k, out);
    path.pop();
  }
}

/**
 * The leaves of an entity's object. Atom values are marked with a leading NUL (a JSON text), so that a string
 * leaf and an atom never compare equal.
 */
export function flatten(o: object, atoms: ReadonlySet<string>): Leaves {
  const out: Leaves = new Map();
  walk(o, '', [], atoms, '', out);
  return out;
}

/** Rebuild an object from (path, value) leaves. Atoms (a string starting with NUL) are parsed back. */
export function unflatten(leaves: Iterable<readonly [readonly (string | number)[], Val]>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let arrays = false;
  for (const [path, raw] of leaves) {
    let v: unknown = raw;
    if (typeof raw === 'string' && raw.charCodeAt(0) === 0) v = atomValue(raw);
    let at: Record<string | number, unknown> = root;
    for (let i = 0; i < path.length - 1; i++) {
      const k = path[i];
      let next = at[k] as Record<string | number, unknown> | undefined;
      if (next === undefined || next === null || typeof next !== 'object') {
        if (typeof path[i + 1] === 'number') {
          next = [] as unknown as Record<number, unknown>;
          arrays = true;
        } else next = {};
        at[k] = next;
      }
      at = next;
    }
    if (path.length === 0) continue;
    at[path[path.length - 1]] = v;
  }
  return (arrays ? compactArrays(root) : root) as Record<string, unknown>;
}

/**
 * `unflatten` of an entity's values by column (the decoder's hot path: a keyframe rebuilds every entity): the
 * same object, in column order, built without intermediate pairs; arrays with holes (an element without leaves)
 * are closed up in place.
 */
function build(paths: readonly (readonly (string | number)[])[], vals: readonly (Val | undefined)[]): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  let arrays: unknown[][] | undefined;
  for (let col = 0; col < vals.length; col++) {
    const raw = vals[col];
    if (raw === undefined) continue;
    const path = paths[col];
    const n = path.length;
    if (n === 0) continue;
    const v: unknown = typeof raw === 'string' && raw.charCodeAt(0) === 0 ? atomValue(raw) : raw;
    let at: Record<string | number, unknown> = root;
    for (let i = 0; i < n - 1; i++) {
      const k = path[i];
      let next = at[k] as Record<string | number, unknown> | undefined;
      if (next === undefined || next === null || typeof next !== 'object') {
        if (typeof path[i + 1] === 'number') {
          const a: unknown[] = [];
          (arrays ??= []).push(a);
          next = a as unknown as Record<number, unknown>;
        } else next = {};
        at[k] = next;
      }
      at = next;
    }
    at[path[n - 1]] = v;
  }
  if (arrays) {
    for (const a of arrays) {
      let holes = false;
      for (let i = 0; i < a.length; i++) if (!(i in a)) holes = true;
      if (!holes) continue;
      let j = 0;
      for (let i = 0; i < a.length; i++) if (i in a) a[j++] = a[i];
      a.length = j;
    }
  }
  return root;
}

/**
 * The value of an atom's text, parsed once per text (thousands of processes share a command line, namespaces,
 * cgroups): the same object for the same text. Values are frozen: they are shared.
 */
const atomValues = new Map<string, unknown>();
function atomValue(text: string): unknown {
  let v = atomValues.get(text);
  if (v === undefined) {
    v = deepFreeze(parseJson(text.slice(1), 'a recorded value'));
    if (atomValues.size > 50_000) atomValues.clear();
    atomValues.set(text, v);
  }
  return v;
}

function deepFreeze<T>(v: T): T {
  if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const x of Object.values(v)) deepFreeze(x);
  }
  return v;
}

/** A path segment a decoder accepts: an object key (not one that reaches a prototype) or an array index. */
function isSegment(s: unknown): boolean {
  if (typeof s === 'number') return Number.isInteger(s) && s >= 0 && s < 65536;
  return typeof s === 'string' && s !== '__proto__' && s !== 'constructor' && s !== 'prototype';
}

/** JSON.parse, a syntax error being a corrupt record. */
export function parseJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    if (e instanceof SyntaxError) throw new CorruptRecord(`${what} is not valid JSON`);
    throw e;
  }
}

/** Arrays rebuilt by index may have holes where an element had no leaves: drop them. */
function compactArrays(v: unknown): unknown {
  // an atom's value (frozen, shared) is whole already
  if (v !== null && typeof v === 'object' && Object.isFrozen(v)) return v;
  if (Array.isArray(v)) {
    const out: unknown[] = [];
    for (let i = 0; i < v.length; i++) if (i in v) out.push(compactArrays(v[i]));
    return out;
  }
  if (v !== null && typeof v === 'object') {
    for (const k of Object.keys(v)) (v as Record<string, unknown>)[k] = compactArrays((v as Record<string, unknown>)[k]);
  }
  return v;
}

// ---------------------------------------------------------------------------------------------------- encoder

interface EncEntity {
  readonly slot: number;
  /**
   * the object last written (the same object again is unchanged: samplers hand back the same object while its
   * files are unchanged). Its values are what the decoder holds: a changed object is diffed against it (samples
   * are immutable), so the encoder keeps no copy of the values.
   */
  obj: object | undefined;
  /** the frame that last saw it */
  seen: number;
}

interface EncKind {
  readonly atoms: ReadonlySet<string>;
  readonly columns: Map<string, number>;
  readonly entities: Map<string, EncEntity>;
  /** live entities by the object last written for them (see `putKnown`) */
  readonly byObj: Map<object, EncEntity>;
  nextSlot: number;
}

interface ColumnChange {
  slots: number[];
  vals: Val[];
  prev: (Val | undefined)[];
}

/** Is `v` a decimal with at most two places (PSI averages, uptimes) that scaled stays a safe integer? */
function dec2(v: number): number | undefined {
  const s = Math.round(v * 100);
  // exactly the double that the decimal s/100 reads as (the kernel prints PSI averages with two places)
  return s / 100 === v && Number.isSafeInteger(s) ? s : undefined;
}

/**
 * The encoder of one chunk's frames (see the module comment). Feed each frame's entities with `put`, then
 * `finish()` gives the frame's raw bytes. `keyframe()` starts a new chunk.
 */
export class FrameEncoder {
  private kinds: EncKind[] = [];
  private strings = new Map<string, number>();
  private newStrings: string[] = [];
  private newColumns: { kind: number; path: string }[] = [];
  private changes: Map<number, ColumnChange>[] = [];
  private added: ByteWriter[] = [];
  private addedCount: number[] = [];
  private events: string[] = [];
  private frame = 0;
  private key = true;

  constructor() {
    this.keyframe();
  }

  /** Start a new chunk with the next frame: empty tables, every entity written in full. */
  keyframe(): void {
    this.kinds = ATOMS.map((atoms) => ({ atoms, columns: new Map(), entities: new Map(), byObj: new Map(), nextSlot: 0 }));
    this.strings = new Map();
    this.key = true;
    this.begin();
  }

  /** Will the next frame be a keyframe? */
  get isKeyframe(): boolean {
    return this.key;
  }

  private begin(): void {
    this.frame++;
    this.newStrings = [];
    this.newColumns = [];
    this.changes = ATOMS.map(() => new Map());
    this.added = ATOMS.map(() => new ByteWriter(256));
    this.addedCount = ATOMS.map(() => 0);
    this.events = [];
  }

  private stringId(s: string): number {
    let id = this.strings.get(s);
    if (id === undefined) {
      id = this.strings.size;
      this.strings.set(s, id);
      this.newStrings.push(s);
    }
    return id;
  }

  private column(kind: number, key: string): number {
    const k = this.kinds[kind];
    let id = k.columns.get(key);
    if (id === undefined) {
      id = k.columns.size;
      k.columns.set(key, id);
      this.newColumns.push({ kind, path: JSON.stringify(pathOfKey.get(key)) });
    }
    return id;
  }

  /**
   * The entity `key` of `kind` has object `o` in this frame. `writeKey` writes its identity (path, PID and start
   * time, inode) when it is new. The same object as last frame costs nothing.
   */
  put(kind: number, key: string, o: object, writeKey: (w: ByteWriter, strId: (s: string) => number) => void): void {
    const k = this.kinds[kind];
    let e = k.entities.get(key);
    if (e === undefined) {
      e = { slot: k.nextSlot++, obj: undefined, seen: this.frame };
      k.entities.set(key, e);
      writeKey(this.added[kind], (s) => this.stringId(s));
      this.addedCount[kind]++;
    }
    e.seen = this.frame;
    if (e.obj === o) return;
    const before = e.obj === undefined ? EMPTY_LEAVES : flatten(e.obj, k.atoms);
    if (e.obj !== undefined && k.byObj.get(e.obj) === e) k.byObj.delete(e.obj);
    e.obj = o;
    k.byObj.set(o, e);
    const leaves = flatten(o, k.atoms);
    const ch = this.changes[kind];
    const slot = e.slot;
    const note = (col: number, v: Val, prev: Val | undefined) => {
      let c = ch.get(col);
      if (!c) ch.set(col, (c = { slots: [], vals: [], prev: [] }));
      c.slots.push(slot);
      c.vals.push(v);
      c.prev.push(prev);
    };
    for (const [lk, v] of leaves) {
      const old = before.get(lk);
      if (old !== v || (old === undefined && !before.has(lk))) note(this.column(kind, lk), v, old);
    }
    for (const [lk, old] of before) if (!leaves.has(lk)) note(this.column(kind, lk), DELETED, old);
  }

  /**
   * `put` of an object written last frame, without its key: true when `o` is the object last written for a live
   * entity of `kind` (it is then seen in this frame, unchanged); false when the caller must `put` it. Only for
   * kinds whose key is a function of the object (a process's PID and start time, a cgroup's path, an inode): no
   * two entities can then share an object. Saves making the key and its writer for every unchanged entity.
   */
  putKnown(kind: number, o: object): boolean {
    const e = this.kinds[kind].byObj.get(o);
    if (e === undefined || e.obj !== o) return false;
    e.seen = this.frame;
    return true;
  }

  /** A kernel event (OOM kill, fork rejected) as a JSON text. */
  event(json: string): void {
    this.events.push(json);
  }

  /** End the frame: entities not `put` in it are removed. The frame's raw bytes. */
  finish(): { raw: Buffer; keyframe: boolean } {
    const w = new ByteWriter(16384);
    // entity sections first (they intern strings), then the tables, so that the decoder reads tables first;
    // each kind's section is preceded by its length, so that a reader that needs only some kinds skips the others
    const body = new ByteWriter(16384);
    const sec = new ByteWriter(16384);
    for (let kind = 0; kind < KINDS; kind++) {
      const k = this.kinds[kind];
      sec.reset();
      sec.uvar(this.addedCount[kind]);
      sec.bytes(this.added[kind].view());
      const removed: number[] = [];
      for (const [key, e] of k.entities) {
        if (e.seen !== this.frame) {
          removed.push(e.slot);
          k.entities.delete(key);
          if (e.obj !== undefined && k.byObj.get(e.obj) === e) k.byObj.delete(e.obj);
        }
      }
      removed.sort((a, b) => a - b);
      sec.uvar(removed.length);
      let last = -1;
      for (const s of removed) {
        sec.uvar(s - last - 1);
        last = s;
      }
      const cols = [...this.changes[kind].keys()].sort((a, b) => a - b);
      sec.uvar(cols.length);
      let lastCol = -1;
      for (const col of cols) {
        const c = this.changes[kind].get(col)!;
        sec.uvar(col - lastCol - 1);
        lastCol = col;
        const order = c.slots.map((_, i) => i);
        order.sort((a, b) => c.slots[a] - c.slots[b]);
        sec.uvar(order.length);
        let ls = -1;
        for (const i of order) {
          sec.uvar(c.slots[i] - ls - 1);
          ls = c.slots[i];
        }
        for (const i of order) this.value(sec, c.vals[i], c.prev[i]);
      }
      body.uvar(sec.length);
      body.bytes(sec.view());
    }
    body.uvar(this.events.length);
    for (const e of this.events) body.uvar(this.stringId(e));
    w.byte(this.key ? 1 : 0);
    w.uvar(this.newStrings.length);
    for (const s of this.newStrings) w.str(s);
    w.uvar(this.newColumns.length);
    for (const c of this.newColumns) {
      w.uvar(c.kind);
      w.str(c.path);
    }
    w.bytes(body.view());
    const keyframe = this.key;
    this.key = false;
    const raw = w.take();
    this.begin();
    return { raw, keyframe };
  }


  private value(w: ByteWriter, v: Val, prev: Val | undefined): void {
    if (v === DELETED) {
      w.byte(T_DEL);
      return;
    }
    switch (typeof v) {
      case 'number': {
        if (Number.isSafeInteger(v)) {
          const base = typeof prev === 'number' && Number.isSafeInteger(prev) ? prev : 0;
          const d = v - base;
          if (Math.abs(d) <= SVAR_MAX) {
            w.byte(T_INT);
            w.svar(d);
          } else {
            // too far from the previous value for a zigzag delta: the magnitude, the sign in the tag
            w.byte(v < 0 ? T_INTNEG : T_INTABS);
            w.uvar(Math.abs(v));
          }
          return;
        }
        const s = dec2(v);
        if (s !== undefined) {
          const ps = typeof prev === 'number' ? dec2(prev) : undefined;
          const d = s - (ps ?? 0);
          if (Math.abs(d) <= SVAR_MAX) {
            w.byte(T_DEC2);
            w.svar(d);
            return;
          }
        }
        w.byte(T_F64);
        w.f64(v);
        return;
      }
      case 'string':
        w.byte(T_STR);
        w.uvar(this.stringId(v));
        return;
      case 'bigint':
        w.byte(T_BIG);
        w.str(v.toString());
        return;
      case 'boolean':
        w.byte(v ? T_TRUE : T_FALSE);
        return;
      default:
        w.byte(T_NULL);
    }
  }
}

const EMPTY_LEAVES: Leaves = new Map();

/** The deleted marker inside the encoder (never a recorded value: a NUL-only string cannot be an atom). */
const DELETED = '\u0000\u0000deleted' as Val;

// ---------------------------------------------------------------------------------------------------- decoder

export interface DecEntity {
  /** the key as written: a path, `PID:STARTTIME`, an inode, or '' for the host */
  readonly key: string;
  /** column id → value (undefined: no value; a plain array, indexed by the kind's dense column ids) */
  readonly vals: (Val | undefined)[];
  /** the number of the last frame that changed it (so that `changed` lists it once) */
  stamp?: number;
  /** what a reader derived from `obj` (src/record/state.ts), valid while `memo.o === obj` */
  memo?: { readonly o: object };
  /** the object rebuilt from `vals` (dropped when a value changes) */
  obj?: Record<string, unknown>;
}

export interface DecKind {
  /** column id → path */
  readonly paths: (string | number)[][];
  /** slot → entity (undefined once removed) */
  readonly slots: (DecEntity | undefined)[];
  /**
   * object builders by the set of columns an entity has values in (see `compileShape`; null: built leaf by
   * leaf), by a hash of that set
   */
  readonly shapes: Map<number, { readonly n: number; readonly cols: readonly number[]; readonly fn: ShapeBuilder | null }[]>;
  shapeCount: number;
}

/** Does `vals` have values in exactly the columns `cols` (ascending)? */
function sameColumns(cols: readonly number[], vals: readonly (Val | undefined)[]): boolean {
  let i = 0;
  for (let col = 0; col < vals.length; col++) {
    if (vals[col] === undefined) continue;
    if (cols[i++] !== col) return false;
  }
  return i === cols.length;
}

/** Builds an entity's object from its values (`a` turns an atom's text into its value). */
type ShapeBuilder = (v: readonly (Val | undefined)[], a: (x: Val | undefined) => unknown) => Record<string, unknown>;

const leafValue = (x: Val | undefined): unknown => (typeof x === 'string' && x.charCodeAt(0) === 0 ? atomValue(x) : x);

/** Builders made per chunk at most (a chunk's entities have a few shapes: a cgroup's controllers, a process's parts). */
const MAX_SHAPES = 512;

interface ShapeNode {
  readonly array: boolean;
  readonly children: Map<string | number, ShapeNode | number>;
}

/**
 * A builder of the object that `build` makes from values in exactly the columns of `vals` that have one: one
 * object literal (compiled once per shape, so that thousands of cgroups with the same files cost one literal
 * each instead of a property store per leaf). null when the paths do not make a plain tree (a leaf and a
 * container at one path, a name inside an array): `build` then does what it does.
 */
function compileShape(paths: readonly (readonly (string | number)[])[], vals: readonly (Val | undefined)[]): ShapeBuilder | null {
  const root: ShapeNode = { array: false, children: new Map() };
  for (let col = 0; col < vals.length; col++) {
    if (vals[col] === undefined) continue;
    const path = paths[col];
    let at = root;
    for (let i = 0; i < path.length; i++) {
      const k = path[i];
      if (at.array && typeof k !== 'number') return null;
      const c = at.children.get(k);
      if (i === path.length - 1) {
        if (c !== undefined) return null;
        at.children.set(k, col);
        break;
      }
      if (c === undefined) {
        const n: ShapeNode = { array: typeof path[i + 1] === 'number', children: new Map() };
        at.children.set(k, n);
        at = n;
      } else if (typeof c === 'number') return null;
      else at = c;
    }
  }
  const emit = (n: ShapeNode | number): string => {
    // a leaf: its value, or an atom's (a string starting with NUL) parsed; inline, no call per leaf
    if (typeof n === 'number') return `(typeof (x = v[${n}]) === 'string' && x.charCodeAt(0) === 0 ? a(x) : x)`;
    if (n.array) return `[${[...n.children].sort((x, y) => (x[0] as number) - (y[0] as number)).map(([, c]) => emit(c)).join(',')}]`;
    return `{${[...n.children].map(([k, c]) => `${JSON.stringify(String(k))}:${emit(c)}`).join(',')}}`;
  };
  // the names are JSON strings of path segments a decoder accepted (isSegment: no __proto__): plain data keys
  return new Function('v', 'a', `let x; return ${emit(root)};`) as ShapeBuilder;
}

/** What one frame changed: entities added, removed (with their last object) and changed, per kind, and its events. */
export interface FrameChanges {
  readonly keyframe: boolean;
  readonly added: DecEntity[][];
  readonly removed: DecEntity[][];
  readonly changed: Set<DecEntity>[];
  readonly events: string[];
}

/** The decoder of one chunk (see FrameEncoder). `apply(raw)` each frame in order, from a keyframe. */
export class FrameDecoder {
  kinds: DecKind[] = [];
  /**
   * the chunk's strings: decoded when first used (a view that skips processes never decodes their command
   * lines); until then where their bytes are: the frame's raw buffer and the start and end in it (no object per
   * string: a keyframe declares thousands)
   */
  private strings: (string | undefined)[] = [];
  private strBuf: Buffer[] = [];
  private strAt: number[] = [];
  private started = false;

  /** `only`: the kinds to decode (the others' sections are skipped: their entities stay unknown). Default: all. */
  constructor(private readonly only?: ReadonlySet<number>) {}

  /** frames applied (entities changed by a frame carry its number) */
  private applied = 0;

  /** Apply a frame. A delta frame before any keyframe is refused (CorruptRecord). */
  apply(raw: Buffer): FrameChanges {
    const r = new ByteReader(raw);
    const stamp = ++this.applied;
    const keyframe = r.byte() === 1;
    if (keyframe) {
      this.kinds = ATOMS.map(() => ({ paths: [], slots: [], shapes: new Map(), shapeCount: 0 }));
      this.strings = [];
      this.strBuf = [];
      this.strAt = [];
      this.started = true;
    } else if (!this.started) throw new CorruptRecord('a delta frame without its keyframe');
    const ns = r.count();
    for (let i = 0; i < ns; i++) {
      const len = r.uvar();
      if (len > r.left) throw new CorruptRecord('a string runs past the end of its block');
      this.strings.push(undefined);
      this.strBuf.push(raw);
      this.strAt.push(r.pos, r.pos + len);
      r.pos += len;
    }
    const nc = r.count();
    for (let i = 0; i < nc; i++) {
      const kind = r.uvar();
      if (kind >= KINDS) throw new CorruptRecord(`unknown entity kind ${kind}`);
      const path = parseJson(r.str(), 'a column name');
      if (!Array.isArray(path) || path.length === 0 || !path.every(isSegment)) throw new CorruptRecord('a column name is not a path');
      this.kinds[kind].paths.push(path as (string | number)[]);
    }
    const out: FrameChanges = { keyframe, added: [], removed: [], changed: [], events: [] };
    for (let kind = 0; kind < KINDS; kind++) {
      const k = this.kinds[kind];
      const len = r.count();
      const end = r.pos + len;
      if (this.only && !this.only.has(kind)) {
        r.pos = end;
        out.added.push([]);
        out.removed.push([]);
        out.changed.push(new Set());
        continue;
      }
      const added: DecEntity[] = [];
      const na = r.count();
      for (let i = 0; i < na; i++) {
        const e: DecEntity = { key: this.readKey(r, kind), vals: new Array<Val | undefined>(k.paths.length), stamp: 0 };
        k.slots.push(e);
        added.push(e);
      }
      const removed: DecEntity[] = [];
      const nr = r.count();
      let s = -1;
      for (let i = 0; i < nr; i++) {
        s += r.uvar() + 1;
        const e = k.slots[s];
        if (!e) throw new CorruptRecord('a removed entity that does not exist');
        removed.push(e);
        k.slots[s] = undefined;
      }
      const changed = new Set<DecEntity>();
      const ncols = r.count();
      let col = -1;
      for (let i = 0; i < ncols; i++) {
        col += r.uvar() + 1;
        if (col >= k.paths.length) throw new CorruptRecord('a value of an undeclared column');
        const n = r.count();
        const slots: number[] = new Array(n);
        let sl = -1;
        for (let j = 0; j < n; j++) {
          sl += r.uvar() + 1;
          slots[j] = sl;
        }
        this.column(r, k, col, slots, stamp, changed);
      }
      if (r.pos !== end) throw new CorruptRecord('an entity section does not end where its length says');
      out.added.push(added);
      out.removed.push(removed);
      out.changed.push(changed);
    }
    const ne = r.count();
    for (let i = 0; i < ne; i++) out.events.push(this.string(r.uvar()));
    if (!r.done) throw new CorruptRecord('bytes left after the end of a frame');
    return out;
  }

  /**
   * The values of one column for the entities in `slots` (a small function of its own: the loop that decodes a
   * keyframe's ~100,000 values is optimised early, not after the whole of `apply`).
   */
  private column(r: ByteReader, k: DecKind, col: number, slots: readonly number[], stamp: number, changed: Set<DecEntity>): void {
    const buf = r.buf;
    for (let j = 0; j < slots.length; j++) {
      const e = k.slots[slots[j]];
      if (!e) throw new CorruptRecord('a value of an entity that does not exist');
      const was = e.vals[col];
      // the common case inline: an integer delta whose varint ends within the frame (else value() reads it,
      // with every check)
      let v: Val | undefined;
      const p = r.pos;
      if (buf[p] === T_INT && p + 10 <= r.end) {
        let q = p + 1;
        let b = buf[q++];
        let z = b & 0x7f;
        let mul = 0x80;
        while (b >= 0x80 && q - p <= 8) {
          b = buf[q++];
          z += (b & 0x7f) * mul;
          mul *= 0x80;
        }
        if (b < 0x80) {
          r.pos = q;
          v = (typeof was === 'number' && Number.isSafeInteger(was) ? was : 0) + (z % 2 === 0 ? z / 2 : -(z + 1) / 2);
        }
      }
      if (v === undefined) v = this.value(r, was);
      e.vals[col] = v === DELETED ? undefined : v;
      if (e.stamp !== stamp) {
        e.stamp = stamp;
        e.obj = undefined;
        changed.add(e);
      }
    }
  }

  private string(id: number): string {
    const s = this.strings[id];
    if (s !== undefined) return s;
    if (!(id >= 0 && id < this.strBuf.length)) throw new CorruptRecord('a reference to an undeclared string');
    const t = this.strBuf[id].toString('utf8', this.strAt[2 * id], this.strAt[2 * id + 1]);
    this.strings[id] = t;
    return t;
  }

  private readKey(r: ByteReader, kind: number): string {
    switch (kind) {
      case KIND_HOST:
        return '';
      case KIND_CGROUP:
        return this.string(r.uvar());
      case KIND_PROCESS: {
        const pid = r.uvar();
        const st = r.uvar();
        return processKey(pid, st === 0 ? undefined : st - 1);
      }
      default:
        return String(r.uvar());
    }
  }

  private value(r: ByteReader, prev: Val | undefined): Val {
    const t = r.byte();
    switch (t) {
      case T_DEL:
        return DELETED;
      case T_INT:
        return (typeof prev === 'number' && Number.isSafeInteger(prev) ? prev : 0) + r.svar();
      case T_INTABS:
        return r.uvar();
      case T_INTNEG:
        return -r.uvar();
      case T_DEC2: {
        const ps = typeof prev === 'number' ? dec2(prev) : undefined;
        return ((ps ?? 0) + r.svar()) / 100;
      }
      case T_F64:
        return r.f64();
      case T_STR:
        return this.string(r.uvar());
      case T_BIG: {
        const s = r.str();
        if (!/^-?\d+$/.test(s)) throw new CorruptRecord('a big integer that is not one');
        return BigInt(s);
      }
      case T_FALSE:
        return false;
      case T_TRUE:
        return true;
      case T_NULL:
        return null;
      default:
        throw new CorruptRecord(`unknown value tag ${t}`);
    }
  }

  /** The object of an entity (rebuilt when its values changed since last asked). */
  objectOf(kind: number, e: DecEntity): Record<string, unknown> {
    if (e.obj) return e.obj;
    const k = this.kinds[kind];
    // the shape: the set of columns with a value, hashed (no string made), then compared exactly
    const vals = e.vals;
    let h = 0x811c9dc5;
    let n = 0;
    for (let col = 0; col < vals.length; col++) {
      if (vals[col] === undefined) continue;
      h = Math.imul(h ^ col, 0x01000193);
      n++;
    }
    const list = k.shapes.get(h);
    let fn: ShapeBuilder | null | undefined;
    for (const sh of list ?? []) if (sh.n === n && sameColumns(sh.cols, vals)) fn = sh.fn;
    if (fn === undefined) {
      fn = compileShape(k.paths, vals);
      if (k.shapeCount < MAX_SHAPES) {
        const cols: number[] = [];
        for (let col = 0; col < vals.length; col++) if (vals[col] !== undefined) cols.push(col);
        if (list) list.push({ n, cols, fn });
        else k.shapes.set(h, [{ n, cols, fn }]);
        k.shapeCount++;
      }
    }
    e.obj = fn ? fn(e.vals, leafValue) : build(k.paths, e.vals);
    return e.obj;
  }

  /** Live entities of a kind, in slot order. */
  *entities(kind: number): Generator<DecEntity> {
    for (const e of this.kinds[kind]?.slots ?? []) if (e) yield e;
  }
}

/** Write the key of a cgroup entity (its path). */
export const cgroupKeyWriter = (path: string) => (w: ByteWriter, id: (s: string) => number) => w.uvar(id(path));
/** Write the key of a process entity (PID, start time + 1, 0 when unknown). */
export const processKeyWriter = (pid: number, starttime: number | undefined) => (w: ByteWriter) => {
  w.uvar(pid);
  w.uvar(starttime === undefined ? 0 : starttime + 1);
};
/** Write the key of a namespace entity (its inode). */
export const inodeKeyWriter = (inode: number) => (w: ByteWriter) => w.uvar(inode);
export const hostKeyWriter = () => {};
