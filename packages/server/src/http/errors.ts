/** Maps every failure to the one API error shape; nothing reaches the client as a bare 500 unless it is a bug. */
import { AppError } from '@yilian/core';
import type { FastifyError, FastifyInstance } from 'fastify';
import { z } from 'zod';

const zh = z.locales.zhCN().localeError;
const en = z.locales.en().localeError;
const text = (f: ((i: never) => unknown) | undefined, issue: unknown) => {
  const r = f?.(issue as never);
  return typeof r === 'string' ? r : (r as { message?: string } | undefined)?.message ?? '';
};

/** A zod failure as a 400 naming the first offending field; all issues are listed in `details`. */
export function validationError(error: z.ZodError, part = 'body'): AppError {
  const issues = error.issues.map((i) => {
    // An unknown key in a strict object is named by the key itself.
    const path = i.code === 'unrecognized_keys' ? [...i.path, i.keys[0]!] : i.path;
    const field = path.length ? path.join('.') : part;
    // Messages written in our schemas are "中文 / English"; otherwise take zod's own locales.
    const custom = i.message.includes(' / ') ? i.message.split(' / ') : null;
    return { field, zh: custom?.[0] ?? text(zh as never, i), en: custom?.[1] ?? text(en as never, i) };
  });
  const first = issues[0]!;
  return new AppError(400, 'validation', `${first.field}：${first.zh}`, `${first.field}: ${first.en}`, first.field, issues);
}

const PG_ERRORS: Record<string, (e: { constraint?: string; detail?: string }) => AppError> = {
  '23505': (e) => new AppError(409, 'duplicate', '记录已存在（唯一性冲突）', 'A record with this value already exists', e.constraint),
  '23503': (e) => new AppError(400, 'unknown_reference', '引用的对象不存在', 'A referenced object does not exist', e.constraint),
  '23514': (e) => new AppError(400, 'check_failed', '数据不符合约束条件', 'The data breaks a rule of the database', e.constraint),
  '22P02': () => new AppError(400, 'invalid_value', '参数格式不正确', 'A value has the wrong format'),
  '22007': () => new AppError(400, 'invalid_value', '日期时间格式不正确', 'A date or time has the wrong format'),
  '22008': () => new AppError(400, 'invalid_value', '日期时间超出范围', 'A date or time is out of range'),
  '22001': () => new AppError(400, 'too_long', '内容过长', 'A value is too long'),
};

export function toAppError(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  const e = err as FastifyError & { code?: string; constraint?: string };
  if (e?.code && PG_ERRORS[e.code]) return PG_ERRORS[e.code]!(e);
  switch (e?.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new AppError(400, 'malformed_json', '请求体不是有效的 JSON', 'The request body is not valid JSON', 'body');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
    case 'FST_REQ_FILE_TOO_LARGE':
      return new AppError(413, 'too_large', '请求内容过大', 'The request is too large', 'body');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new AppError(415, 'unsupported_media_type', '不支持的内容类型', 'Unsupported content type', 'content-type');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new AppError(400, 'bad_request', '请求长度不正确', 'Content-Length does not match the body', 'body');
  }
  if (err instanceof SyntaxError) return new AppError(400, 'malformed_json', '请求体不是有效的 JSON', 'The request body is not valid JSON', 'body');
  if (e?.statusCode && e.statusCode >= 400 && e.statusCode < 500)
    return new AppError(e.statusCode, 'bad_request', '请求无效', e.message || 'Bad request');
  return null;
}

export function registerErrorHandling(app: FastifyInstance, singlePageApp = false) {
  app.setErrorHandler((err, req, reply) => {
    const appError = toAppError(err);
    if (appError) return reply.status(appError.status).send(appError.toBody());
    req.log.error({ err }, 'unhandled error');
    return reply.status(500).send(new AppError(500, 'internal', '服务器内部错误，请稍后重试', 'Internal server error').toBody());
  });
  app.setNotFoundHandler((req, reply) => {
    // Client-side routes get the app; API paths and missing files (anything with an extension) get a real 404.
    const path = req.url.split('?')[0]!;
    if (singlePageApp && req.method === 'GET' && !/^\/(api|fhir|ws|metrics|healthz|readyz)(\/|$)/.test(path) && !/\.[A-Za-z0-9]+$/.test(path))
      return reply.sendFile('index.html');
    reply.status(404).send(new AppError(404, 'no_route', '接口不存在', `No route ${req.method} ${req.url.split('?')[0]}`).toBody());
  });
}
