import { useCallback } from 'react';
import type { TrackInput } from 'edgereco';
import { useEdgeRecoContext } from './use-edgereco-context.js';

/**
 * A stable `track(event)`: stores the event (resolves with its id, as `Recommender.track` does; `null` before the
 * provider's recommender exists), then marks the provider's lists stale so they ask again and reflect it.
 */
export function useTrack(): (event: TrackInput) => Promise<string | null> {
  const { recommender, refresh } = useEdgeRecoContext('useTrack');
  return useCallback(
    async (event: TrackInput) => {
      if (!recommender) return null;
      const id = await recommender.track(event);
      refresh();
      return id;
    },
    [recommender, refresh],
  );
}
