/** zod schemas from @yilian/core as antd Form rules, so the browser checks what the server will check. */
import type { FormRule } from 'antd';
import type { ZodType } from 'zod';

/** A rule that runs `schema` on the field's value (empty values pass: use `required` for those). */
export const zodRule = (schema: ZodType, message: string): FormRule => ({
  validator: async (_rule, value: unknown) => {
    if (value === undefined || value === null || value === '') return;
    if (!schema.safeParse(value).success) throw new Error(message);
  },
});
