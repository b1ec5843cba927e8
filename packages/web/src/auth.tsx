/** Who is signed in (GET /auth/me), in which role, and what that role may do. */
import { grantFor, type Action } from '@yilian/core';
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { useNavigate } from 'react-router-dom';
import { api, post, setUnauthorizedHandler } from './api';
import type { Me } from './types';

interface AuthState {
  /** undefined while the first /me is on its way, null when nobody is signed in. */
  me: Me | null | undefined;
  /** Changes whenever the active role changes, so pages can reload their data. */
  roleVersion: number;
  /** The user signed out on purpose (rather than the session running out): the next sign-in starts afresh. */
  signedOut: boolean;
  refresh: () => Promise<Me | null>;
  login: (input: { username: string; password: string; totp?: string }) => Promise<Me | null>;
  logout: () => Promise<void>;
  switchRole: (roleId: string) => Promise<void>;
  /** Whether the active role may do `action`; with an institution, also whether that institution is in scope. */
  can: (action: Action, institutionId?: string | null) => boolean;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [roleVersion, setRoleVersion] = useState(0);
  const [signedOut, setSignedOut] = useState(false);
  const navigate = useNavigate();

  const refresh = useCallback(async () => {
    try {
      const m = await api<Me>('auth/me', { expect401: true });
      setMe(m);
      return m;
    } catch {
      setMe(null);
      return null;
    }
  }, []);

  useEffect(() => { void refresh(); }, [refresh]);

  useEffect(() => {
    setUnauthorizedHandler(() => {
      setMe(null);
      if (!window.location.pathname.startsWith('/login'))
        navigate('/login', { replace: true, state: { from: window.location.pathname + window.location.search } });
    });
    return () => setUnauthorizedHandler(null);
  }, [navigate]);

  const login = useCallback(async (input: { username: string; password: string; totp?: string }) => {
    await api('auth/login', { method: 'POST', body: input, expect401: true });
    setSignedOut(false);
    return refresh();
  }, [refresh]);

  const logout = useCallback(async () => {
    try { await post('auth/logout'); } finally {
      setSignedOut(true);
      setMe(null);
      navigate('/login', { replace: true });
    }
  }, [navigate]);

  const switchRole = useCallback(async (roleId: string) => {
    const m = await post<Me>('auth/active-role', { roleId });
    setMe(m);
    setRoleVersion((v) => v + 1);
  }, []);

  const can = useCallback((action: Action, institutionId?: string | null) => {
    if (!me) return false;
    const scope = grantFor(me.role.role, action);
    if (!scope) return false;
    if (scope === 'own_institution' && institutionId !== undefined) return institutionId === me.role.institutionId;
    return true;
  }, [me]);

  const value = useMemo(() => ({ me, roleVersion, signedOut, refresh, login, logout, switchRole, can }),
    [me, roleVersion, signedOut, refresh, login, logout, switchRole, can]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth outside AuthProvider');
  return ctx;
}

/** The signed-in user; only for pages behind the sign-in guard. */
export function useMe(): Me {
  const { me } = useAuth();
  if (!me) throw new Error('useMe without a signed-in user');
  return me;
}
