/**
 * Test harness: each test file gets its own database — an in-memory PGlite, or (YL_TEST_DB=postgres) a freshly
 * created database with a random name on TEST_DATABASE_URL, dropped afterwards — and an app built on it.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance, InjectOptions } from 'fastify';
import pg from 'pg';
import { ensureCodeData } from '../codes/codes.js';
import { loadConfig, type Config } from '../config.js';
import { openDatabase, type Db } from '../db/database.js';
import { migrate } from '../db/migrate.js';
import { buildApp } from '../http/app.js';

export const dbKind = (process.env.YL_TEST_DB ?? 'pglite') as 'pglite' | 'postgres';

export interface TestApp {
  app: FastifyInstance; db: Db; config: Config;
  /** Signs in and returns a client that sends the session cookie. */
  login(username: string, password?: string): Promise<Client>;
  anonymous: Client;
  close(): Promise<void>;
}
export interface Client {
  cookie: string;
  request(method: InjectOptions['method'], url: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
  get(url: string): ReturnType<Client['request']>;
  post(url: string, body?: unknown): ReturnType<Client['request']>;
  patch(url: string, body?: unknown): ReturnType<Client['request']>;
  put(url: string, body?: unknown): ReturnType<Client['request']>;
  delete(url: string): ReturnType<Client['request']>;
}

export const TEST_PASSWORD = 'Test-password-1';

/** A fresh database on TEST_DATABASE_URL (PostgreSQL runs), or nothing (PGlite runs: in memory). */
export async function createDatabase(): Promise<{ url?: string; drop(): Promise<void> }> {
  if (dbKind === 'pglite') return { drop: async () => {} };
  const base = process.env.TEST_DATABASE_URL;
  if (!base) throw new Error('YL_TEST_DB=postgres needs TEST_DATABASE_URL');
  const name = `yl_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(base);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

export async function createTestApp(overrides: Partial<Config> = {}, options: Parameters<typeof buildApp>[2] = {}): Promise<TestApp> {
  const database = await createDatabase();
  const handle = await openDatabase(database.url ? { url: database.url } : { memory: true });
  await migrate(handle.db);
  await ensureCodeData(handle.db);
  // Each app keeps its files (the encrypted store, its key) in a directory of its own, removed on close.
  const dataDir = mkdtempSync(join(tmpdir(), 'yl-test-data-'));
  const config = loadConfig({ logLevel: 'silent', seedDemo: false, dataDir, fileKey: undefined, smtpUrl: undefined, ...overrides });
  const app = await buildApp(handle, config, options);
  await app.ready();
  const client = (cookie: string): Client => {
    const request: Client['request'] = async (method, url, body, headers = {}) => {
      const res = await app.inject({
        method, url, headers: { ...(cookie ? { cookie } : {}), ...headers },
        ...(body === undefined ? {} : typeof body === 'string' || Buffer.isBuffer(body) ? { payload: body } : { payload: body as object }),
      });
      let parsed: unknown = res.body;
      try { parsed = JSON.parse(res.body); } catch { /* not JSON */ }
      return { status: res.statusCode, body: parsed as any, headers: res.headers };
    };
    return {
      cookie, request,
      get: (u) => request('GET', u), post: (u, b) => request('POST', u, b ?? {}), patch: (u, b) => request('PATCH', u, b ?? {}),
      put: (u, b) => request('PUT', u, b ?? {}), delete: (u) => request('DELETE', u),
    };
  };
  return {
    app, db: handle.db, config, anonymous: client(''),
    async login(username, password = TEST_PASSWORD) {
      const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', payload: { username, password } });
      if (res.statusCode !== 200) throw new Error(`login ${username} failed: ${res.statusCode} ${res.body}`);
      const setCookie = res.headers['set-cookie'];
      const first = Array.isArray(setCookie) ? setCookie[0]! : setCookie!;
      return client(first.split(';')[0]!);
    },
    async close() { await app.close(); await handle.close(); await database.drop(); rmSync(dataDir, { recursive: true, force: true }); },
  };
}
