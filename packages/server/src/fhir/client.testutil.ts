/**
 * Test helper: a FHIR client over the harness's signed-in client. Bodies go out as application/fhir+json (or as
 * given); every answer must be application/fhir+json and valid FHIR R4 (validate.testutil.ts) — success or error.
 */
import { expect } from 'vitest';
import type { Client } from '../test/harness.js';
import { expectValidFhir } from './validate.testutil.js';

export interface FhirAnswer { status: number; body: any; headers: Record<string, unknown> }

export function fhirClient(c: Client) {
  const request = async (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', url: string, body?: unknown, headers: Record<string, string> = {}): Promise<FhirAnswer> => {
    const contentType = method === 'PATCH' ? 'application/json-patch+json' : 'application/fhir+json';
    const payload = body === undefined || typeof body === 'string' ? body : JSON.stringify(body);
    const res = await c.request(method, url, payload, { ...(payload !== undefined ? { 'content-type': contentType } : {}), ...headers });
    expect(String(res.headers['content-type']), `${method} ${url} → ${res.status}`).toMatch(/^application\/fhir\+json/);
    expectValidFhir(res.body);
    return res;
  };
  return {
    request,
    get: (url: string) => request('GET', url),
    post: (url: string, body: unknown, headers?: Record<string, string>) => request('POST', url, body, headers),
    put: (url: string, body: unknown) => request('PUT', url, body),
    patch: (url: string, ops: unknown) => request('PATCH', url, ops),
  };
}
export type FhirClient = ReturnType<typeof fhirClient>;

/** Asserts an OperationOutcome error with the status, error code and (when given) the zh/en messages. */
export function expectOutcome(res: FhirAnswer, status: number, code?: string, messages?: { zh?: string | RegExp; en?: string | RegExp }) {
  expect(res.status, JSON.stringify(res.body).slice(0, 400)).toBe(status);
  expect(res.body.resourceType).toBe('OperationOutcome');
  const issue = res.body.issue[0];
  expect(issue.severity).toBe('error');
  expect(issue.details.text, 'details.text carries the Chinese message').toBeTruthy();
  expect(issue.diagnostics, 'diagnostics carries the English message').toBeTruthy();
  if (code) expect(issue.details.coding[0].code).toBe(code);
  if (messages?.zh) expect(issue.details.text).toMatch(messages.zh);
  if (messages?.en) expect(issue.diagnostics).toMatch(messages.en);
  return issue;
}
