/** Query-string pieces every list endpoint shares. */
import { z } from 'zod';

/** `limit` (default 50, max 500) and `offset`, to spread into a querystring schema. */
export const page = {
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
};

/** A LIKE pattern that matches `q` literally at the start of the value. */
export const startsWith = (q: string) => `${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
/** A LIKE pattern that matches `q` literally anywhere. */
export const contains = (q: string) => `%${startsWith(q)}`;
