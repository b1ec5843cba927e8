import type { Action } from '@yilian/core';

export type AuthContextCan = (action: Action, institutionId?: string | null) => boolean;
