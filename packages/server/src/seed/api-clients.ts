/**
 * Demo API clients: one per demo institution (`his-RMYY`, `his-WSY01` …), so a HIS can be tried against /oauth2/token
 * and /fhir at once. Ids and secrets are deterministic — the secret is an HMAC of the client id under a fixed demo
 * seed string — so the README can list them. That is fine for a demo and nothing else: anyone with this repository
 * knows them. Real clients are created in the admin UI (POST /api/v1/api-clients) with random secrets.
 */
import { createHmac } from 'node:crypto';
import type { Tx } from '../db/database.js';
import { insertClient, SECRET_PREFIX } from '../oauth/clients.js';
import type { DemoRows } from './build.js';

const DEMO_SECRET_SEED = 'yilian-demo-api-clients-2026';

export const demoClientId = (institutionCode: string) => `his-${institutionCode}`;
export const demoClientSecret = (clientId: string) =>
  SECRET_PREFIX + createHmac('sha256', DEMO_SECRET_SEED).update(clientId).digest('base64url');

export async function seedApiClients(tx: Tx, rows: Pick<DemoRows, 'institution'>) {
  for (const inst of rows.institution) {
    const clientId = demoClientId(inst.code as string);
    await insertClient(tx, { clientId, secret: demoClientSecret(clientId), name: `${inst.short_name ?? inst.name} HIS 接口`, institutionId: inst.id as string, createdBy: null });
  }
}
