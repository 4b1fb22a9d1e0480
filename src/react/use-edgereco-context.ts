import { useContext } from 'react';
import { EdgeRecoError, ERROR_CODES } from 'edgereco';
import { EdgeRecoContext, type EdgeRecoContextValue } from './context.js';

/** The provider's context; throws when a hook is used outside `<EdgeRecoProvider>`. */
export function useEdgeRecoContext(hook: string): EdgeRecoContextValue {
  const context = useContext(EdgeRecoContext);
  if (!context) throw new EdgeRecoError(ERROR_CODES.INVALID_OPTION, `edgereco: ${hook}() must be called inside <EdgeRecoProvider>; wrap your app (or the part that shows recommendations) in it`);
  return context;
}
