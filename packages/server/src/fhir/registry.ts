/**
 * The facade's registry: one module per FHIR resource type, mapping domain rows ↔ FHIR JSON. The routes, the
 * CapabilityStatement and the tests all read this list; a new type is one module plus one line here.
 */
import { appointmentModule } from './appointment.js';
import { organizationModule } from './organization.js';
import { patientModule } from './patient.js';
import { practitionerModule, practitionerRoleModule } from './practitioner.js';
import type { ResourceModule } from './resource.js';
import { scheduleModule } from './schedule.js';
import { slotModule } from './slot.js';

export const RESOURCES: readonly ResourceModule[] = [
  organizationModule, practitionerModule, practitionerRoleModule, patientModule,
  scheduleModule, slotModule, appointmentModule,
] as readonly ResourceModule[];
