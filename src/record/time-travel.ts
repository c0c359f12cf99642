/**
 * The dashboard's time-travel keys over a replay cursor (src/record/replay.ts). Pure state and key handling, no
 * React and no timers: the dashboard hands keys to `key()` before its own, and shows `label()` on its status line.
 *
 *   [  ]     one recorded interval back / forward
 *   {  }     one minute back / forward
 *   n  N     the next / previous event (an OOM kill, a refused fork, a cgroup created or removed, a renamed container)
 *   t        jump to a time: type it (ISO 8601, HH:MM[:SS] on the recording's first day, Unix seconds, -10m from the
 *            end of the recording), Enter jumps, Esc cancels
 */
import type { KeyPress } from '../tui/keys.js';
import type { ReplayCursor } from './replay.js';
import { eventsOf } from './replay.js';
import { isoSecond, parseTime } from './time.js';
import { NsxError } from '../errors.js';

export const TIME_TRAVEL_KEYS: ReadonlyArray<readonly [string, string]> = [
  ['[ ]', 'replay: one recorded interval back / forward'],
  ['{ }', 'replay: one minute back / forward'],
  ['n N', 'replay: the next / previous event (OOM kill, refused fork, cgroup created or removed, container renamed)'],
  ['t', 'replay: jump to a time (2026-12-08T03:12, 03:12, -10m from the end); Enter jumps, Esc cancels'],
];

export class TimeTravel {
  private typing: string | undefined;
  readonly keys = TIME_TRAVEL_KEYS;

  constructor(private readonly cursor: ReplayCursor) {}

  /** A time is being typed: every key goes to `key()`. */
  get editing(): boolean {
    return this.typing !== undefined;
  }

  /** The status line: the recorded time shown. */
  label(): string {
    return `REPLAY ${isoSecond(this.cursor.time_ms)} (${this.cursor.index + 1}/${this.cursor.rec.length})`;
  }

  /** The prompt while a time is typed (the notice the dashboard shows: it changes with every key). */
  private prompt(): string {
    return `go to: ${this.typing ?? ''}_ (Enter jumps, Esc cancels)`;
  }

  /**
   * Handle a key. Returns the notice to show ('' for none) when the key was a time-travel key, undefined when it
   * is not one (the dashboard handles it).
   */
  key(k: KeyPress): string | undefined {
    if (this.typing !== undefined) return this.edit(k);
    if (k.ctrl || k.meta || k.paste) return undefined;
    switch (k.input) {
      case '[':
        return this.cursor.step(-1) ? '' : 'the first recorded instant';
      case ']':
        return this.cursor.step(1) ? '' : 'the last recorded instant';
      case '{':
        return this.cursor.jumpTo(this.cursor.time_ms - 60_000) ? '' : 'the first recorded instant';
      case '}': {
        const i = this.cursor.rec.indexAt(this.cursor.time_ms + 60_000);
        return this.cursor.moveTo(i) ? '' : 'the last recorded instant';
      }
      case 'n': {
        const what = this.cursor.nextEvent();
        return what ?? 'no event after this instant';
      }
      case 'N':
        return this.previousEvent() ?? 'no event before this instant';
      case 't':
        this.typing = '';
        return this.prompt();
      default:
        return undefined;
    }
  }

  private previousEvent(): string | undefined {
    const times = this.cursor.rec.times();
    for (let i = this.cursor.index - 1; i >= 1; i--) {
      // what changed at frame i (against i − 1)
      const st = this.cursor.rec.atIndex(i).state;
      const what = eventsOf(st);
      if (what.length) {
        this.cursor.moveTo(i);
        return what.join(', ');
      }
      if (times[i] < times[this.cursor.index] - 86_400_000) break;
    }
    return undefined;
  }

  private edit(k: KeyPress): string {
    if (k.name === 'escape') {
      this.typing = undefined;
      return '';
    }
    if (k.name === 'backspace' || k.name === 'delete') {
      this.typing = this.typing!.slice(0, -1);
      return this.prompt();
    }
    if (k.name === 'return') {
      const text = this.typing!.trim();
      this.typing = undefined;
      if (text === '') return '';
      const t = this.parse(text);
      if (typeof t === 'string') return t;
      this.cursor.jumpTo(t);
      return `at ${isoSecond(this.cursor.time_ms)}`;
    }
    if (!k.ctrl && !k.meta && k.input && !k.name) this.typing += k.input;
    return this.prompt();
  }

  /** A typed time: as the command line takes it, `HH:MM[:SS]` on the day shown, relative to the recording's end. */
  private parse(text: string): number | string {
    const hm = /^(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(text);
    if (hm) {
      const d = new Date(this.cursor.time_ms);
      d.setHours(Number(hm[1]), Number(hm[2]), Number(hm[3] ?? 0), 0);
      return d.getTime();
    }
    try {
      return parseTime(text, this.cursor.rec.end_ms, 'go to');
    } catch (e) {
      if (e instanceof NsxError) return e.message.replace(/^go to: /, '');
      throw e;
    }
  }
}
