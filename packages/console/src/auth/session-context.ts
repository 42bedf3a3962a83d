import { createContext, useContext } from 'solid-js';
import type { Session } from './session.ts';

/** Carries the one {@link Session} from `main.tsx` to the pages. */
export const SessionContext = createContext<Session>();

/** The current session. @throws Error outside a SessionContext provider (a wiring bug). */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === undefined) throw new Error('useSession() needs a SessionContext.Provider above it');
  return session;
}
