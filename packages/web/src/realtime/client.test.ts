/** The realtime client against a fake socket: resume after reconnect, no event shown twice, heartbeats, topics. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RealtimeClient, type RealtimeEvent, type TopicEvent } from './client';

class FakeSocket {
  static OPEN = 1;
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((m: { data: string }) => void) | null = null;
  onclose: ((e: { code: number }) => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly url: string) { FakeSocket.all.push(this); }
  send(text: string) { this.sent.push(JSON.parse(text) as Record<string, unknown>); }
  close(code = 1000) { this.readyState = 3; this.onclose?.({ code }); }
  // What the server does:
  open() { this.readyState = 1; this.onopen?.(); }
  frame(f: object) { this.onmessage?.({ data: JSON.stringify(f) }); }
  hello(cursor: number) { this.frame({ type: 'hello', userId: 'u1', cursor }); }
  event(id: number, type = 'message.created', data: object = { id }) { this.frame({ type: 'event', id, event: { type, data } }); }
}
const last = () => FakeSocket.all.at(-1)!;

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.all = [];
  const listeners = { addEventListener: () => undefined, removeEventListener: () => undefined };
  vi.stubGlobal('WebSocket', FakeSocket);
  vi.stubGlobal('window', { ...listeners, location: { origin: 'http://localhost' } });
  vi.stubGlobal('document', { ...listeners, visibilityState: 'visible' });
  vi.stubGlobal('navigator', { onLine: true });
});
afterEach(() => { vi.useRealTimers(); vi.unstubAllGlobals(); });

function started() {
  const c = new RealtimeClient({ url: 'ws://localhost/ws', WebSocketImpl: FakeSocket as unknown as typeof WebSocket });
  const seen: number[] = [];
  c.onEvent('message.created', (e: RealtimeEvent) => seen.push(e.id));
  c.start();
  return { c, seen };
}

describe('RealtimeClient', () => {
  it('delivers each event once, resumes from the newest id after a reconnect, and drops replays from before the tab', () => {
    const { c, seen } = started();
    const resyncs: string[] = [];
    c.onEvent('resync', (e) => resyncs.push(e.type));
    last().open();
    expect(last().sent).toEqual([]); // nothing to resume on the first connection
    last().hello(100);
    expect(c.getState()).toBe('open');
    last().event(101);
    last().event(101); // the same event twice
    last().event(99); // a lower id that committed after the hello: news
    last().event(102);
    expect(seen).toEqual([101, 99, 102]);

    last().close(1006);
    expect(c.getState()).toBe('reconnecting');
    vi.advanceTimersByTime(1_000);
    expect(FakeSocket.all).toHaveLength(2);
    last().open();
    expect(last().sent[0]).toEqual({ type: 'resume', cursor: 102 });
    last().hello(104);
    // The replay: recent ones (already seen, or from before the tab loaded) and the missed ones.
    for (const id of [95, 99, 100, 101, 102, 103, 104]) last().event(id);
    expect(seen).toEqual([101, 99, 102, 103, 104]);
    expect(resyncs).toEqual(['resync']);
    c.stop();
  });

  it('sends a ping every 25 s and reconnects when nothing came for 60 s', () => {
    const { c } = started();
    last().open();
    last().hello(0);
    vi.advanceTimersByTime(25_000);
    expect(last().sent).toContainEqual({ type: 'ping' });
    last().frame({ type: 'pong' });
    vi.advanceTimersByTime(50_000);
    expect(FakeSocket.all).toHaveLength(1); // the pong 50 s ago keeps it alive
    vi.advanceTimersByTime(15_000);
    expect(last().readyState).toBe(3);
    vi.advanceTimersByTime(1_000);
    expect(FakeSocket.all).toHaveLength(2);
    c.stop();
  });

  it('backs off between failed attempts, up to 30 s', () => {
    const { c } = started();
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      const n = FakeSocket.all.length;
      last().close(1006);
      let waited = 0;
      while (FakeSocket.all.length === n) { vi.advanceTimersByTime(100); waited += 100; }
      delays.push(waited);
    }
    expect(delays[0]).toBeLessThanOrEqual(1_000);
    expect(delays[3]).toBeGreaterThanOrEqual(4_000);
    expect(Math.max(...delays)).toBeLessThanOrEqual(30_000);
    c.stop();
  });

  it('subscribes a topic once for many handlers, again after a reconnect, and unsubscribes when the last leaves', () => {
    const { c } = started();
    last().open();
    last().hello(0);
    const got: TopicEvent[] = [];
    const off1 = c.subscribe('patient:p1', (e) => got.push(e));
    const off2 = c.subscribe('patient:p1', () => undefined);
    expect(last().sent.filter((f) => f.type === 'subscribe')).toEqual([{ type: 'subscribe', topic: 'patient:p1' }]);
    last().frame({ type: 'topic', topic: 'patient:p1', event: { type: 'patient.updated', version: 3 } });
    expect(got[0]).toMatchObject({ topic: 'patient:p1', type: 'patient.updated', data: { version: 3 } });

    last().close(1006);
    vi.advanceTimersByTime(1_000);
    last().open();
    expect(last().sent).toContainEqual({ type: 'subscribe', topic: 'patient:p1' });
    last().hello(0);
    expect(got.at(-1)?.type).toBe('resync'); // topic hints are not replayed: refetch

    off1();
    expect(last().sent.some((f) => f.type === 'unsubscribe')).toBe(false);
    off2();
    expect(last().sent.at(-1)).toEqual({ type: 'unsubscribe', topic: 'patient:p1' });
    c.stop();
  });

  it('remembers a bounded number of ids and still never repeats a forgotten one', () => {
    const c = new RealtimeClient({ url: 'ws://x/ws', seenLimit: 3, WebSocketImpl: FakeSocket as unknown as typeof WebSocket });
    const seen: number[] = [];
    c.onEvent('*', (e) => seen.push(e.id));
    c.start();
    last().open();
    last().hello(0);
    for (const id of [1, 2, 3, 4, 5, 1, 2, 5, 6]) last().event(id);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
    c.stop();
  });
});

describe('RealtimeClient video-room frames', () => {
  it('sends room frames only once the hello came, and hands room frames (and room errors) to the room handlers only', () => {
    const { c } = started();
    const got: string[] = [];
    c.onRoomFrame((f) => got.push(`${f.type}:${String(f.code ?? f.event ?? '')}`));
    last().open();
    expect(c.sendRoom({ type: 'room.join', consultationId: 'c1' })).toBe(false); // before the hello
    last().hello(1);
    expect(c.sendRoom({ type: 'room.join', consultationId: 'c1' })).toBe(true);
    expect(last().sent).toEqual([{ type: 'room.join', consultationId: 'c1' }]);
    last().frame({ type: 'room.joined', consultationId: 'c1', peerId: 'p1', peers: [] });
    last().frame({ type: 'room.peer', consultationId: 'c1', event: 'joined', peer: { peerId: 'p2' } });
    last().frame({ type: 'room.signal', consultationId: 'c1', from: 'p2', data: { sdp: {} } });
    last().frame({ type: 'error', consultationId: 'c1', code: 'room_full' });
    last().frame({ type: 'error', topic: 'x:1', code: 'forbidden' }); // a topic's error: not the room's
    expect(got).toEqual(['room.joined:', 'room.peer:joined', 'room.signal:', 'error:room_full']);
    last().close(1006);
    expect(c.sendRoom({ type: 'room.leave', consultationId: 'c1' })).toBe(false);
  });
});
