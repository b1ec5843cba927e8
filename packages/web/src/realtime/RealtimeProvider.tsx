/**
 * React side of the realtime client: one connection while someone is signed in, and hooks for pages —
 * useRealtimeEvent(type, handler), useTopic('patient:<id>', handler), useConnectionState().
 */
import { createContext, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { useAuth } from '../auth';
import { useLatest } from '../hooks';
import { RealtimeClient, realtimeUrl, type ConnectionState, type RealtimeEvent, type TopicEvent } from './client';

const RealtimeContext = createContext<RealtimeClient | null>(null);

export function RealtimeProvider({ children }: { children: ReactNode }) {
  const { me, roleVersion, refresh } = useAuth();
  const userId = me?.userId ?? null;
  const [client, setClient] = useState<RealtimeClient | null>(null);

  useEffect(() => {
    if (!userId) return;
    // A socket refused for want of a session: ask who is signed in (a 401 there leads to the login page).
    const c = new RealtimeClient({ url: realtimeUrl(), onAuthLost: () => { void refresh(); } });
    c.start();
    setClient(c);
    return () => { c.stop(); setClient(null); };
  }, [userId]); // eslint-disable-line react-hooks/exhaustive-deps

  // Topic access is checked against the active role: connect again after a switch.
  const firstRole = useRef(roleVersion);
  useEffect(() => {
    if (roleVersion !== firstRole.current) client?.reconnectNow();
  }, [roleVersion, client]);

  return <RealtimeContext.Provider value={client}>{children}</RealtimeContext.Provider>;
}

export const useRealtimeClient = () => useContext(RealtimeContext);

/** Calls `handler` for every new event of `type` ('*' for all; 'resync' after a reconnect). */
export function useRealtimeEvent<D = Record<string, unknown>>(type: string, handler: (e: RealtimeEvent<D>) => void) {
  const client = useRealtimeClient();
  const latest = useLatest(handler);
  useEffect(() => {
    if (!client) return;
    return client.onEvent(type, (e) => latest.current(e as RealtimeEvent<D>));
  }, [client, type, latest]);
}

/** Subscribes to a topic while mounted (null: none); re-subscribed after reconnects, which also call handler with `resync`. */
export function useTopic(topic: string | null, handler: (e: TopicEvent) => void) {
  const client = useRealtimeClient();
  const latest = useLatest(handler);
  useEffect(() => {
    if (!client || !topic) return;
    return client.subscribe(topic, (e) => latest.current(e));
  }, [client, topic, latest]);
}

export function useConnectionState(): ConnectionState {
  const client = useRealtimeClient();
  const [state, setState] = useState<ConnectionState>(client?.getState() ?? 'connecting');
  useEffect(() => {
    if (!client) return;
    setState(client.getState());
    return client.onState(setState);
  }, [client]);
  return state;
}
