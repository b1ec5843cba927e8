/**
 * JSON Patch (RFC 6902) for FHIR PATCH, applied by fast-json-patch to a copy of the current resource; the result then
 * goes through the module's update, which decides what may change. move and copy are refused: no status change
 * needs them, and they would let a patch rearrange fields the facade does not let clients set.
 */
import { AppError } from '@yilian/core';
import jsonpatch from 'fast-json-patch';
import { z } from 'zod';
import { unprocessable } from './outcome.js';

const operations = z.array(z.object({
  op: z.enum(['add', 'remove', 'replace', 'test', 'move', 'copy']),
  path: z.string().regex(/^(\/([^~]|~[01])*)+$/),
  value: z.unknown().optional(),
  from: z.string().optional(),
}), 'JSON Patch 须为操作数组 / a JSON Patch is an array of operations').min(1);

export function applyJsonPatch<T extends object>(doc: T, patch: unknown): T {
  const r = operations.safeParse(patch);
  if (!r.success) {
    const i = r.error.issues[0]!;
    const [zh, en] = i.message.includes(' / ') ? i.message.split(' / ') : ['格式不正确', i.message];
    throw new AppError(400, 'invalid_patch', `JSON Patch ${i.path.join('.')}：${zh}`, `JSON Patch ${i.path.join('.')}: ${en}`);
  }
  const unsupported = r.data.find((o) => o.op === 'move' || o.op === 'copy');
  if (unsupported) throw unprocessable('patch_op_unsupported', `不支持 JSON Patch 操作 ${unsupported.op}`, `JSON Patch operation ${unsupported.op} is not supported`);
  try {
    return jsonpatch.applyPatch(structuredClone(doc), r.data as jsonpatch.Operation[], true, true, true).newDocument;
  } catch (err) {
    const name = (err as { name?: string }).name;
    const path = (err as { operation?: { path?: string } }).operation?.path ?? '';
    if (name === 'TEST_OPERATION_FAILED') throw new AppError(409, 'patch_test_failed', `JSON Patch 的 test 操作未通过（${path}）`, `JSON Patch test failed at ${path}`);
    // Unresolvable paths, bad indexes, missing values and prototype paths alike: the patch does not fit the resource.
    throw unprocessable('patch_failed', `JSON Patch 无法应用（${path}）`, `JSON Patch cannot be applied (${path})`);
  }
}
