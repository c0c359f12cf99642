/**
 * `useReducerRef(reducer, initial)`: a reducer whose state is also kept in a ref that every dispatch advances
 * at once. Keys are handled faster than React renders (several keys in one read): a handler reads the state
 * through the ref, so `/` followed by text is search text even before the next render; useKeys (use-keys.ts)
 * watches the same ref to let the remaining keys of a read wait for the render of the new state.
 */
import { useRef, useState } from 'react';

export function useReducerRef<S, A>(reducer: (s: S, a: A) => S, initial: S): [S, (a: A) => void, { readonly current: S }] {
  const [st, setSt] = useState(initial);
  const ref = useRef(st);
  const dispatch = useRef((a: A) => {
    const next = reducer(ref.current, a);
    if (next === ref.current) return;
    ref.current = next;
    setSt(next);
  });
  return [st, dispatch.current, ref];
}
