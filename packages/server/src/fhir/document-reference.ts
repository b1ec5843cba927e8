/**
 * DocumentReference ↔ document (文书: discharge summaries, referral letters, consent forms, scans …). Attachments
 * are links to the REST attachment route (which checks record access and audits the download); text written in
 * the platform is an inline text/plain attachment. Files are uploaded through REST (multipart), not here.
 */
import type { DocumentReference } from '@medplum/fhirtypes';
import { CODE_SYSTEM } from './codes.js';
import { tokenValue } from './mapping.js';
import { unprocessable } from './outcome.js';
import { clinicalModule, encounterRef, identifierOf, institutionRef, optionalRef, practitionerRef, storedIdentifier, subjectRef, versionMeta } from './record.js';

const KIND_ZH: Record<string, string> = {
  discharge_summary: '出院小结', referral_letter: '转诊单', consultation_opinion: '会诊意见', consent_form: '知情同意书', scanned: '扫描件', outpatient_record: '门诊病历', other: '其他文书',
};

export const documentReferenceModule = clinicalModule<DocumentReference, 'document'>({
  type: 'DocumentReference', kind: 'document', table: 'document', label: { zh: '文书', en: 'DocumentReference' },
  documentation: 'A document (文书): type = kind, description = title, content = attachments as links to /api/v1/record/documents/<id>/attachments/<n> and the text inline. Versioned.',
  statusColumn: 'status', hasEncounter: true,
  dates: { date: { column: 'authored_at', documentation: 'when it was written' } },
  tokens: {
    type: { documentation: `discharge_summary | referral_letter | consultation_opinion | consent_form | scanned | outpatient_record | other (${CODE_SYSTEM.documentKind})`, where: (q, v) => q.where('e.kind' as 'e.id', '=', tokenValue(v).code) },
  },
  paths: { kind: 'DocumentReference.type', title: 'DocumentReference.description', text: 'DocumentReference.content', authoredAt: 'DocumentReference.date', status: 'DocumentReference.status', encounterId: 'DocumentReference.context.encounter', practitionerId: 'DocumentReference.author', identifier: 'DocumentReference.identifier' },
  toFhir(v, m) {
    const identifier = identifierOf(v.identifier, m.codes.get(v.institutionId ?? ''));
    const attachments = (v.attachments ?? []).map((a) => ({
      attachment: { contentType: a.contentType, url: `${m.apiBase}/record/documents/${v.id}/attachments/${a.position}`, title: a.name, size: a.size },
    }));
    const text = v.text ? [{ attachment: { contentType: 'text/plain; charset=utf-8', data: Buffer.from(v.text as string, 'utf8').toString('base64'), title: v.title as string } }] : [];
    const content = [...text, ...attachments];
    const author = [institutionRef(v), practitionerRef(v)].filter((x) => !!x);
    return {
      resourceType: 'DocumentReference', id: v.id, meta: versionMeta(v),
      ...(identifier ? { identifier } : {}),
      status: v.status as DocumentReference['status'],
      docStatus: 'final',
      type: { coding: [{ system: CODE_SYSTEM.documentKind, code: v.kind as string, display: KIND_ZH[v.kind as string] }], text: KIND_ZH[v.kind as string] },
      subject: subjectRef(v),
      date: new Date(v.authoredAt as Date).toISOString(),
      ...(author.length ? { author: author as never } : {}),
      ...(institutionRef(v) ? { custodian: institutionRef(v) } : {}),
      description: v.title as string,
      content: content.length ? content : [{ attachment: { title: v.title as string } }],
      ...(encounterRef(v) ? { context: { encounter: [encounterRef(v)!] } } : {}),
    };
  },
  async fromFhir(r) {
    const atts: any[] = (r.content ?? []).map((c: any) => c?.attachment).filter(Boolean);
    if (atts.some((a) => a.url))
      throw unprocessable('attachment_upload', 'DocumentReference.content：附件请通过 REST 接口上传（POST /api/v1/patients/<id>/documents，multipart）',
        'DocumentReference.content: upload files through REST (POST /api/v1/patients/<id>/documents, multipart)', 'DocumentReference.content');
    const textAtt = atts.find((a) => a.data && /^text\/plain/.test(a.contentType ?? ''));
    const kind = r.type?.coding?.find((c: any) => c?.system === CODE_SYSTEM.documentKind)?.code ?? r.type?.coding?.[0]?.code;
    return {
      kind: kind && kind in KIND_ZH ? kind : 'other',
      title: r.description ?? atts[0]?.title ?? r.type?.text,
      text: textAtt ? Buffer.from(textAtt.data, 'base64').toString('utf8') : null,
      authoredAt: r.date,
      status: r.status,
      encounterId: optionalRef(r.context?.encounter?.[0], ['Encounter'], 'DocumentReference.context.encounter', { zh: '就诊记录', en: 'Encounter' }) ?? null,
      practitionerId: optionalRef(r.author?.find((a: any) => /Practitioner\//.test(a?.reference ?? '')), ['Practitioner'], 'DocumentReference.author', { zh: '医务人员', en: 'Practitioner' }) ?? null,
      identifier: storedIdentifier(r.identifier, 'DocumentReference.identifier') ?? null,
    };
  },
});
