/**
 * The tab's one WebSocket to /ws (docs/api.md, "Messaging and notifications"): reconnects with backoff, heartbeats,
 * resumes from the newest event id seen after every (re)connect and drops any event it has already delivered, and
 * keeps the page's topic subscriptions across reconnects. Framework-free; RealtimeProvider wraps it for React.
 */

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'offline';

/** A durable per-person event (message.created, message.read, notification.created, …). */
export interface RealtimeEvent<D = Record<string, unknown>> { id: number; type: string; data: D }
/** A live-update hint on a topic (`patient:<id>`). `resync` is sent by this client after a reconnect: refetch. */
export interface TopicEvent { topic: string; type: string; data: Record<string, unknown> }

type EventHandler = (e: RealtimeEvent) => void;
type TopicHandler = (e: TopicEvent) => void;
type StateHandler = (s: ConnectionState) => void;
/** A frame of the consultation video room (`room.joined`, `room.peer`, `room.signal`, or an `error` about a room). */
export interface RoomFrame { type: string; consultationId: string; [key: string]: unknown }
type RoomHandler = (f: RoomFrame) => void;

export interface RealtimeOptions {
  url: string;
  /** Send {type:'ping'} this often (ms). */
  pingEvery?: number;
  /** Reconnect when no frame at all came for this long (ms). */
  silentAfter?: number;
  /** How many delivered event ids to remember for de-duplication. */
  seenLimit?: number;
  /** Backoff bounds (ms). */
  minDelay?: number;
  maxDelay?: number;
  /** The server closed the socket for want of a session (4401): check the sign-in rather than retrying blindly. */
  onAuthLost?: () => void;
  /** For tests: a WebSocket constructor. */
  WebSocketImpl?: typeof WebSocket;
}

const asId = (v: unknown): number | null => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  return Number.isFinite(n) ? n : null;
};

export class RealtimeClient {
  private ws: WebSocket | null = null;
  private state: ConnectionState = 'connecting';
  private attempts = 0;
  private stopped = false;
  private everOpened = false;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private watchdog: ReturnType<typeof setInterval> | undefined;
  private lastFrameAt = 0;

  /** The newest event id delivered (or the server's cursor on the first connect: what the page loaded already covers). */
  private cursor: number | null = null;
  /**
   * The server's cursor when this tab first connected: what the page loaded covers. Events at or below it that a
   * later resume replays are not news. (On the first connection one may still arrive live: a transaction that took a
   * lower id and committed after the hello. That one is delivered.)
   */
  private startCursor = 0;
  /** Ids forgotten from `seen` are at or below this; they never come through again. */
  private forgotten = 0;
  /** Connections that got a hello. */
  private hellos = 0;
  /** Ids delivered recently, oldest first (a Set keeps insertion order). */
  private readonly seen = new Set<number>();

  private readonly eventHandlers = new Map<string, Set<EventHandler>>();
  private readonly topicHandlers = new Map<string, Set<TopicHandler>>();
  private readonly stateHandlers = new Set<StateHandler>();
  private readonly roomHandlers = new Set<RoomHandler>();

  private readonly opts: Required<Omit<RealtimeOptions, 'WebSocketImpl' | 'onAuthLost'>> & Pick<RealtimeOptions, 'WebSocketImpl' | 'onAuthLost'>;

  constructor(opts: RealtimeOptions) {
    this.opts = { pingEvery: 25_000, silentAfter: 60_000, seenLimit: 500, minDelay: 1_000, maxDelay: 30_000, ...opts };
  }

  start() {
    this.stopped = false;
    window.addEventListener('online', this.onOnline);
    document.addEventListener('visibilitychange', this.onVisible);
    this.connect();
  }

  stop() {
    this.stopped = true;
    window.removeEventListener('online', this.onOnline);
    document.removeEventListener('visibilitychange', this.onVisible);
    clearTimeout(this.reconnectTimer);
    this.clearTimers();
    const ws = this.ws;
    this.ws = null;
    if (ws) { ws.onclose = null; ws.onmessage = null; ws.onerror = null; ws.onopen = null; try { ws.close(1000); } catch { /* closing anyway */ } }
  }

  getState() { return this.state; }

  /** Drop the connection and connect again now (e.g. after the active role changed). */
  reconnectNow() {
    if (this.stopped) return;
    clearTimeout(this.reconnectTimer);
    this.attempts = 0;
    if (this.ws) this.ws.close(4000, 'reconnect');
    else this.connect();
  }

  onEvent(type: string, handler: EventHandler): () => void {
    let set = this.eventHandlers.get(type);
    if (!set) this.eventHandlers.set(type, (set = new Set()));
    set.add(handler);
    return () => { set.delete(handler); };
  }

  onState(handler: StateHandler): () => void {
    this.stateHandlers.add(handler);
    return () => { this.stateHandlers.delete(handler); };
  }

  /** Subscribe to a topic; the first handler sends `subscribe`, the last one leaving sends `unsubscribe`. */
  subscribe(topic: string, handler: TopicHandler): () => void {
    let set = this.topicHandlers.get(topic);
    if (!set) {
      this.topicHandlers.set(topic, (set = new Set()));
      this.send({ type: 'subscribe', topic });
    }
    set.add(handler);
    return () => {
      set.delete(handler);
      if (set.size === 0 && this.topicHandlers.get(topic) === set) {
        this.topicHandlers.delete(topic);
        this.send({ type: 'unsubscribe', topic });
      }
    };
  }

  /** Video-room frames from the server (rtc/room.ts); they are not replayed after a reconnect: the room joins again. */
  onRoomFrame(handler: RoomHandler): () => void {
    this.roomHandlers.add(handler);
    return () => { this.roomHandlers.delete(handler); };
  }

  /** Sends a video-room frame now; false when the socket is not open (the room waits for the state 'open'). */
  sendRoom(frame: { type: 'room.join' | 'room.leave' | 'room.signal'; consultationId: string; [key: string]: unknown }): boolean {
    if (this.state !== 'open' || this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  private send(frame: object) {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(frame));
  }

  private setState(s: ConnectionState) {
    if (s === this.state) return;
    this.state = s;
    for (const h of [...this.stateHandlers]) h(s);
  }

  private connect() {
    if (this.stopped) return;
    clearTimeout(this.reconnectTimer);
    this.setState(this.everOpened || this.attempts > 0 ? 'reconnecting' : 'connecting');
    let ws: WebSocket;
    try {
      ws = new (this.opts.WebSocketImpl ?? WebSocket)(this.opts.url);
    } catch {
      this.scheduleReconnect();
      return;
    }
    this.ws = ws;
    ws.onopen = () => {
      this.lastFrameAt = Date.now();
      this.startTimers();
      // Resume straight away when we know where we were; otherwise the server's hello tells us where "now" is.
      if (this.cursor !== null) this.send({ type: 'resume', cursor: this.cursor });
      for (const topic of this.topicHandlers.keys()) this.send({ type: 'subscribe', topic });
    };
    ws.onmessage = (m) => {
      this.lastFrameAt = Date.now();
      let frame: Record<string, unknown>;
      try { frame = JSON.parse(String(m.data)) as Record<string, unknown>; } catch { return; }
      this.onFrame(frame);
    };
    ws.onerror = () => { /* onclose follows */ };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.clearTimers();
      if (ev.code === 4401) this.opts.onAuthLost?.();
      this.scheduleReconnect(ev.code === 4401);
    };
  }

  private onFrame(frame: Record<string, unknown>) {
    switch (frame.type) {
      case 'hello': {
        const reconnected = this.everOpened;
        const serverCursor = asId(frame.cursor) ?? 0;
        this.hellos += 1;
        if (this.cursor === null) {
          // First connection of this tab: what the page loaded covers everything up to now.
          this.cursor = serverCursor;
          this.startCursor = serverCursor;
        }
        this.attempts = 0;
        this.everOpened = true;
        this.setState('open');
        if (reconnected) {
          // Topic hints are not replayed: tell every subscriber to refetch what it shows.
          for (const [topic, set] of this.topicHandlers) for (const h of [...set]) h({ topic, type: 'resync', data: {} });
          this.emit({ id: 0, type: 'resync', data: {} });
        }
        break;
      }
      case 'event': {
        const id = asId(frame.id);
        const ev = (frame.event ?? {}) as { type?: unknown; data?: unknown };
        if (id === null || typeof ev.type !== 'string') return;
        // Already shown, or (replayed after a reconnect) from before this tab loaded.
        if (this.seen.has(id) || id <= this.forgotten || (this.hellos > 1 && id <= this.startCursor)) return;
        this.remember(id);
        this.emit({ id, type: ev.type, data: (ev.data && typeof ev.data === 'object' ? ev.data : {}) as Record<string, unknown> });
        break;
      }
      case 'topic': {
        const topic = typeof frame.topic === 'string' ? frame.topic : '';
        const ev = (frame.event ?? {}) as { type?: unknown; data?: unknown };
        const set = this.topicHandlers.get(topic);
        if (!set) return;
        const e: TopicEvent = { topic, type: typeof ev.type === 'string' ? ev.type : 'changed', data: (ev.data && typeof ev.data === 'object' ? ev.data : ev) as Record<string, unknown> };
        for (const h of [...set]) h(e);
        break;
      }
      case 'ping':
        this.send({ type: 'pong' });
        break;
      case 'room.joined': case 'room.peer': case 'room.signal': case 'error':
        if (typeof frame.consultationId !== 'string') break;
        for (const h of [...this.roomHandlers]) {
          try { h(frame as RoomFrame); } catch (err) { console.error(err); }
        }
        break;
      default:
        break; // pong, error frames: the heartbeat already counted them
    }
  }

  private remember(id: number) {
    this.seen.add(id);
    if (this.cursor === null || id > this.cursor) this.cursor = id;
    while (this.seen.size > this.opts.seenLimit) {
      const oldest = this.seen.values().next().value as number;
      this.seen.delete(oldest);
      // Forgotten ids must still never come through again: raise the floor over them.
      if (oldest > this.forgotten) this.forgotten = oldest;
    }
  }

  private emit(e: RealtimeEvent) {
    for (const key of [e.type, '*']) {
      const set = this.eventHandlers.get(key);
      if (set) for (const h of [...set]) {
        try { h(e); } catch (err) { console.error(err); }
      }
    }
  }

  private startTimers() {
    this.clearTimers();
    this.pingTimer = setInterval(() => this.send({ type: 'ping' }), this.opts.pingEvery);
    this.watchdog = setInterval(() => {
      if (Date.now() - this.lastFrameAt > this.opts.silentAfter) this.ws?.close(4000, 'silent');
    }, Math.min(5_000, this.opts.silentAfter / 4));
  }

  private clearTimers() {
    clearInterval(this.pingTimer);
    clearInterval(this.watchdog);
  }

  private scheduleReconnect(slow = false) {
    if (this.stopped) return;
    this.setState(navigator.onLine === false ? 'offline' : 'reconnecting');
    const base = slow ? this.opts.maxDelay : Math.min(this.opts.maxDelay, this.opts.minDelay * 2 ** this.attempts);
    const delay = base / 2 + Math.random() * (base / 2);
    this.attempts += 1;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = setTimeout(() => this.connect(), delay);
  }

  private readonly onOnline = () => { if (!this.ws) { this.attempts = 0; this.connect(); } };
  private readonly onVisible = () => {
    if (document.visibilityState !== 'visible') return;
    if (!this.ws) { this.attempts = 0; this.connect(); }
    else if (Date.now() - this.lastFrameAt > this.opts.silentAfter) this.ws.close(4000, 'silent');
  };
}

export const realtimeUrl = () => `${window.location.origin.replace(/^http/, 'ws')}/ws`;
