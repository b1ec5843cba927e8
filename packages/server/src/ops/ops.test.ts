import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../test/harness.js';

let t: TestApp;
beforeAll(async () => { t = await createTestApp(); });
afterAll(() => t.close());

describe('operations endpoints', () => {
  it('answers liveness and readiness with the database kind', async () => {
    expect((await t.anonymous.get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await t.anonymous.get('/readyz')).body).toMatchObject({ status: 'ready' });
  });

  it('exposes Prometheus metrics including request durations', async () => {
    await t.anonymous.get('/healthz');
    const res = await t.anonymous.get('/metrics');
    expect(res.status).toBe(200);
    expect(String(res.headers['content-type'])).toMatch(/text\/plain/);
    expect(res.body).toMatch(/yilian_http_request_duration_seconds_bucket\{.*route="\/healthz"/);
    expect(res.body).toMatch(/yilian_process_cpu_seconds_total/);
  });

  it('describes the API in OpenAPI at /api/docs', async () => {
    const res = await t.anonymous.get('/api/docs/json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    expect(Object.keys(res.body.paths)).toContain('/api/v1/auth/login');
    expect((await t.anonymous.get('/api/docs')).status).toBeLessThan(400);
  });

  it('answers an unknown API route with 404 in the error shape', async () => {
    const res = await t.anonymous.get('/api/v1/nope');
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'no_route' });
  });

  it('reports not-ready when the database is gone', async () => {
    const other = await createTestApp();
    await other.app.dbHandle.close();
    const res = await other.anonymous.get('/readyz');
    expect(res.status).toBe(503);
    await other.app.close();
  });
});

describe('the web app', () => {
  it('serves client-side routes with the app and answers a missing asset with 404', async () => {
    const { existsSync } = await import('node:fs');
    if (!existsSync(new URL('../../../web/dist/index.html', import.meta.url))) return; // built by npm start / the browser test
    const page = await t.anonymous.get('/patients/123');
    expect(page.status).toBe(200);
    expect(String(page.headers['content-type'])).toMatch(/text\/html/);
    expect((await t.anonymous.get('/assets/missing-0000.js')).status).toBe(404);
    expect((await t.anonymous.get('/api/v1/unknown')).status).toBe(404);
  });
});
