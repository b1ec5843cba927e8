/**
 * JSON Patch (RFC 6902) for FHIR PATCH: add, remove, replace and test on the current resource; the result then goes
 * through the module's update, which decides what may change. move/copy are refused — nobody needs them for the
 * status changes the facade supports, and a library for them is not worth a dependency.
 */
import { AppError } from '@yilian/core';
import { z } from 'zod';
import { unprocessable } from './outcome.js';

const operations = z.array(z.object({
  op: z.enum(['add', 'remove', 'replace', 'test', 'move', 'copy']),
  path: z.string().regex(/^(\/([^~]|~[01])*)+$/),
  value: z.unknown().optional(),
  from: z.string().optional(),
}), 'JSON Patch 须为操作数组 / a JSON Patch is an array of operations').min(1);

const canonical = (v: unknown): string => JSON.stringify(v, (_k, x) =>
  x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b))) : x);

const failed = (path: string, zh: string, en: string) => unprocessable('patch_failed', `JSON Patch 无法应用（${path}）：${zh}`, `JSON Patch cannot be applied (${path}): ${en}`);

export function applyJsonPatch<T extends object>(doc: T, patch: unknown): T {
  const r = operations.safeParse(patch);
  if (!r.success) {
    const i = r.error.issues[0]!;
    const [zh, en] = i.message.includes(' / ') ? i.message.split(' / ') : ['格式不正确', i.message];
    throw new AppError(400, 'invalid_patch', `JSON Patch ${i.path.join('.')}：${zh}`, `JSON Patch ${i.path.join('.')}: ${en}`);
  }
  const out = structuredClone(doc) as Record<string, unknown>;
  for (const { op, path, value } of r.data) {
    if (op === 'move' || op === 'copy') throw unprocessable('patch_op_unsupported', `不支持 JSON Patch 操作 ${op}`, `JSON Patch operation ${op} is not supported`);
    const tokens = path.slice(1).split('/').map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (tokens.some((t) => t === '__proto__' || t === 'constructor' || t === 'prototype')) throw failed(path, '路径不存在', 'the path does not exist');
    const last = tokens.pop()!;
    let parent: unknown = out;
    for (const t of tokens) {
      parent = parent && typeof parent === 'object' ? (parent as Record<string, unknown>)[t] : undefined;
      if (parent === undefined || parent === null || typeof parent !== 'object') throw failed(path, '路径不存在', 'the path does not exist');
    }
    const container = parent as Record<string, unknown>;
    const isArray = Array.isArray(container);
    const index = isArray ? (last === '-' ? (container as unknown[]).length : Number(last)) : NaN;
    if (isArray && !(Number.isInteger(index) && index >= 0 && index <= (container as unknown[]).length)) throw failed(path, '数组下标无效', 'invalid array index');
    const exists = isArray ? index < (container as unknown[]).length : Object.hasOwn(container, last);
    if (op !== 'add' && !exists) throw failed(path, '路径不存在', 'the path does not exist');
    if ((op === 'add' || op === 'replace' || op === 'test') && value === undefined) throw failed(path, '缺少 value', 'value is missing');
    if (op === 'test') {
      const current = isArray ? (container as unknown[])[index] : container[last];
      if (canonical(current) !== canonical(value))
        throw new AppError(409, 'patch_test_failed', `JSON Patch 的 test 操作未通过（${path}）`, `JSON Patch test failed at ${path}`);
    } else if (isArray) {
      const arr = container as unknown[];
      if (op === 'add') arr.splice(index, 0, value);
      else if (op === 'remove') arr.splice(index, 1);
      else arr[index] = value;
    } else if (op === 'remove') delete container[last];
    else container[last] = value;
  }
  return out as T;
}
