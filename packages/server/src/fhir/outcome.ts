/**
 * Errors under /fhir: the same AppError values as the REST API, shaped as an OperationOutcome — details.coding the
 * error code, details.text the Chinese message, diagnostics the English one, expression the FHIRPath of the field.
 */
import { AppError } from '@yilian/core';
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { toAppError } from '../http/errors.js';
import { CODE_SYSTEM } from './codes.js';

export const FHIR_JSON = 'application/fhir+json; charset=utf-8';

/** OperationOutcome.issue.code by HTTP status (and a few error codes). */
function issueCode(e: AppError): OperationOutcomeIssue['code'] {
  if (e.code === 'malformed_json') return 'structure';
  if (e.code === 'duplicate') return 'duplicate';
  switch (e.status) {
    case 401: return 'login';
    case 403: return 'forbidden';
    case 404: return 'not-found';
    case 405: case 415: return 'not-supported';
    case 409: case 412: return 'conflict';
    case 413: return 'too-costly';
    case 422: return 'business-rule';
  }
  return e.status >= 500 ? 'exception' : 'invalid';
}

/** A field is shown as an expression only when it is a FHIRPath (the facade's own errors); REST field names are not. */
const isFhirPath = (field: string | undefined): field is string => !!field && /^[A-Z][A-Za-z]+(\.|$)/.test(field);

export function toOutcome(e: AppError): OperationOutcome {
  const issue: OperationOutcomeIssue = {
    severity: e.status >= 500 ? 'fatal' : 'error',
    code: issueCode(e),
    details: { coding: [{ system: CODE_SYSTEM.error, code: e.code }], text: e.zh },
    diagnostics: e.en,
  };
  if (isFhirPath(e.field)) issue.expression = [e.field];
  return { resourceType: 'OperationOutcome', issue: [issue] };
}

/** A 400 for the facade's own checks, with the FHIRPath of the offending element. */
export const invalid = (code: string, zh: string, en: string, path?: string) => new AppError(400, code, zh, en, path);
/** A 422: well-formed, but not something this server does with the resource (FHIR's "unprocessable"). */
export const unprocessable = (code: string, zh: string, en: string, path?: string) => new AppError(422, code, zh, en, path);

/** Error and not-found handlers of the /fhir scope: every failure is an OperationOutcome, never a bare 500. */
export function registerFhirErrors(app: FastifyInstance) {
  app.setErrorHandler((err, req, reply) => {
    let e = toAppError(err);
    if (!e) {
      req.log.error({ err }, 'unhandled error (fhir)');
      e = new AppError(500, 'internal', '服务器内部错误，请稍后重试', 'Internal server error');
    }
    return reply.status(e.status).type(FHIR_JSON).send(toOutcome(e));
  });
  app.setNotFoundHandler((req, reply) => { reply.status(404).type(FHIR_JSON).send(toOutcome(noRoute(req))); });
}

export const noRoute = (req: FastifyRequest) => new AppError(404, 'no_route', '接口不存在（不支持的资源类型或操作）',
  `No route ${req.method} ${req.url.split('?')[0]} (unsupported resource type or interaction)`);
