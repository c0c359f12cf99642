/**
 * `useKeys(handler, stateRef?, waitFor?)`: every key of every terminal read, one at a time (src/tui/keys.ts), instead of
 * Ink's `useInput`, which hands a multi-key read (`/sleep` sent at once, typing over ssh, a paste) over as one
 * string that matches no key. Puts stdin in raw mode while mounted (through Ink).
 *
 * A key may change what the next one means (`/` starts a search, Enter drills into the selected row): when a
 * key changed the state behind `stateRef` in a way `waitFor(before, after)` says the next key depends on (by
 * default: any change), the keys left in the read wait for the next render, so that each key is handled by the
 * handler of the screen it was typed at. The same holds across reads: a key that arrives while the state its
 * predecessor made is not rendered yet (a loaded host, a slow render) waits for that render too, so `↓` then `e`
 * enters the row `↓` moved to, however slowly the screen follows. Text typed into a search needs no render between
 * its keys: on a loaded host a render can take a while, and a pasted search must not crawl.
 */
import { useEffect, useRef } from 'react';
import { useStdin } from 'ink';
import { createKeyReader, type KeyPress } from '../keys.js';

/**
 * How long queued keys wait for the render of a changed state before they are handled anyway. React always
 * renders a changed state, so this is only a safety net; it is long because a loaded host renders slowly, and
 * a key handled before its render would act on the screen before (e.g. collapse the row selected before a move).
 */
const RENDER_WAIT_MS = 3000;

export function useKeys<S>(handler: (k: KeyPress) => void, stateRef?: { readonly current: S }, waitFor: (before: S, after: S) => boolean = (a, b) => a !== b, active = true): void {
  const { setRawMode, internal_eventEmitter: events } = useStdin();
  const handlerRef = useRef(handler);
  handlerRef.current = handler;
  const queue = useRef<KeyPress[]>([]);
  const waiting = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const reader = useRef(createKeyReader());
  /** the state of the last committed render */
  const rendered = useRef(stateRef?.current);

  const pump = useRef(() => {
    if (waiting.current !== undefined) clearTimeout(waiting.current);
    waiting.current = undefined;
    while (queue.current.length) {
      const before = stateRef?.current;
      handlerRef.current(queue.current.shift()!);
      if (queue.current.length && stateRef && waitFor(before as S, stateRef.current)) {
        waiting.current = setTimeout(() => pump.current(), RENDER_WAIT_MS);
        return;
      }
    }
  });

  // after each render: keys that waited for it
  useEffect(() => {
    rendered.current = stateRef?.current;
    if (waiting.current !== undefined) pump.current();
  });

  useEffect(() => {
    if (!active) return;
    setRawMode(true);
    return () => setRawMode(false);
  }, [active, setRawMode]);

  useEffect(() => {
    if (!active || !events) return;
    const onInput = (data: string) => {
      queue.current.push(...reader.current.push(String(data)));
      if (waiting.current !== undefined) return;
      // the screen still shows a state older than the one the last key made: wait for its render
      if (stateRef && waitFor(rendered.current as S, stateRef.current)) waiting.current = setTimeout(() => pump.current(), RENDER_WAIT_MS);
      else pump.current();
    };
    events.on('input', onInput);
    return () => {
      events.removeListener('input', onInput);
      if (waiting.current !== undefined) clearTimeout(waiting.current);
      waiting.current = undefined;
      queue.current = [];
    };
  }, [active, events]);
}
