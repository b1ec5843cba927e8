/**
 * /ws: one WebSocket per browser tab (docs/api.md "Messaging and notifications"). Signed in by the session cookie
 * (the shared onRequest hook sets req.caller); refused with close code 4401 otherwise.
 */
import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import type { Connection } from './hub.js';
import { Rooms } from './room.js';
import { mayFollow } from './topics.js';

const clientFrame = z.discriminatedUnion('type', [
  z.object({ type: z.literal('resume'), cursor: z.number().int().min(0) }),
  z.object({ type: z.literal('subscribe'), topic: z.string().max(100) }),
  z.object({ type: z.literal('unsubscribe'), topic: z.string().max(100) }),
  z.object({ type: z.literal('ping') }),
  z.object({ type: z.literal('pong') }),
  // The consultation video room (realtime/room.ts): signaling for a WebRTC mesh.
  z.object({ type: z.literal('room.join'), consultationId: z.uuid() }),
  z.object({ type: z.literal('room.leave'), consultationId: z.uuid() }),
  z.object({ type: z.literal('room.signal'), consultationId: z.uuid(), to: z.string().min(1).max(64), data: z.record(z.string(), z.unknown()) }),
]);
/** A socket that cannot keep up is closed (it resumes after reconnecting) rather than buffered without limit. */
const MAX_BUFFERED = 8 * 1024 * 1024;
const TOPIC_LIMIT = 50;

export async function realtimeRoutes(app: FastifyInstance) {
  const { hub, db, config } = app;
  await app.register(websocket, { options: { maxPayload: 64 * 1024 } });
  const rooms = new Rooms(app.dbHandle, app.log);
  await rooms.start();
  app.addHook('onClose', async () => rooms.stop());

  // Heartbeats: a WebSocket ping to every socket; one silent for wsTimeoutMs is terminated.
  const alive = new Map<WebSocket, number>();
  const heartbeat = setInterval(() => {
    const now = Date.now();
    for (const [ws, lastSeen] of alive) {
      if (now - lastSeen > config.wsTimeoutMs) { ws.terminate(); alive.delete(ws); } else ws.ping();
    }
  }, config.wsPingMs);
  heartbeat.unref();
  app.addHook('onClose', async () => clearInterval(heartbeat));

  app.get('/ws', { websocket: true, schema: { hide: true } }, (ws, req) => {
    const caller = req.caller;
    if (!caller) { ws.close(4401, 'unauthenticated'); return; }
    alive.set(ws, Date.now());
    let ready = false;
    const early: string[] = [];
    const write = (text: string) => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > MAX_BUFFERED) { ws.close(4408, 'too slow'); return; }
      ws.send(text);
    };
    const conn: Connection = {
      caller, topics: new Set(), lastId: 0,
      // Events that arrive before the hello wait for it, so the hello is always the first frame.
      send: (text) => (ready ? write(text) : early.push(text)),
      close: (code, reason) => ws.close(code, reason),
    };
    const reply = (frame: object) => write(JSON.stringify(frame));
    // Frames are handled one at a time, in order, after the hello.
    let work: Promise<unknown> = (async () => {
      hub.add(conn);
      const cursor = await hub.cursorOf(caller.userId);
      conn.lastId = cursor;
      reply({ type: 'hello', userId: caller.userId, cursor });
      ready = true;
      for (const text of early.splice(0)) write(text);
    })();
    const run = (f: () => Promise<unknown>) => { work = work.then(f).catch((err) => req.log.error({ err }, 'websocket frame failed')); };

    ws.on('pong', () => alive.set(ws, Date.now()));
    ws.on('message', (raw) => {
      alive.set(ws, Date.now());
      let parsed: z.infer<typeof clientFrame>;
      try {
        const r = clientFrame.safeParse(JSON.parse(raw.toString()));
        if (!r.success) throw new Error();
        parsed = r.data;
      } catch {
        reply({ type: 'error', code: 'bad_frame', zh: '无法识别的消息', en: 'Unrecognised frame' });
        return;
      }
      const frame = parsed;
      switch (frame.type) {
        case 'ping': reply({ type: 'pong' }); return;
        case 'pong': return;
        case 'resume': run(() => hub.replay(conn, frame.cursor)); return;
        case 'unsubscribe': hub.unsubscribe(conn, frame.topic); reply({ type: 'unsubscribed', topic: frame.topic }); return;
        case 'subscribe':
          run(async () => {
            if (conn.topics.size >= TOPIC_LIMIT && !conn.topics.has(frame.topic))
              return reply({ type: 'error', code: 'too_many_topics', topic: frame.topic, zh: '订阅过多', en: `At most ${TOPIC_LIMIT} topics per connection` });
            if (!(await mayFollow(db, caller, frame.topic)))
              return reply({ type: 'error', code: 'forbidden', topic: frame.topic, zh: '无权订阅该主题', en: 'You may not follow this topic' });
            hub.subscribe(conn, frame.topic);
            reply({ type: 'subscribed', topic: frame.topic });
          });
          return;
        case 'room.join': run(() => rooms.join(conn, frame.consultationId)); return;
        case 'room.leave': run(() => rooms.leave(conn, frame.consultationId)); return;
        case 'room.signal': run(() => rooms.signal(conn, frame.consultationId, frame.to, frame.data));
      }
    });
    ws.on('close', () => { alive.delete(ws); hub.remove(conn); run(() => rooms.leave(conn)); });
    ws.on('error', () => ws.terminate());
  });
}
