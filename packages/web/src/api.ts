/** The API client: fetch with the session cookie, JSON in and out, and the one error shape turned into ApiError. */
import { AppError, type ApiErrorBody } from '@yilian/core';

/** An error answer of the API, as the server's AppError (same fields), with the message for the reader's language. */
export class ApiError extends AppError {
  constructor(status: number, code: string, zh: string, en: string, field?: string, details?: unknown) {
    super(status, code, zh, en, field, details);
    this.message = en || zh || code;
    this.name = 'ApiError';
  }

  /** The message in the language the user reads. */
  text(lang: string): string {
    return (lang.startsWith('en') ? this.en : this.zh) || this.zh || this.en || this.code;
  }
}

export interface Page<T> { total: number; items: T[]; totalCapped?: boolean }

type Query = Record<string, string | number | boolean | null | undefined>;
export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  body?: unknown;
  query?: Query;
  signal?: AbortSignal;
  /** Extra request headers (e.g. `Idempotency-Key`). */
  headers?: Record<string, string>;
  /** A 401 is part of this call's answer (sign-in, session probe): do not jump to the login page. */
  expect401?: boolean;
}

let onUnauthorized: (() => void) | null = null;
/** The auth provider registers what a 401 from any call should do (forget the user, go to the login page). */
export const setUnauthorizedHandler = (fn: (() => void) | null) => { onUnauthorized = fn; };

export function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const qs = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== null && v !== '') qs.set(k, String(v));
  const s = qs.toString();
  return s ? `${path}${path.includes('?') ? '&' : '?'}${s}` : path;
}

const base = (path: string) => (path.startsWith('/') ? path : `/api/v1/${path}`);

async function toError(res: Response): Promise<ApiError> {
  let body: Partial<ApiErrorBody> | null = null;
  try { body = (await res.json()) as ApiErrorBody; } catch { /* not JSON */ }
  const e = body?.error;
  if (e) return new ApiError(res.status, e.code, e.zh, e.en, e.field, e.details);
  return new ApiError(res.status, `http_${res.status}`, `服务器返回错误（${res.status}）`, `The server answered ${res.status}`);
}

/** Calls the API; `path` without a leading slash is taken relative to /api/v1. */
export async function api<T = unknown>(path: string, opts: RequestOptions = {}): Promise<T> {
  const init: RequestInit = { method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'), credentials: 'include', signal: opts.signal };
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.body instanceof FormData) init.body = opts.body;
  else if (opts.body !== undefined) {
    init.body = JSON.stringify(opts.body);
    headers['Content-Type'] = 'application/json';
  }
  if (Object.keys(headers).length) init.headers = headers;
  let res: Response;
  try {
    res = await fetch(withQuery(base(path), opts.query), init);
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, 'network', '无法连接服务器，请检查网络', 'Cannot reach the server; check the network');
  }
  if (!res.ok) {
    const error = await toError(res);
    if (res.status === 401 && !opts.expect401) onUnauthorized?.();
    throw error;
  }
  if (res.status === 204) return undefined as T;
  const type = res.headers.get('content-type') ?? '';
  return (type.includes('json') ? await res.json() : await res.text()) as T;
}

export const get = <T>(path: string, query?: Query, signal?: AbortSignal) => api<T>(path, { query, signal });
export const post = <T>(path: string, body: unknown = {}, query?: Query) => api<T>(path, { method: 'POST', body, query });
export const patch = <T>(path: string, body: unknown) => api<T>(path, { method: 'PATCH', body });
export const del = <T>(path: string) => api<T>(path, { method: 'DELETE' });
export const put = <T>(path: string, body: unknown) => api<T>(path, { method: 'PUT', body });

/** Lists from older or partial endpoints may come as a bare array; accept both. */
export function asPage<T>(data: Page<T> | T[] | null | undefined): Page<T> {
  if (!data) return { total: 0, items: [] };
  if (Array.isArray(data)) return { total: data.length, items: data };
  return { total: data.total ?? data.items?.length ?? 0, items: data.items ?? [] };
}

/** A created or updated record, whether the server answers with the record itself or wraps it (`{patient: {...}}`). */
export function entity<T extends { id: string }>(reply: unknown, key: string): T | undefined {
  if (!reply || typeof reply !== 'object') return undefined;
  const r = reply as Record<string, unknown>;
  if (typeof r.id === 'string') return r as T;
  const inner = r[key];
  return inner && typeof inner === 'object' && typeof (inner as { id?: unknown }).id === 'string' ? (inner as T) : undefined;
}
