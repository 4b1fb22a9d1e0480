import { createContext } from 'react';
import type { Recommender } from 'edgereco';

/** What the provider shares: the recommender (null until its effect ran, and always on the server) and a version that a track() bumps. */
export interface EdgeRecoContextValue {
  recommender: Recommender | null;
  /** Increases after each event the provider's `useTrack()` stored, so lists ask again and reflect it. */
  version: number;
  /** Marks the lists stale (called after a stored event). */
  refresh: () => void;
}

export const EdgeRecoContext = createContext<EdgeRecoContextValue | null>(null);
