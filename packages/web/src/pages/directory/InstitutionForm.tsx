/** Create or edit an institution (drawer form): level, grade, type, region code, consortia. */
import {
  INSTITUTION_GRADES, INSTITUTION_LEVELS, INSTITUTION_TYPES, institutionInput, regionCode,
} from '@yilian/core';
import { App, Button, Col, Drawer, Form, Input, Row, Select, Space } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { patch, post } from '../../api';
import { useAuth } from '../../auth';
import { ConsortiumSelect } from '../../components/RemoteSelect';
import { useErrorReporter, useIsMobile } from '../../hooks';
import { useLabels } from '../../labels';
import type { Institution } from '../../types';
import { zodRule } from '../../validation';

type Values = {
  code: string; name: string; shortName?: string; level: string; grade?: string | null; type: string;
  regionCode: string; address?: string; phone?: string; consortiumIds?: string[];
};

export function InstitutionForm({ open, editing, onClose, onSaved }: {
  open: boolean; editing: Institution | null; onClose: () => void; onSaved: (i: Institution) => void;
}) {
  const { t } = useTranslation();
  const { options } = useLabels();
  const { can } = useAuth();
  const { message } = App.useApp();
  const report = useErrorReporter();
  const mobile = useIsMobile();
  const [form] = Form.useForm<Values>();
  const [busy, setBusy] = useState(false);
  const level = Form.useWatch('level', form);

  useEffect(() => {
    if (!open) return;
    form.resetFields();
    if (editing) form.setFieldsValue({ ...editing, shortName: editing.shortName ?? undefined, address: editing.address ?? undefined,
      phone: editing.phone ?? undefined, consortiumIds: editing.consortia?.map((c) => c.id) ?? [] });
  }, [open, editing, form]);

  const save = async (v: Values) => {
    setBusy(true);
    const body = {
      ...v, shortName: v.shortName || null, grade: v.level === '0' ? null : v.grade || null,
      address: v.address || null, phone: v.phone || null,
    };
    // Only the consortium office places institutions in consortia.
    if (!can('consortium.manage')) delete body.consortiumIds;
    try {
      const saved = editing ? await patch<Institution>(`institutions/${editing.id}`, body) : await post<Institution>('institutions', body);
      void message.success(t('common.saved'));
      onSaved(saved);
    } catch (e) { report(e, form); } finally { setBusy(false); }
  };

  return (
    <Drawer
      open={open}
      onClose={onClose}
      size={mobile ? '100%' : 560}
      title={editing ? t('directory.editInstitution', { name: editing.name }) : t('directory.newInstitution')}
      destroyOnHidden
      footer={<Space style={{ float: 'right' }}><Button onClick={onClose}>{t('common.cancel')}</Button>
        <Button type="primary" loading={busy} onClick={() => form.submit()}>{t('common.save')}</Button></Space>}
    >
      <Form<Values> form={form} layout="vertical" onFinish={save} initialValues={{ level: '1', type: 'community_center' }}>
        <Row gutter={12}>
          <Col xs={24} sm={14}>
            <Form.Item name="name" label={t('directory.institutionName')} rules={[{ required: true, min: 2, max: 100, message: t('directory.nameRule') }]}>
              <Input />
            </Form.Item>
          </Col>
          <Col xs={24} sm={10}>
            <Form.Item name="shortName" label={t('directory.shortName')}><Input maxLength={40} /></Form.Item>
          </Col>
          <Col xs={24} sm={12}>
            <Form.Item name="code" label={t('directory.institutionCode')} tooltip={t('directory.institutionCodeHelp')}
              rules={[{ required: true, message: t('common.required') }, zodRule(institutionInput.shape.code, t('directory.codeRule'))]}>
              <Input className="yl-mono" />
            </Form.Item>
          </Col>
          <Col xs={24} sm={12}>
            <Form.Item name="regionCode" label={t('directory.regionCode')} tooltip={t('directory.regionCodeHelp')}
              rules={[{ required: true, message: t('common.required') }, zodRule(regionCode, t('directory.regionCodeRule'))]}>
              <Input className="yl-mono" inputMode="numeric" maxLength={9} />
            </Form.Item>
          </Col>
          <Col xs={12} sm={8}>
            <Form.Item name="level" label={t('directory.level')} rules={[{ required: true }]}>
              <Select options={options(INSTITUTION_LEVELS)} />
            </Form.Item>
          </Col>
          <Col xs={12} sm={6}>
            <Form.Item name="grade" label={t('directory.grade')}>
              <Select allowClear disabled={level === '0'} options={options(INSTITUTION_GRADES)} />
            </Form.Item>
          </Col>
          <Col xs={24} sm={10}>
            <Form.Item name="type" label={t('directory.type')} rules={[{ required: true }]}>
              <Select options={options(INSTITUTION_TYPES)} />
            </Form.Item>
          </Col>
          <Col span={24}>
            <Form.Item name="address" label={t('directory.address')}><Input maxLength={200} /></Form.Item>
          </Col>
          <Col xs={24} sm={12}>
            <Form.Item name="phone" label={t('directory.phone')}><Input maxLength={30} inputMode="tel" /></Form.Item>
          </Col>
          {can('consortium.manage') && (
            <Col span={24}>
              <Form.Item name="consortiumIds" label={t('directory.consortia')}>
                <ConsortiumSelect mode="multiple" known={editing?.consortia?.map((c) => ({ value: c.id, label: c.name }))} />
              </Form.Item>
            </Col>
          )}
        </Row>
      </Form>
    </Drawer>
  );
}
