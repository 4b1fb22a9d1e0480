import { useEffect, useState } from 'react';
import type { Recommender } from 'edgereco';
import { useEdgeRecoContext } from './use-edgereco-context.js';

/** What every list hook returns. `loading` is true until the first answer (always on the server). */
export interface ListState<T> {
  items: T[];
  loading: boolean;
  error: Error | null;
}

/**
 * Runs `load` whenever the recommender, `key` (the hook's inputs, serialized) or the provider's version (bumped by a
 * tracked event) changes; an answer that arrives after a newer request started is dropped. `load` returning null means
 * "nothing to ask" (an empty query): the list is empty at once.
 */
export function useAsyncList<T>(hook: string, key: string, load: (reco: Recommender) => Promise<T[]> | null): ListState<T> {
  const { recommender, version } = useEdgeRecoContext(hook);
  const [state, setState] = useState<ListState<T>>({ items: [], loading: true, error: null });
  useEffect(() => {
    if (!recommender) return;
    const pending = load(recommender);
    if (!pending) {
      setState({ items: [], loading: false, error: null });
      return;
    }
    let current = true;
    setState((s) => (s.loading ? s : { ...s, loading: true }));
    pending.then(
      (items) => current && setState({ items, loading: false, error: null }),
      (error: unknown) => current && setState({ items: [], loading: false, error: error instanceof Error ? error : new Error(String(error)) }),
    );
    return () => {
      current = false;
    };
    // `load` is a new closure each render: `key` stands for its inputs.
  }, [recommender, version, key]);
  return state;
}
