/**
 * The facade's registry: one module per FHIR resource type, mapping domain rows ↔ FHIR JSON. The routes, the
 * CapabilityStatement and the tests all read this list; a new type is one module plus one line here.
 */
import { allergyModule } from './allergy.js';
import { appointmentModule } from './appointment.js';
import { conditionModule } from './condition.js';
import { consentModule } from './consent.js';
import { diagnosticReportModule } from './diagnostic-report.js';
import { documentReferenceModule } from './document-reference.js';
import { encounterModule } from './encounter.js';
import { medicationRequestModule } from './medication-request.js';
import { observationModule } from './observation.js';
import { organizationModule } from './organization.js';
import { patientModule } from './patient.js';
import { practitionerModule, practitionerRoleModule } from './practitioner.js';
import type { ResourceModule } from './resource.js';
import { scheduleModule } from './schedule.js';
import { serviceRequestModule } from './service-request.js';
import { slotModule } from './slot.js';
import { taskModule } from './task.js';

export const RESOURCES: readonly ResourceModule[] = [
  organizationModule, practitionerModule, practitionerRoleModule, patientModule,
  encounterModule, conditionModule, allergyModule, medicationRequestModule, observationModule, diagnosticReportModule,
  documentReferenceModule, consentModule,
  scheduleModule, slotModule, appointmentModule,
  serviceRequestModule, taskModule,
] as readonly ResourceModule[];
