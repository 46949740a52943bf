/**
 * One page of an API list at a time, with Next and Previous through the continuation tokens seen
 * (never "load everything": a fleet has 50,000 devices). Back to the first page when `deps` change;
 * the current page again when `refresh` changes (a count on a polled view moved).
 */
import { useState } from 'react';
import { useLoad } from '../../hooks/useLoad';
import {
  currentToken,
  firstPage,
  hasPrevious,
  nextPage,
  pageNumber,
  previousPage,
} from '../../logic/pageStack';

export interface Page<T> {
  items: T[];
  continuationToken?: string;
}

export interface PagedList<T> {
  page?: Page<T>;
  error?: Error;
  loading: boolean;
  pageNumber: number;
  hasNext: boolean;
  hasPrevious: boolean;
  next: () => void;
  previous: () => void;
  reload: () => void;
}

export function usePagedList<T>(
  load: (continuationToken: string | undefined, signal: AbortSignal) => Promise<Page<T>>,
  deps: readonly unknown[],
  refresh?: unknown,
): PagedList<T> {
  const depsKey = JSON.stringify(deps);
  // The stack belongs to the deps it was made for: other deps start on the first page at once,
  // rather than after an effect (which would first load their list with the old deps' token).
  const [held, setHeld] = useState({ depsKey, stack: firstPage });
  const stack = held.depsKey === depsKey ? held.stack : firstPage;
  const setStack = (change: (s: typeof firstPage) => typeof firstPage) =>
    setHeld({ depsKey, stack: change(stack) });
  const token = currentToken(stack);
  const loaded = useLoad((signal) => load(token, signal), [depsKey, token, refresh]);
  const continuation = loaded.data?.continuationToken;
  return {
    ...(loaded.data ? { page: loaded.data } : {}),
    ...(loaded.error ? { error: loaded.error } : {}),
    loading: loaded.loading,
    pageNumber: pageNumber(stack),
    hasNext: continuation !== undefined,
    hasPrevious: hasPrevious(stack),
    next: () => continuation && setStack((s) => nextPage(s, continuation)),
    previous: () => setStack(previousPage),
    reload: loaded.reload,
  };
}
