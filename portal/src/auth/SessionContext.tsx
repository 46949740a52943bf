/**
 * The signed-in session and the API client that uses it, for every page. A 401 from the API ends
 * the session, which shows the sign-in page again with the reason.
 */
import { createContext, useContext, useMemo, useState, type ReactNode } from 'react';
import { createApi, type Api } from '../api/client';
import type { OperationName } from '../api/requiredRoles';
import { refusalOf } from './roles';
import { loadSession, saveSession, type Session } from './session';

export interface SessionValue {
  session: Session;
  api: Api;
  /** Why the admin may not call the operation, or undefined when the role allows it. */
  refusal: (operation: OperationName) => string | undefined;
  signOut: () => void;
}

interface Holder {
  session?: Session;
  /** Why the last session ended, shown on the sign-in page. */
  endedBecause?: string;
}

const Context = createContext<SessionValue | undefined>(undefined);

export function useSession(): SessionValue {
  const value = useContext(Context);
  if (!value) throw new Error('useSession outside a signed-in page');
  return value;
}

export function SessionProvider(props: {
  signIn: (onSignedIn: (session: Session) => void, endedBecause?: string) => ReactNode;
  children: ReactNode;
}) {
  const [holder, setHolder] = useState<Holder>(() => ({ session: loadSession(sessionStorage) }));
  const set = (next: Holder) => {
    saveSession(sessionStorage, next.session);
    setHolder(next);
  };
  const { session } = holder;
  const value = useMemo<SessionValue | undefined>(() => {
    if (!session) return undefined;
    const api = createApi({
      token: () => session.token,
      onUnauthorized: () =>
        set({ endedBecause: 'The API did not accept your sign-in (expired?): sign in again.' }),
    });
    return {
      session,
      api,
      refusal: (operation) => refusalOf(session.roles, operation),
      signOut: () => set({}),
    };
  }, [session]);
  if (!value) return <>{props.signIn((s) => set({ session: s }), holder.endedBecause)}</>;
  return <Context.Provider value={value}>{props.children}</Context.Provider>;
}
