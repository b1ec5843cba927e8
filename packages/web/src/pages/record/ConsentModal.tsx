/**
 * 登记授权同意: the patient's consent to share the record — who signed (本人 or a relative), with which institutions
 * (default: every consortium member), which parts (default: all), for how long (default: one year), and optionally
 * the scanned, signed form (stored as a consent_form document).
 */
import { UploadOutlined } from '@ant-design/icons';
import { Alert, App, Button, Checkbox, Col, DatePicker, Form, Input, Modal, Radio, Row, Select, Upload, type UploadFile } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { post } from '../../api';
import { useAuth } from '../../auth';
import { InstitutionSelect } from '../../components/RemoteSelect';
import { useErrorReporter, useIsMobile } from '../../hooks';
import { attachmentProblem, entryIdOf, ENTRY_KINDS, uploadDocument } from './model';

interface Values {
  signer: 'self' | 'relative'; relativeName?: string; relation?: string;
  institutions: 'all' | 'some'; institutionIds?: string[];
  scopeAll: boolean; scope?: string[];
  period: [Dayjs, Dayjs];
}

const RELATIONS = ['spouse', 'child', 'parent', 'sibling', 'guardian', 'other'] as const;

export function ConsentModal({ patientId, open, onClose, onSaved, self = false, withoutCare = false }: {
  patientId: string; open: boolean; onClose: () => void; onSaved: () => void; self?: boolean;
  /** Opened from the refusal: the server accepts staff-recorded consent only where a care relationship exists. */
  withoutCare?: boolean;
}) {
  const { t } = useTranslation();
  const { can } = useAuth();
  const { message } = App.useApp();
  const report = useErrorReporter();
  const mobile = useIsMobile();
  const [form] = Form.useForm<Values>();
  const [files, setFiles] = useState<UploadFile[]>([]);
  const [busy, setBusy] = useState(false);
  const signer = Form.useWatch('signer', form);
  const institutions = Form.useWatch('institutions', form);
  const scopeAll = Form.useWatch('scopeAll', form);

  const submit = async (v: Values) => {
    setBusy(true);
    try {
      const signedBy = v.signer === 'self' ? '本人' : `${v.relativeName!.trim()}（${t(`record.consent.relations.${v.relation ?? 'other'}`, { lng: 'zh-CN' })}）`;
      let documentId: string | undefined;
      const file = files[0]?.originFileObj;
      if (file) {
        const doc = await uploadDocument(patientId, {
          kind: 'consent_form', title: t('record.consent.formTitle', { lng: 'zh-CN' }), authoredAt: new Date().toISOString(),
        }, [file]);
        documentId = entryIdOf(doc);
      }
      await post(`patients/${patientId}/consents`, {
        signedBy,
        institutionIds: v.institutions === 'some' ? v.institutionIds : undefined,
        scope: v.scopeAll ? undefined : v.scope,
        startsAt: v.period[0].startOf('day').toISOString(),
        endsAt: v.period[1].endOf('day').toISOString(),
        ...(documentId ? { documentId } : {}),
      });
      void message.success(t('record.consent.saved'));
      form.resetFields();
      setFiles([]);
      onSaved();
    } catch (e) { report(e, form, { institutionIds: 'institutionIds', endsAt: 'period', startsAt: 'period' }); } finally { setBusy(false); }
  };

  return (
    <Modal open={open} onCancel={onClose} title={t('record.consent.title')} okText={t('record.consent.submit')} cancelText={t('common.cancel')}
      onOk={() => form.submit()} okButtonProps={{ loading: busy }} destroyOnHidden width={mobile ? '100%' : 600}>
      {withoutCare && <Alert type="info" showIcon style={{ marginBottom: 12 }} title={t('record.consent.withoutCare')} />}
      <Form<Values> form={form} layout="vertical" onFinish={submit} requiredMark={false}
        initialValues={{ signer: 'self', institutions: 'all', scopeAll: true, relation: 'spouse', period: [dayjs(), dayjs().add(1, 'year')] }}>
        <Form.Item name="signer" label={t('record.consent.signedBy')}>
          <Radio.Group optionType="button" options={[{ value: 'self', label: t('record.consent.self') }, { value: 'relative', label: t('record.consent.relative') }]} />
        </Form.Item>
        {signer === 'relative' && (
          <Row gutter={12}>
            <Col xs={14}>
              <Form.Item name="relativeName" label={t('record.consent.relativeName')} rules={[{ required: true, whitespace: true, message: t('record.consent.relativeNameRequired') }]}>
                <Input maxLength={40} />
              </Form.Item>
            </Col>
            <Col xs={10}>
              <Form.Item name="relation" label={t('record.consent.relation')}>
                <Select options={RELATIONS.map((r) => ({ value: r, label: t(`record.consent.relations.${r}`) }))} />
              </Form.Item>
            </Col>
          </Row>
        )}
        <Form.Item name="institutions" label={t('record.consent.institutions')} style={{ marginBottom: institutions === 'some' ? 8 : undefined }}>
          <Radio.Group options={[{ value: 'all', label: t('record.consent.allMembers') },
            // Choosing institutions needs the directory, which patients do not browse.
            ...(can('directory.read') ? [{ value: 'some', label: t('record.consent.someMembers') }] : [])]} />
        </Form.Item>
        {institutions === 'some' && (
          <Form.Item name="institutionIds" rules={[{ required: true, message: t('record.consent.institutionsRequired') }]}>
            <InstitutionSelect mode="multiple" style={{ width: '100%' }} />
          </Form.Item>
        )}
        <Form.Item name="scopeAll" valuePropName="checked" label={t('record.consent.scope')} style={{ marginBottom: scopeAll ? undefined : 8 }}>
          <Checkbox>{t('record.consent.scopeAll')}</Checkbox>
        </Form.Item>
        {!scopeAll && (
          <Form.Item name="scope" rules={[{ required: true, message: t('record.consent.scopeRequired') }]}>
            <Checkbox.Group options={ENTRY_KINDS.map((k) => ({ value: k, label: t(`record.kind.${k}`) }))} />
          </Form.Item>
        )}
        <Form.Item name="period" label={t('record.consent.period')} extra={t('record.consent.periodHelp')}
          rules={[{ required: true, message: t('record.consent.periodRequired') }]}>
          <DatePicker.RangePicker style={{ width: '100%' }} allowClear={false} inputReadOnly={mobile}
            presets={[
              { label: t('record.consent.oneYear'), value: [dayjs(), dayjs().add(1, 'year')] },
              { label: t('record.consent.sixMonths'), value: [dayjs(), dayjs().add(6, 'month')] },
              { label: t('record.consent.threeYears'), value: [dayjs(), dayjs().add(3, 'year')] },
            ]} />
        </Form.Item>
        {/* A scan is a document written here: from the refusal it would open the record by itself, so not offered there. */}
        {!self && !withoutCare && (
          <Form.Item label={t('record.consent.scan')} extra={t('record.attach.help')}>
            <Upload fileList={files} maxCount={1} accept=".pdf,.jpg,.jpeg,.png"
              beforeUpload={(f) => {
                const problem = attachmentProblem(f);
                if (problem) { void message.error(t(`record.attach.${problem}`, { name: f.name })); return Upload.LIST_IGNORE; }
                return false;
              }}
              onChange={({ fileList }) => setFiles(fileList.slice(-1))}>
              <Button icon={<UploadOutlined />}>{t('record.consent.chooseScan')}</Button>
            </Upload>
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}
