/**
 * `useErrorList(source)`: the dashboard's error list (src/services/dashboard.ts DashboardErrors: what failed,
 * how often, when), re-rendering when it changes. The list is kept by the caller; the view only shows it.
 */
import { useEffect, useState } from 'react';

/** One recorded failure (plain data; the message is raw: escape before printing). */
export interface ErrorEntry {
  readonly source: string;
  readonly message: string;
  readonly count: number;
}

/** What the hook needs of the error list. */
export interface ErrorList {
  list(): readonly ErrorEntry[];
  subscribe(fn: (list: readonly ErrorEntry[]) => void): () => void;
}

export function useErrorList(source: ErrorList | undefined): readonly ErrorEntry[] {
  const [list, setList] = useState<readonly ErrorEntry[]>(() => source?.list() ?? []);
  useEffect(() => {
    if (!source) return;
    setList(source.list());
    return source.subscribe(setList);
  }, [source]);
  return list;
}
