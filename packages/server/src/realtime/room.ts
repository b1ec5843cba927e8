/**
 * The consultation video room (会诊室): who may enter, who is in it (consultation_room_presence), and the relay of
 * WebRTC signaling (offers, answers, ICE candidates) between its peers over /ws. Peers may sit on different server
 * processes: presence is in the database and frames for a peer connected elsewhere travel by NOTIFY on `yl_room`,
 * split into chunks because a NOTIFY payload is limited to 8000 bytes and an SDP with many codecs is often larger.
 */
import { createHmac, randomUUID } from 'node:crypto';
import { CONSULTATION_ROOM_MAX, CONSULTATION_ROOM_WINDOW, roomOpen } from '@yilian/core';
import type { FastifyBaseLogger } from 'fastify';
import { sql } from 'kysely';
import { audit } from '../audit/audit.js';
import type { Config, IceServer } from '../config.js';
import { inTx, type DbHandle, type Reader, type Tx } from '../db/database.js';
import { actorOf, type Caller } from '../http/context.js';
import { publishTopic } from './bus.js';
import type { Connection } from './hub.js';

export const ROOM_CHANNEL = 'yl_room';
/** Each process refreshes `seen_at` of its peers this often; a row not refreshed for ROOM_STALE_SECONDS is a dead process's. */
export const ROOM_HEARTBEAT_MS = 20_000;
export const ROOM_STALE_SECONDS = 60;
/** Characters of a frame per NOTIFY chunk: at most 3 UTF-8 bytes each, so a chunk and its envelope stay below 8000 bytes. */
const CHUNK_CHARS = 2400;
/** States whose room may open (within the window around the agreed time). */
const ROOM_STATES = ['scheduled', 'answered'];

type RoomRefusal = 'not_participant' | 'room_closed' | 'room_full';
const REFUSALS: Record<RoomRefusal, { zh: string; en: string }> = {
  not_participant: { zh: '您不是本次会诊的参与者，无法进入会诊室', en: 'You are not a participant of this consultation' },
  room_closed: { zh: '会诊室未开放', en: 'The consultation room is not open' },
  room_full: { zh: `会诊室已满（最多 ${CONSULTATION_ROOM_MAX} 人）`, en: `The room is full (at most ${CONSULTATION_ROOM_MAX} participants)` },
};

export interface RoomConsultation {
  id: string; status: string; patient_id: string; created_by: string; centre_institution_id: string; scheduled_at: Date | null;
}
export type ParticipantSide = 'applicant' | 'expert' | 'centre';
export interface RoomParticipant { userId: string; name: string; side: ParticipantSide }
export interface RoomPeer { peerId: string; userId: string; name: string }

const cst = (d: Date) => new Date(d.getTime() + 8 * 3_600_000).toISOString().slice(0, 16).replace('T', ' ');

export async function loadRoomConsultation(db: Reader, id: string, lock = false): Promise<RoomConsultation | undefined> {
  let q = db.selectFrom('consultation').select(['id', 'status', 'patient_id', 'created_by', 'centre_institution_id', 'scheduled_at']).where('id', '=', id);
  if (lock) q = q.forUpdate();
  return q.executeTakeFirst();
}

/** The room's people: the applicant, the experts who accepted, the centre's coordinators (active accounts). */
export async function roomParticipants(db: Reader, c: RoomConsultation): Promise<RoomParticipant[]> {
  const rows = await db.selectFrom('user_account as u').select(['u.id', 'u.display_name'])
    .select((eb) => [
      eb.case().when('u.id', '=', c.created_by).then('applicant')
        .when(eb.exists(eb.selectFrom('consultation_expert as e').select('e.user_id')
          .where('e.consultation_id', '=', c.id).where('e.status', '=', 'accepted').whereRef('e.user_id', '=', 'u.id'))).then('expert')
        .else('centre').end().as('side'),
    ])
    .where('u.active', '=', true)
    .where((eb) => eb.or([
      eb('u.id', '=', c.created_by),
      eb.exists(eb.selectFrom('consultation_expert as e').select('e.user_id')
        .where('e.consultation_id', '=', c.id).where('e.status', '=', 'accepted').whereRef('e.user_id', '=', 'u.id')),
      eb.exists(eb.selectFrom('user_role as r').select('r.user_id')
        .where('r.role', '=', 'consult_coordinator').where('r.institution_id', '=', c.centre_institution_id).whereRef('r.user_id', '=', 'u.id')),
    ]))
    .orderBy('u.display_name').execute();
  return rows.map((r) => ({ userId: r.id, name: r.display_name, side: r.side as ParticipantSide }));
}

export async function isRoomParticipant(db: Reader, caller: Caller, c: RoomConsultation): Promise<boolean> {
  if (caller.userId === c.created_by) return true;
  if (caller.roles.some((r) => r.role === 'consult_coordinator' && r.institutionId === c.centre_institution_id)) return true;
  return !!(await db.selectFrom('consultation_expert').select('user_id').where('consultation_id', '=', c.id)
    .where('user_id', '=', caller.userId).where('status', '=', 'accepted').executeTakeFirst());
}

/** When the room opens and closes (null while no time is agreed), and whether it is open now. */
export function roomWindow(c: RoomConsultation, now = new Date()) {
  if (!c.scheduled_at || !ROOM_STATES.includes(c.status)) return { open: false, opensAt: null, closesAt: null };
  const at = new Date(c.scheduled_at);
  return {
    open: roomOpen(at, now),
    opensAt: new Date(at.getTime() - CONSULTATION_ROOM_WINDOW.beforeMinutes * 60_000),
    closesAt: new Date(at.getTime() + CONSULTATION_ROOM_WINDOW.afterMinutes * 60_000),
  };
}

/** The peers in the room now (rows refreshed recently). */
export async function roomPeers(db: Reader, consultationId: string): Promise<RoomPeer[]> {
  const rows = await db.selectFrom('consultation_room_presence as p').innerJoin('user_account as u', 'u.id', 'p.user_id')
    .select(['p.peer_id', 'p.user_id', 'u.display_name']).where('p.consultation_id', '=', consultationId)
    .where(sql<boolean>`p.seen_at >= now() - make_interval(secs => ${ROOM_STALE_SECONDS})`).orderBy('p.joined_at').execute();
  return rows.map((r) => ({ peerId: r.peer_id, userId: r.user_id, name: r.display_name }));
}

/**
 * ICE servers for a user: the configured ones, plus TURN with time-limited REST credentials (the coturn
 * `use-auth-secret` scheme: username `<expiry>:<userId>`, credential base64 HMAC-SHA1 of the username).
 */
export function iceServersFor(config: Config, userId: string, now = Date.now()): IceServer[] {
  const servers = [...config.iceServers];
  if (config.turnUrls.length && config.turnSecret) {
    const username = `${Math.floor(now / 1000) + config.turnTtlSeconds}:${userId}`;
    const credential = createHmac('sha1', config.turnSecret).update(username).digest('base64');
    servers.push({ urls: config.turnUrls, username, credential });
  }
  return servers;
}

interface LocalPeer { peerId: string; consultationId: string; userId: string; name: string; conn: Connection }
/** What travels between processes: a frame for one peer, or for every peer of a room but one. */
type Envelope = { origin: string; to: string; frame: object } | { origin: string; room: string; except: string; frame: object };

export class Rooms {
  /** This process's id: it skips its own NOTIFYs (it delivered those frames directly). */
  private readonly origin = randomUUID();
  private readonly peers = new Map<string, LocalPeer>();
  private readonly partial = new Map<string, { parts: string[]; got: number; at: number }>();
  private stops: (() => Promise<void>)[] = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly handle: DbHandle, private readonly log: FastifyBaseLogger) {}

  async start() {
    this.stops.push(await this.handle.listen(ROOM_CHANNEL, (p) => this.receive(p)));
    this.timer = setInterval(() => { void this.heartbeat(); }, ROOM_HEARTBEAT_MS);
    this.timer.unref();
  }

  async stop() {
    if (this.timer) clearInterval(this.timer);
    for (const stop of this.stops.splice(0)) await stop().catch(() => {});
  }

  /** Keeps this process's rows fresh, so that other processes do not take them for a dead process's. */
  async heartbeat() {
    const ids = [...this.peers.keys()];
    if (!ids.length) return;
    try {
      await this.handle.db.updateTable('consultation_room_presence').set({ seen_at: sql<Date>`now()` }).where('peer_id', 'in', ids).execute();
    } catch (err) { this.log.warn({ err }, 'room heartbeat failed'); }
  }

  /** Enters the room: the checks, presence row, event and audit entry in one transaction; then `room.joined`. */
  async join(conn: Connection, consultationId: string) {
    const caller = conn.caller;
    const mine = this.peerOf(conn, consultationId);
    if (mine) await this.leave(conn, consultationId);
    const refuse = (code: RoomRefusal, extra: Record<string, unknown> = {}) =>
      conn.send(JSON.stringify({ type: 'error', code, consultationId, ...REFUSALS[code], ...extra }));
    type Joined = { refused: RoomRefusal; extra?: Record<string, unknown> } | { refused?: undefined; peer: RoomPeer; peers: RoomPeer[] };
    const result = await inTx(this.handle.db, async (tx): Promise<Joined> => {
      const c = await loadRoomConsultation(tx, consultationId, true);
      if (!c || !(await isRoomParticipant(tx, caller, c))) return { refused: 'not_participant' as const };
      const w = roomWindow(c);
      if (!w.open) {
        const when = w.opensAt && w.closesAt ? `（开放时间 ${cst(w.opensAt)} 至 ${cst(w.closesAt)}）` : '（会诊时间尚未确定）';
        return { refused: 'room_closed' as const, extra: { opensAt: w.opensAt, closesAt: w.closesAt, zh: `${REFUSALS.room_closed.zh}${when}` } };
      }
      await this.dropStale(tx, c);
      const present = await roomPeers(tx, c.id);
      if (present.length >= CONSULTATION_ROOM_MAX) return { refused: 'room_full' as const };
      const peerId = randomUUID();
      await tx.insertInto('consultation_room_presence').values({ consultation_id: c.id, peer_id: peerId, user_id: caller.userId }).execute();
      await roomEvent(tx, c, caller.userId, caller.role.institutionId, 'room_join', { peerId });
      await audit(tx, actorOf(caller), { action: 'consultation.room_join', objectType: 'consultation', objectId: c.id, patientId: c.patient_id, detail: { peerId } });
      const peer = { peerId, userId: caller.userId, name: caller.displayName };
      await this.announce(tx, c.id, peerId, { type: 'room.peer', consultationId: c.id, event: 'joined', peer });
      return { peer, peers: present };
    });
    if (result.refused) { refuse(result.refused, result.extra); return; }
    this.peers.set(result.peer.peerId, { ...result.peer, consultationId, conn });
    conn.send(JSON.stringify({ type: 'room.joined', consultationId, peerId: result.peer.peerId, peers: result.peers }));
    this.deliverRoom(consultationId, result.peer.peerId, { type: 'room.peer', consultationId, event: 'joined', peer: result.peer });
  }

  /** Relays a signaling message to a peer of the same room, wherever it is connected. */
  async signal(conn: Connection, consultationId: string, to: string, data: unknown) {
    const from = this.peerOf(conn, consultationId);
    if (!from) {
      conn.send(JSON.stringify({ type: 'error', code: 'not_joined', consultationId, zh: '请先进入会诊室', en: 'Join the room first' }));
      return;
    }
    const frame = { type: 'room.signal', consultationId, from: from.peerId, data };
    const local = this.peers.get(to);
    if (local) {
      if (local.consultationId === consultationId) local.conn.send(JSON.stringify(frame));
      return;
    }
    await this.notify(this.handle.db, { origin: this.origin, to, frame });
  }

  /** Leaves one room (a `room.leave` frame) or, without an id, every room of the socket (it closed). */
  async leave(conn: Connection, consultationId?: string) {
    const mine = [...this.peers.values()].filter((p) => p.conn === conn && (!consultationId || p.consultationId === consultationId));
    for (const p of mine) {
      this.peers.delete(p.peerId);
      const peer = { peerId: p.peerId, userId: p.userId, name: p.name };
      const frame = { type: 'room.peer', consultationId: p.consultationId, event: 'left', peer };
      await inTx(this.handle.db, async (tx) => {
        const gone = await tx.deleteFrom('consultation_room_presence').where('consultation_id', '=', p.consultationId)
          .where('peer_id', '=', p.peerId).returning('peer_id').executeTakeFirst();
        if (!gone) return; // already dropped as stale by another process, which recorded the leave
        const c = (await loadRoomConsultation(tx, p.consultationId))!;
        await roomEvent(tx, c, conn.caller.userId, conn.caller.role.institutionId, 'room_leave', { peerId: p.peerId });
        await audit(tx, actorOf(conn.caller), { action: 'consultation.room_leave', objectType: 'consultation', objectId: c.id, patientId: c.patient_id, detail: { peerId: p.peerId } });
        await this.announce(tx, c.id, p.peerId, frame);
      }).catch((err) => this.log.error({ err }, 'leaving the room failed'));
      this.deliverRoom(p.consultationId, p.peerId, frame);
    }
  }

  private peerOf(conn: Connection, consultationId: string): LocalPeer | undefined {
    for (const p of this.peers.values()) if (p.conn === conn && p.consultationId === consultationId) return p;
    return undefined;
  }

  /** Rows of peers whose process died: removed, recorded as leaves, announced to those still there. */
  private async dropStale(tx: Tx, c: RoomConsultation) {
    const stale = await tx.deleteFrom('consultation_room_presence').where('consultation_id', '=', c.id)
      .where(sql<boolean>`seen_at < now() - make_interval(secs => ${ROOM_STALE_SECONDS})`)
      .returning(['peer_id', 'user_id']).execute();
    for (const s of stale) {
      await roomEvent(tx, c, s.user_id, null, 'room_leave', { peerId: s.peer_id, stale: true }, '连接已断开');
      const u = await tx.selectFrom('user_account').select('display_name').where('id', '=', s.user_id).executeTakeFirstOrThrow();
      const frame = { type: 'room.peer', consultationId: c.id, event: 'left', peer: { peerId: s.peer_id, userId: s.user_id, name: u.display_name } };
      await this.announce(tx, c.id, s.peer_id, frame);
      this.deliverRoom(c.id, s.peer_id, frame);
    }
  }

  /** Tells the other processes, at commit, about a room change (this process delivers its own peers directly). */
  private async announce(tx: Tx, consultationId: string, except: string, frame: object) {
    await this.notify(tx, { origin: this.origin, room: consultationId, except, frame });
    await publishTopic(tx, `consultation:${consultationId}`, { type: 'consultation.room' });
  }

  /** Sends an envelope as NOTIFY chunks `<message id>:<index>:<count>:<text>`, in one transaction so they arrive together. */
  private async notify(db: Reader, env: Envelope) {
    const text = JSON.stringify(env);
    const id = randomUUID();
    const count = Math.max(1, Math.ceil(text.length / CHUNK_CHARS));
    await inTx(db, async (tx) => {
      for (let i = 0; i < count; i++)
        await sql`SELECT pg_notify(${ROOM_CHANNEL}, ${`${id}:${i}:${count}:${text.slice(i * CHUNK_CHARS, (i + 1) * CHUNK_CHARS)}`})`.execute(tx);
    });
  }

  private receive(payload: string) {
    const m = /^([0-9a-f-]{36}):(\d+):(\d+):/.exec(payload);
    if (!m) return;
    const [, id, i, n] = m;
    const index = Number(i), count = Number(n);
    const part = payload.slice(m[0].length);
    let text: string;
    if (count === 1) text = part;
    else {
      const now = Date.now();
      for (const [k, v] of this.partial) if (now - v.at > 60_000) this.partial.delete(k);
      let p = this.partial.get(id!);
      if (!p) this.partial.set(id!, (p = { parts: new Array(count), got: 0, at: now }));
      if (p.parts[index] === undefined) { p.parts[index] = part; p.got++; }
      if (p.got < count) return;
      this.partial.delete(id!);
      text = p.parts.join('');
    }
    let env: Envelope;
    try { env = JSON.parse(text); } catch { return; }
    if (env.origin === this.origin) return;
    if ('to' in env) {
      const target = this.peers.get(env.to);
      // Only to a peer of the room the frame is about.
      if (target && target.consultationId === (env.frame as { consultationId?: string }).consultationId) target.conn.send(JSON.stringify(env.frame));
    } else this.deliverRoom(env.room, env.except, env.frame);
  }

  private deliverRoom(consultationId: string, except: string, frame: object) {
    const text = JSON.stringify(frame);
    for (const p of this.peers.values()) if (p.consultationId === consultationId && p.peerId !== except) p.conn.send(text);
  }
}

async function roomEvent(tx: Tx, c: RoomConsultation, userId: string, institutionId: string | null, action: 'room_join' | 'room_leave', detail: Record<string, unknown>, note?: string) {
  await tx.insertInto('consultation_event').values({
    consultation_id: c.id, user_id: userId, institution_id: institutionId, action, from_status: c.status, to_status: c.status,
    note: note ?? null, detail: JSON.stringify(detail),
  }).execute();
}
