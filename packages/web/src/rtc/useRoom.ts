/**
 * React side of the consultation room: joins over the tab's /ws connection once the local media is settled,
 * feeds the room frames to the mesh, joins again after a reconnect (the server dropped us when the socket closed),
 * and leaves on unmount. `window.__yilianRoom` exposes the mesh's inbound video stats for the browser test.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import { useRealtimeClient } from '../realtime/RealtimeProvider';
import { Mesh, type MediaState, type MeshPeer, type PeerInfo, type PeerStats, type SignalData } from './mesh';

export type RoomStatus = 'connecting' | 'joined' | 'refused';
export interface Refusal { code: 'not_participant' | 'room_closed' | 'room_full'; zh: string; en: string; opensAt?: string | null; closesAt?: string | null }
const REFUSALS = ['not_participant', 'room_closed', 'room_full'];

declare global {
  interface Window {
    __yilianRoom?: { status: () => RoomStatus; peerId: () => string | null; peers: () => { peerId: string; name: string; state: string }[]; stats: () => Promise<PeerStats[]> };
  }
}

export function useRoom(consultationId: string, iceServers: RTCIceServer[] | null, local: MediaStream | null, ready: boolean, iceTransportPolicy: RTCIceTransportPolicy = 'all') {
  const client = useRealtimeClient();
  const [status, setStatus] = useState<RoomStatus>('connecting');
  const [refusal, setRefusal] = useState<Refusal | null>(null);
  const [peers, setPeers] = useState<MeshPeer[]>([]);
  const [attempt, setAttempt] = useState(0);
  const meshRef = useRef<Mesh | null>(null);
  const mediaRef = useRef<MediaState | null>(null);
  const iceKey = JSON.stringify([iceServers, iceTransportPolicy]);

  useEffect(() => {
    if (!client || !ready || !iceServers) return;
    let current: RoomStatus = 'connecting';
    let myPeerId: string | null = null;
    const set = (s: RoomStatus) => { current = s; setStatus(s); };
    const mesh = new Mesh({
      iceServers, iceTransportPolicy,
      send: (to, data) => { client.sendRoom({ type: 'room.signal', consultationId, to, data }); },
      onChange: setPeers,
    }, local);
    meshRef.current = mesh;
    if (mediaRef.current) mesh.setMedia(mediaRef.current);
    const join = () => {
      if (current === 'refused') return;
      mesh.reset();
      myPeerId = null;
      set('connecting');
      client.sendRoom({ type: 'room.join', consultationId });
    };
    const offFrame = client.onRoomFrame((f) => {
      if (f.consultationId !== consultationId) return;
      switch (f.type) {
        case 'room.joined':
          myPeerId = f.peerId as string;
          set('joined');
          mesh.joined(f.peers as PeerInfo[]);
          return;
        case 'room.peer': {
          const peer = f.peer as PeerInfo;
          if (f.event === 'joined') mesh.peerJoined(peer); else mesh.peerLeft(peer.peerId);
          return;
        }
        case 'room.signal': mesh.signal(f.from as string, f.data as SignalData); return;
        case 'error':
          if (REFUSALS.includes(f.code as string)) { setRefusal(f as unknown as Refusal); set('refused'); mesh.reset(); }
      }
    });
    const offState = client.onState((s) => { if (s === 'open') join(); else if (current === 'joined') set('connecting'); });
    if (client.getState() === 'open') join();
    window.__yilianRoom = {
      status: () => current, peerId: () => myPeerId,
      peers: () => mesh.peers().map((p) => ({ peerId: p.peerId, name: p.name, state: p.state })),
      stats: () => mesh.stats(),
    };
    return () => {
      offFrame(); offState();
      if (current === 'joined') client.sendRoom({ type: 'room.leave', consultationId });
      mesh.close();
      meshRef.current = null;
      delete window.__yilianRoom;
    };
    // The local stream is handed over once (`ready`); later track changes go through replaceTrack.
  }, [client, consultationId, ready, iceKey, attempt]); // eslint-disable-line react-hooks/exhaustive-deps

  /** Enter again after a refusal (the room filled up, or it was not open yet). */
  const retry = () => { setRefusal(null); setStatus('connecting'); setAttempt((n) => n + 1); };
  const replaceTrack = (kind: 'audio' | 'video', track: MediaStreamTrack | null) => meshRef.current?.replaceTrack(kind, track);
  /** Our microphone / camera / screen state, for the others' tiles (kept for a mesh created later). */
  const setMedia = useCallback((state: MediaState) => { mediaRef.current = state; meshRef.current?.setMedia(state); }, []);
  return { status, refusal, peers, retry, replaceTrack, setMedia };
}
