/**
 * The consultation video room through a real TURN server: coturn (`turnserver`, installed by .ci/run) on loopback
 * with a shared secret, the app configured with TURN_URLS + TURN_SECRET and ICE_TRANSPORT_POLICY=relay. The two
 * participants' browsers may then connect only through the relay, with the time-limited credentials the server hands
 * out — so decoded video on both sides, over a pair whose local candidate is `relay`, proves the credentials coturn
 * accepts. When the TURN server goes away and comes back, the ICE restart brings the video back (checked to fail
 * without it). Needs Chromium and coturn: under CI=true their absence fails the test.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRoomConsultation } from '../consultation/room-fixtures.js';
import type { DbHandle } from '../db/database.js';
import { prepareBrowserTest, runBrowserTests, serveAndLaunch } from './chromium.js';
import { MEDIA_FLAGS, openRoomWorld, roomStats, signedInPage } from './room-world.js';

const TURNSERVER = process.env.TURNSERVER_PATH ?? '/usr/bin/turnserver';

let handle: DbHandle, app: FastifyInstance, browser: Browser, base: string, turn: ChildProcess, dir: string, turnLog = '';
let port: number, secret: string;
let w: Awaited<ReturnType<typeof openRoomWorld>>['w'];

async function freePort(): Promise<number> {
  return new Promise((resolve) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); }); });
}

/** coturn on 127.0.0.1:`port` with TURN REST credentials from `secret`, relaying between loopback peers. */
async function startTurn(port: number, secret: string): Promise<ChildProcess> {
  const child = spawn(TURNSERVER, ['-n', '--listening-ip=127.0.0.1', '--relay-ip=127.0.0.1', `--listening-port=${port}`,
    `--min-port=${port + 1}`, `--max-port=${port + 60}`, '--realm=yilian.test', '--no-tls', '--no-dtls', '--no-cli', '--fingerprint',
    '--use-auth-secret', `--static-auth-secret=${secret}`, '--allow-loopback-peers', `--userdb=${join(dir, 'turndb')}`,
    '--log-file=stdout', '--simple-log', `--pidfile=${join(dir, 'turn.pid')}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (b: Buffer) => { turnLog += b.toString(); });
  child.stderr!.on('data', (b: Buffer) => { turnLog += b.toString(); });
  for (let i = 0; i < 100; i++) {
    if (child.exitCode !== null) break;
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); }).on('error', () => resolve(false));
    });
    if (up) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`turnserver did not start on ${port}:\n${turnLog.slice(-2000)}`);
}

const as = (username: string) => signedInPage(browser, base, username, { width: 1280, height: 800 });
/** Per remote peer: connection state, video frames decoded and the local candidate type of the pair in use. */
const peerStats = async (page: Page) => (await roomStats(page))?.map((s) => ({ name: s.name, state: s.state, frames: s.framesDecoded, candidateType: s.candidateType })) ?? null;

describe.runIf(runBrowserTests)('the consultation video room through a TURN relay (coturn)', () => {
  beforeAll(async () => {
    prepareBrowserTest();
    if (!existsSync(TURNSERVER)) throw new Error(`coturn not found at ${TURNSERVER}: install it (apt-get install -y coturn) or set TURNSERVER_PATH`);
    dir = mkdtempSync(join(tmpdir(), 'yl-turn-'));
    secret = randomBytes(24).toString('base64url');
    port = 20_000 + Math.floor(Math.random() * 20_000);
    turn = await startTurn(port, secret);
    ({ handle, w } = await openRoomWorld());
    ({ app, base, browser } = await serveAndLaunch(handle, MEDIA_FLAGS, {
      turnUrls: [`turn:127.0.0.1:${port}?transport=udp`], turnSecret: secret, iceTransportPolicy: 'relay',
    }));
  }, 180_000);
  afterAll(async () => {
    await browser?.close(); await app?.close(); await handle?.close();
    turn?.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('both participants see each other’s video, relayed by the TURN server with the credentials the server handed out, and again after it restarts', async () => {
    const c = await makeRoomConsultation(handle.db, {
      patientId: w.patient.id, applicantId: w.users.doctor_lower.id, fromInstitutionId: w.lower.id, centreInstitutionId: w.upper.id,
      experts: [{ practitionerId: w.doctorP.id, userId: w.users.doctor.id, institutionId: w.upper.id }],
    });
    const applicant = await as('doctor_lower');
    const expert = await as('doctor');
    const info = await (await applicant.context().request.get(`${base}/api/v1/consultations/${c.id}/room`)).json();
    expect(info.iceTransportPolicy).toBe('relay');
    expect(info.iceServers).toEqual([expect.objectContaining({ urls: [expect.stringMatching(/^turn:127\.0\.0\.1:\d+\?transport=udp$/)], username: expect.stringMatching(/^\d+:/) })]);

    await applicant.goto(`${base}/consultations/${c.id}/room`);
    await expert.goto(`${base}/consultations/${c.id}/room`);
    for (const [page, other] of [[applicant, '张明'], [expert, '赵乡']] as const)
      await expect.poll(async () => {
        const s = await peerStats(page);
        return s?.length === 1 && s[0]!.name === other && s[0]!.frames > 0 && s[0]!.candidateType === 'relay';
      }, { timeout: 40_000, message: `relayed video from ${other} (turnserver log: ${turnLog.slice(-600)})` }).toBe(true);
    // A relay candidate exists only after coturn accepted an allocation: the REST credentials worked.

    // The TURN server goes away (a restart, a network change): the connection is lost, and once the server is back
    // the ICE restart of the side that offered brings the video back — without leaving the room.
    turn.kill('SIGKILL');
    await expect.poll(async () => (await peerStats(applicant))?.[0]?.state, { timeout: 40_000, message: 'connection lost' }).not.toBe('connected');
    turn = await startTurn(port, secret);
    const before = (await peerStats(expert))?.[0]?.frames ?? 0;
    for (const page of [applicant, expert])
      await expect.poll(async () => {
        const s = (await peerStats(page))?.[0];
        return s?.state === 'connected' && s.candidateType === 'relay' && s.frames > before + 20;
      }, { timeout: 60_000, message: 'video back after the ICE restart' }).toBe(true);
    await applicant.close(); await expert.close();
  }, 180_000);
});
