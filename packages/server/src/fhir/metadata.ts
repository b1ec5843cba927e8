/** GET /fhir/metadata: the CapabilityStatement, built from the registry so it lists exactly what is served. */
import type { CapabilityStatement, CapabilityStatementRestResource } from '@medplum/fhirtypes';
import type { ResourceModule } from './resource.js';

/** When this statement last changed in substance (a new type or parameter): bump with the registry. */
const STATEMENT_DATE = '2026-11-23';

export function capabilityStatement(base: string, modules: readonly ResourceModule[]): CapabilityStatement {
  const resource = modules.map((m): CapabilityStatementRestResource => ({
    type: m.type,
    documentation: m.documentation,
    interaction: [
      { code: 'read' }, { code: 'search-type' },
      ...(m.create ? [{ code: 'create' as const }] : []),
      ...(m.update ? [{ code: 'update' as const }, { code: 'patch' as const }] : []),
    ],
    versioning: m.versioned ? 'versioned' : 'no-version',
    readHistory: false,
    updateCreate: false,
    ...(m.create ? { conditionalCreate: m.type === 'Appointment' || !!m.conditionalCreate } : {}),
    ...(m.update && m.conditionalCreate ? { conditionalUpdate: true } : {}),
    searchParam: [
      ...m.searchParams.map((p) => ({ name: p.name, type: p.type, ...(p.definition ? { definition: p.definition } : {}), documentation: p.documentation })),
      { name: '_count', type: 'number' as const, documentation: 'page size, default 20, at most 200' },
      { name: '_offset', type: 'number' as const, documentation: 'entries to skip (the next link carries it)' },
    ],
  }));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: STATEMENT_DATE,
    publisher: '医联 Yilian',
    kind: 'instance',
    software: { name: 'Yilian 医联', version: '0.1.0' },
    implementation: { description: '医联体信息平台 FHIR R4 facade', url: base },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'json'],
    patchFormat: ['application/json-patch+json'],
    rest: [{
      mode: 'server',
      documentation: 'Errors are OperationOutcome: issue.details.coding = error code, details.text = 中文, diagnostics = English.',
      security: {
        // SMART backend services style: OAuth 2.0 client credentials at the token endpoint named here.
        extension: [{
          url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
          extension: [{ url: 'token', valueUri: base.replace(/\/fhir$/, '/oauth2/token') }],
        }],
        service: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'OAuth', display: 'OAuth' }] }],
        description: 'System clients: OAuth 2.0 client credentials (POST /oauth2/token, client id and secret in the body or HTTP Basic), then `Authorization: Bearer yla_…`. Users: the session cookie of /api/v1/auth/login, or `Authorization: Bearer ylt_…` (API token). Only /metadata is public.',
      },
      resource,
      interaction: [{ code: 'transaction' }],
    }],
  };
}
