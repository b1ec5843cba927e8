/** Configuration from the environment, with the defaults a demo needs. Documented in README.md. */
import { resolve } from 'node:path';

const num = (name: string, fallback: number) => {
  const v = process.env[name];
  return v === undefined || v === '' ? fallback : Number(v);
};

export interface Config {
  port: number; host: string; dataDir: string; databaseUrl?: string;
  sessionIdleMinutes: number; sessionAbsoluteHours: number; cookieSecure: boolean;
  loginMaxFailures: number; loginLockMinutes: number; bodyLimitBytes: number; uploadLimitBytes: number;
  seedDemo: boolean; showDemoAccounts: boolean; logLevel: string;
  /** AES-256 key of the file store (32 bytes, base64 or hex); unset → generated once into DATA_DIR/file.key. */
  fileKey?: string;
  /** SMTP server for e-mail notifications (smtp://user:pass@host:port, smtps://…); unset → e-mail is only recorded. */
  smtpUrl?: string; smtpFrom: string;
  /** Outbound sweep: pick up pending messages older than this (ms) every `outboundSweepMs`. */
  outboundSweepMs: number; outboundStaleMs: number;
  /** Days the per-person event log is kept for WebSocket replay. */
  eventRetentionDays: number;
  /** Server-side WebSocket heartbeat: ping every interval, close after `wsTimeoutMs` without any answer. */
  wsPingMs: number; wsTimeoutMs: number;
  /** Video room ICE: static RTCIceServer entries (`ICE_SERVERS`, JSON) and/or TURN servers given time-limited REST
   *  credentials from a secret shared with coturn (`TURN_URLS`, comma-separated, + `TURN_SECRET`). */
  iceServers: IceServer[]; turnUrls: string[]; turnSecret?: string; turnTtlSeconds: number;
  /** `relay`: media only through the TURN server (participants' addresses stay hidden from each other; networks that
   *  allow no direct UDP between sites). `all` (default): direct where possible. */
  iceTransportPolicy: 'all' | 'relay';
  /** How many audit hash chains commits spread over (1–64): more chains, fewer commits waiting for a chain's lock. */
  auditChains: number;
}

/** RTCIceServer as the browser takes it. */
export interface IceServer { urls: string | string[]; username?: string; credential?: string }

function iceServersFromEnv(): IceServer[] {
  const raw = process.env.ICE_SERVERS;
  if (!raw) return [];
  let v: unknown;
  try { v = JSON.parse(raw); } catch { throw new Error('ICE_SERVERS must be a JSON array of {urls, username?, credential?}'); }
  const ok = Array.isArray(v) && v.every((s) => s && typeof s === 'object'
    && (typeof s.urls === 'string' || (Array.isArray(s.urls) && s.urls.every((u: unknown) => typeof u === 'string'))));
  if (!ok) throw new Error('ICE_SERVERS must be a JSON array of {urls, username?, credential?}');
  return v as IceServer[];
}

function iceTransportPolicyFromEnv(): 'all' | 'relay' {
  const v = process.env.ICE_TRANSPORT_POLICY || 'all';
  if (v !== 'all' && v !== 'relay') throw new Error('ICE_TRANSPORT_POLICY must be all or relay');
  return v;
}

export function loadConfig(overrides: Partial<Config> = {}): Config {
  return {
    port: num('PORT', 8080),
    host: process.env.HOST ?? '0.0.0.0',
    dataDir: resolve(process.env.DATA_DIR ?? 'data'),
    databaseUrl: process.env.DATABASE_URL || undefined,
    sessionIdleMinutes: num('SESSION_IDLE_MINUTES', 30),
    sessionAbsoluteHours: num('SESSION_ABSOLUTE_HOURS', 12),
    cookieSecure: process.env.COOKIE_SECURE === 'true',
    loginMaxFailures: num('LOGIN_MAX_FAILURES', 5),
    loginLockMinutes: num('LOGIN_LOCK_MINUTES', 15),
    bodyLimitBytes: num('BODY_LIMIT_BYTES', 1024 * 1024),
    uploadLimitBytes: num('UPLOAD_LIMIT_BYTES', 10 * 1024 * 1024),
    seedDemo: process.env.SEED_DEMO !== 'false',
    showDemoAccounts: process.env.SHOW_DEMO_ACCOUNTS !== 'false',
    logLevel: process.env.LOG_LEVEL ?? 'info',
    fileKey: process.env.FILE_KEY || undefined,
    smtpUrl: process.env.SMTP_URL || undefined,
    smtpFrom: process.env.SMTP_FROM || 'Yilian 医联 <no-reply@yilian.local>',
    outboundSweepMs: num('OUTBOUND_SWEEP_MS', 30_000),
    outboundStaleMs: num('OUTBOUND_STALE_MS', 10_000),
    eventRetentionDays: num('EVENT_RETENTION_DAYS', 7),
    wsPingMs: num('WS_PING_MS', 25_000),
    wsTimeoutMs: num('WS_TIMEOUT_MS', 60_000),
    iceServers: iceServersFromEnv(),
    turnUrls: (process.env.TURN_URLS ?? '').split(',').map((u) => u.trim()).filter(Boolean),
    turnSecret: process.env.TURN_SECRET || undefined,
    turnTtlSeconds: num('TURN_TTL_SECONDS', 3600),
    iceTransportPolicy: iceTransportPolicyFromEnv(),
    auditChains: num('AUDIT_CHAINS', 8),
    ...overrides,
  };
}
