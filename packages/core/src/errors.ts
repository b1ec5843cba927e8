/** The one error shape of the whole API: a code, a message in Chinese and English, and the field at fault. */
export interface ApiErrorBody {
  error: { code: string; zh: string; en: string; field?: string; details?: unknown };
}

export class AppError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly zh: string,
    readonly en: string,
    readonly field?: string,
    readonly details?: unknown,
  ) {
    super(en);
    this.name = 'AppError';
  }

  toBody(): ApiErrorBody {
    const error: ApiErrorBody['error'] = { code: this.code, zh: this.zh, en: this.en };
    if (this.field) error.field = this.field;
    if (this.details !== undefined) error.details = this.details;
    return { error };
  }
}

export const badRequest = (code: string, zh: string, en: string, field?: string, details?: unknown) =>
  new AppError(400, code, zh, en, field, details);
export const unauthorized = () =>
  new AppError(401, 'unauthenticated', '请先登录', 'Please sign in first');
export const forbidden = (zh = '无权执行此操作', en = 'You are not allowed to do this', details?: unknown) =>
  new AppError(403, 'forbidden', zh, en, undefined, details);
export const notFound = (what: { zh: string; en: string }, field?: string) =>
  new AppError(404, 'not_found', `${what.zh}不存在`, `${what.en} not found`, field);
export const conflict = (code: string, zh: string, en: string, field?: string, details?: unknown) =>
  new AppError(409, code, zh, en, field, details);
