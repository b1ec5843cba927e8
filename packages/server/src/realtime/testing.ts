/**
 * Helpers for tests and benchmarks: a signed-in session without the password round trip, and a small WebSocket
 * client that records frames and waits for the one it needs.
 */
import WebSocket from 'ws';
import { createSession, SESSION_COOKIE } from '../auth/session.js';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';

/** A session cookie ("yl_session=…") for a user, as sign-in would set it (for load tests: no argon2 per user). */
export async function sessionCookie(db: Db, config: Config, userId: string): Promise<string> {
  const { token } = await createSession(db, config, userId, '127.0.0.1');
  return `${SESSION_COOKIE}=${token}`;
}

export interface Frame { type: string; [key: string]: any }

export class WsClient {
  readonly frames: Frame[] = [];
  readonly ws: WebSocket;
  closed: { code: number; reason: string } | null = null;
  private waiters: { match: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  private closeWaiters: ((c: { code: number; reason: string }) => void)[] = [];

  constructor(url: string, cookie?: string) {
    this.ws = new WebSocket(url, cookie ? { headers: { cookie } } : {});
    this.ws.on('message', (raw) => {
      const f = JSON.parse(raw.toString()) as Frame;
      this.frames.push(f);
      for (const w of [...this.waiters]) if (w.match(f)) { this.waiters.splice(this.waiters.indexOf(w), 1); w.resolve(f); }
    });
    this.ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      for (const w of this.closeWaiters.splice(0)) w(this.closed);
    });
    this.ws.on('error', () => {});
  }

  /** Opens a socket and waits for the hello frame. */
  static async connect(url: string, cookie?: string): Promise<WsClient> {
    const c = new WsClient(url, cookie);
    await c.next((f) => f.type === 'hello');
    return c;
  }

  send(frame: object) { this.ws.send(JSON.stringify(frame)); }

  /** The first frame (already received or still to come) matching `match`. */
  next(match: (f: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    const seen = this.frames.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames).slice(0, 500)}`)), timeoutMs);
      this.waiters.push({ match, resolve: (f) => { clearTimeout(timer); resolve(f); } });
    });
  }

  /** The next frame from now on matching `match` (ignores frames already received). */
  nextNew(match: (f: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no new matching frame within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ match, resolve: (f) => { clearTimeout(timer); resolve(f); } });
    });
  }

  /** Event frames received, deduplicated by id (as the web client does). */
  events(type?: string): Frame[] {
    const byId = new Map<number, Frame>();
    for (const f of this.frames) if (f.type === 'event' && (!type || f.event.type === type) && !byId.has(f.id)) byId.set(f.id, f);
    return [...byId.values()].sort((a, b) => a.id - b.id);
  }

  waitClosed(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    if (this.closed) return Promise.resolve(this.closed);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('socket not closed')), timeoutMs);
      this.closeWaiters.push((c) => { clearTimeout(timer); resolve(c); });
    });
  }

  async close() {
    if (this.closed || this.ws.readyState === WebSocket.CLOSED) return;
    const done = this.waitClosed();
    this.ws.close();
    await done;
  }
}
