/**
 * The consultation room's WebRTC mesh: one RTCPeerConnection per other participant (at most 5). The newcomer offers
 * to every peer already in the room, so two sides never offer to each other at once; the others answer. Signaling
 * messages are handled one at a time, in arrival order (an ICE candidate must not overtake its description), and
 * candidates that arrive before the remote description wait for it. Framework-free; rtc/useRoom.ts wraps it.
 */

export interface PeerInfo { peerId: string; userId: string; name: string }
/** What a participant sends: microphone on, camera on, sharing the screen (null until they have told). */
export interface MediaState { mic: boolean; cam: boolean; screen: boolean }
export interface MeshPeer extends PeerInfo { stream: MediaStream | null; state: RTCPeerConnectionState; media: MediaState | null }
export type SignalData = { sdp: RTCSessionDescriptionInit } | { candidate: RTCIceCandidateInit } | { media: MediaState };
export interface PeerStats {
  peerId: string; name: string; state: RTCPeerConnectionState; framesDecoded: number; bytesReceived: number;
  /** The local candidate type of the pair in use: host, srflx, prflx or relay (through the TURN server). */
  candidateType: string | null;
  /** The size of the last video frame received (0 before any). */
  frameWidth: number; frameHeight: number;
}

export interface MeshOptions {
  iceServers: RTCIceServer[];
  /** `relay`: only through the TURN server (the server's ICE_TRANSPORT_POLICY). */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /** Sends a signaling message to one peer (over /ws). */
  send(to: string, data: SignalData): void;
  /** The peers or their media changed. */
  onChange(peers: MeshPeer[]): void;
}

interface Entry {
  info: PeerInfo; pc: RTCPeerConnection; stream: MediaStream | null; pending: RTCIceCandidateInit[];
  /** We made the first offer: we also restart ICE when the connection is lost (one side only, so offers never cross). */
  offerer: boolean; restarts: number; lostTimer?: ReturnType<typeof setTimeout>;
}

/** A connection disconnected this long (or failed) is restarted: new ICE candidates, same media. */
const RESTART_AFTER_MS = 4000;
const MAX_RESTARTS = 5;

const KINDS = ['audio', 'video'] as const;

export class Mesh {
  private readonly entries = new Map<string, Entry>();
  /** Names heard of (room.peer joined) before the peer's first signal. */
  private readonly known = new Map<string, PeerInfo>();
  private chain: Promise<void> = Promise.resolve();
  private closed = false;
  /** Our media state, sent to each peer when its connection starts and to all when it changes. */
  private media: MediaState | null = null;
  /** The peers' media states, as they told (may arrive before their connection exists). */
  private readonly remoteMedia = new Map<string, MediaState>();

  constructor(private readonly opts: MeshOptions, private local: MediaStream | null) {}

  /** We entered the room: offer to everyone already there. */
  joined(peers: PeerInfo[]) {
    for (const p of peers) this.known.set(p.peerId, p);
    this.enqueue(async () => {
      for (const p of peers) {
        const e = this.entry(p.peerId, true);
        await e.pc.setLocalDescription(await e.pc.createOffer());
        this.opts.send(p.peerId, { sdp: e.pc.localDescription!.toJSON() as RTCSessionDescriptionInit });
      }
    });
  }

  /** Someone entered after us: they will offer; remember their name. */
  peerJoined(p: PeerInfo) {
    this.known.set(p.peerId, p);
    const e = this.entries.get(p.peerId);
    if (e) { e.info = p; this.changed(); }
  }

  peerLeft(peerId: string) {
    this.enqueue(async () => {
      const e = this.entries.get(peerId);
      this.known.delete(peerId);
      this.remoteMedia.delete(peerId);
      if (!e) return;
      this.entries.delete(peerId);
      clearTimeout(e.lostTimer);
      e.pc.close();
      this.changed();
    });
  }

  /** A signaling message from a peer. */
  signal(from: string, data: SignalData) {
    this.enqueue(async () => {
      if ('sdp' in data && data.sdp) {
        const e = data.sdp.type === 'offer' ? this.entry(from, false) : this.entries.get(from);
        if (!e) return;
        await e.pc.setRemoteDescription(data.sdp);
        if (data.sdp.type === 'offer') {
          // Send our media on the transceivers the first offer created (none of ours were added before it). A later
          // offer (an ICE restart) keeps what they send — the shared screen, say.
          for (const t of e.pc.getTransceivers()) {
            if (t.direction === 'sendrecv') continue;
            const kind = t.receiver.track.kind as 'audio' | 'video';
            t.direction = 'sendrecv';
            await t.sender.replaceTrack(this.track(kind));
          }
          await e.pc.setLocalDescription(await e.pc.createAnswer());
          this.opts.send(from, { sdp: e.pc.localDescription!.toJSON() as RTCSessionDescriptionInit });
        }
        for (const c of e.pending.splice(0)) await e.pc.addIceCandidate(c).catch(() => {});
      } else if ('media' in data && data.media) {
        this.remoteMedia.set(from, { mic: data.media.mic !== false, cam: data.media.cam !== false, screen: data.media.screen === true });
        this.changed();
      } else if ('candidate' in data && data.candidate) {
        const e = this.entries.get(from);
        if (!e) return;
        if (e.pc.remoteDescription) await e.pc.addIceCandidate(data.candidate).catch(() => {});
        else e.pending.push(data.candidate);
      }
    });
  }

  /** Sends another track of a kind to everyone (screen share, camera back), without renegotiating. */
  async replaceTrack(kind: 'audio' | 'video', track: MediaStreamTrack | null) {
    for (const e of this.entries.values())
      for (const t of e.pc.getTransceivers())
        if (t.receiver.track.kind === kind && t.currentDirection !== 'stopped') await t.sender.replaceTrack(track).catch(() => {});
  }

  setLocal(stream: MediaStream | null) { this.local = stream; }

  peers(): MeshPeer[] {
    return [...this.entries.values()].map((e) => ({ ...e.info, stream: e.stream, state: e.pc.connectionState, media: this.remoteMedia.get(e.info.peerId) ?? null }));
  }

  /** Tells everyone (and, later, each new peer) whether our microphone and camera are on and the screen shared. */
  setMedia(state: MediaState) {
    this.media = state;
    for (const peerId of this.entries.keys()) this.opts.send(peerId, { media: state });
  }

  /** Inbound video per peer (getStats): what the browser test and a "poor connection" hint look at. */
  async stats(): Promise<PeerStats[]> {
    const out: PeerStats[] = [];
    for (const e of this.entries.values()) {
      let framesDecoded = 0, bytesReceived = 0, frameWidth = 0, frameHeight = 0, pairId: string | undefined;
      const byId = new Map<string, { type: string; candidateType?: string; localCandidateId?: string }>();
      (await e.pc.getStats()).forEach((s: { id: string; type: string; kind?: string; framesDecoded?: number; bytesReceived?: number; frameWidth?: number; frameHeight?: number; selectedCandidatePairId?: string; candidateType?: string; localCandidateId?: string }) => {
        byId.set(s.id, s);
        if (s.type === 'inbound-rtp' && s.kind === 'video') {
          framesDecoded += s.framesDecoded ?? 0; bytesReceived += s.bytesReceived ?? 0;
          frameWidth = s.frameWidth ?? frameWidth; frameHeight = s.frameHeight ?? frameHeight;
        }
        if (s.type === 'transport' && s.selectedCandidatePairId) pairId = s.selectedCandidatePairId;
      });
      const local = pairId ? byId.get(byId.get(pairId)?.localCandidateId ?? '') : undefined;
      out.push({ peerId: e.info.peerId, name: e.info.name, state: e.pc.connectionState, framesDecoded, bytesReceived, frameWidth, frameHeight, candidateType: local?.candidateType ?? null });
    }
    return out;
  }

  /** Closes every connection (leaving, or before joining again after a reconnect). */
  reset() {
    for (const e of this.entries.values()) { clearTimeout(e.lostTimer); e.pc.close(); }
    this.entries.clear();
    this.known.clear();
    this.remoteMedia.clear();
    this.chain = Promise.resolve();
    this.changed();
  }

  close() { this.closed = true; this.reset(); }

  private track(kind: 'audio' | 'video'): MediaStreamTrack | null {
    return this.local?.getTracks().find((t) => t.kind === kind) ?? null;
  }

  private entry(peerId: string, offerer: boolean): Entry {
    const existing = this.entries.get(peerId);
    if (existing) return existing;
    const pc = new RTCPeerConnection({ iceServers: this.opts.iceServers, iceTransportPolicy: this.opts.iceTransportPolicy ?? 'all' });
    const e: Entry = { info: this.known.get(peerId) ?? { peerId, userId: '', name: '' }, pc, stream: null, pending: [], offerer, restarts: 0 };
    this.entries.set(peerId, e);
    // The offerer adds one audio and one video transceiver, sending when it has the track (a later replaceTrack
    // — screen share, camera allowed later — needs no new offer).
    if (offerer)
      for (const kind of KINDS) pc.addTransceiver(this.track(kind) ?? kind, { direction: 'sendrecv' });
    pc.onicecandidate = (ev) => { if (ev.candidate) this.opts.send(peerId, { candidate: ev.candidate.toJSON() }); };
    pc.ontrack = (ev) => {
      e.stream ??= new MediaStream();
      if (!e.stream.getTracks().includes(ev.track)) e.stream.addTrack(ev.track);
      this.changed();
    };
    pc.onconnectionstatechange = () => { this.watch(e); this.changed(); };
    // Our state may reach the peer before our offer: it keeps states by peer id, not by connection.
    if (this.media) this.opts.send(peerId, { media: this.media });
    this.changed();
    return e;
  }

  /** The offerer restarts ICE when the connection failed, or stayed disconnected (a network change, a TURN restart). */
  private watch(e: Entry) {
    const state = e.pc.connectionState;
    clearTimeout(e.lostTimer);
    if (state === 'connected') { e.restarts = 0; return; }
    if (!e.offerer || this.closed || (state !== 'failed' && state !== 'disconnected')) return;
    e.lostTimer = setTimeout(() => {
      if (this.entries.get(e.info.peerId) !== e || e.restarts >= MAX_RESTARTS) return;
      e.restarts++;
      this.enqueue(async () => {
        await e.pc.setLocalDescription(await e.pc.createOffer({ iceRestart: true }));
        this.opts.send(e.info.peerId, { sdp: e.pc.localDescription!.toJSON() as RTCSessionDescriptionInit });
      });
      // Still not connected after this attempt: try again.
      e.lostTimer = setTimeout(() => { if (e.pc.connectionState !== 'connected') this.watch(e); }, RESTART_AFTER_MS * 3);
    }, state === 'failed' ? 0 : RESTART_AFTER_MS);
  }

  private enqueue(f: () => Promise<void>) {
    this.chain = this.chain.then(() => (this.closed ? undefined : f())).catch((err) => { console.warn('room signaling', err); });
  }

  private changed() { if (!this.closed) this.opts.onChange(this.peers()); }
}
