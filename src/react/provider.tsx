import { useCallback, useEffect, useMemo, useRef, useState, type ReactElement, type ReactNode } from 'react';
import { createRecommender, type Recommender, type RecommenderOptions } from 'edgereco';
import { EdgeRecoContext } from './context.js';

export interface EdgeRecoProviderProps {
  /** Passed to `createRecommender()`. Read once, on mount: to change them, remount the provider (e.g. with a `key`). */
  options?: RecommenderOptions;
  children?: ReactNode;
}

/**
 * Creates one recommender for the tree below, in an effect (never during render: a server render starts no worker and
 * opens no database), and closes it on unmount. Until then, and on the server, the hooks see `null` and report
 * `loading`.
 */
export function EdgeRecoProvider({ options, children }: EdgeRecoProviderProps): ReactElement {
  const [recommender, setRecommender] = useState<Recommender | null>(null);
  const [version, setVersion] = useState(0);
  const initial = useRef(options);
  useEffect(() => {
    const created = createRecommender(initial.current);
    setRecommender(created);
    return () => {
      setRecommender(null);
      void created.close();
    };
  }, []);
  const refresh = useCallback(() => setVersion((v) => v + 1), []);
  const value = useMemo(() => ({ recommender, version, refresh }), [recommender, version, refresh]);
  return <EdgeRecoContext.Provider value={value}>{children}</EdgeRecoContext.Provider>;
}
