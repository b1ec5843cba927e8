/**
 * An institution's rules per slot category: the primary-care quota (号源下沉, at least 20 %, and when unbooked reserved
 * places return to everyone) and when slots open (N days ahead at a time between 06:00 and 22:00, primary pool earlier).
 * They apply to slots generated afterwards.
 */
import { App, Button, Card, Col, Form, InputNumber, Row, Select, TimePicker, Typography } from 'antd';
import dayjs, { type Dayjs } from 'dayjs';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { put } from '../../api';
import { useErrorReporter } from '../../hooks';
import { CATEGORIES, type Category } from './model';

interface QuotaValues { category: Category; primaryShare: number; returnLeadHours: number }
interface ReleaseValues { category: Category; daysAhead: number; time: Dayjs; primaryDaysEarlier: number }

export function RulesPanel({ institutionId, editable }: { institutionId: string; editable: boolean }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const report = useErrorReporter();
  const [quota] = Form.useForm<QuotaValues>();
  const [release] = Form.useForm<ReleaseValues>();
  const [busy, setBusy] = useState<string | null>(null);
  const categories = CATEGORIES.map((c) => ({ value: c, label: t(`sched.category.${c}`) }));

  const saveQuota = async (v: QuotaValues) => {
    setBusy('quota');
    try {
      await put('scheduling/quota-rules', { institutionId, category: v.category, primaryShare: v.primaryShare / 100, returnLeadMinutes: Math.round(v.returnLeadHours * 60) });
      void message.success(t('sched.ruleSaved', { category: t(`sched.category.${v.category}`) }));
    } catch (e) { report(e, quota, { primaryShare: 'primaryShare', returnLeadMinutes: 'returnLeadHours' }); } finally { setBusy(null); }
  };
  const saveRelease = async (v: ReleaseValues) => {
    setBusy('release');
    try {
      await put('scheduling/release-rules', { institutionId, category: v.category, daysAhead: v.daysAhead, time: v.time.format('HH:mm'), primaryDaysEarlier: v.primaryDaysEarlier });
      void message.success(t('sched.ruleSaved', { category: t(`sched.category.${v.category}`) }));
    } catch (e) { report(e, release); } finally { setBusy(null); }
  };

  return (
    <Row gutter={[16, 16]}>
      <Col xs={24} lg={12}>
        <Card size="small" title={t('sched.quotaRule')}>
          <Typography.Paragraph type="secondary" style={{ fontSize: 13 }}>{t('sched.quotaRuleHint')}</Typography.Paragraph>
          <Form form={quota} layout="vertical" onFinish={saveQuota} disabled={!editable}
            initialValues={{ category: 'specialist', primaryShare: 20, returnLeadHours: 24 }}>
            <Row gutter={8}>
              <Col xs={24} sm={8}><Form.Item name="category" label={t('sched.categoryLabel')}><Select options={categories} /></Form.Item></Col>
              <Col xs={12} sm={8}>
                <Form.Item name="primaryShare" label={t('sched.primaryShare')} rules={[{ required: true, type: 'number', min: 20, max: 100, message: t('sched.shareRule') }]}>
                  <InputNumber min={20} max={100} step={5} suffix="%" style={{ width: '100%' }} />
                </Form.Item>
              </Col>
              <Col xs={12} sm={8}>
                <Form.Item name="returnLeadHours" label={t('sched.returnLead')} tooltip={t('sched.returnLeadHelp')} rules={[{ required: true }]}>
                  <InputNumber min={0} max={1440} suffix={t('sched.hours')} style={{ width: '100%' }} />
                </Form.Item>
              </Col>
            </Row>
            <Button type="primary" htmlType="submit" loading={busy === 'quota'}>{t('common.save')}</Button>
          </Form>
        </Card>
      </Col>
      <Col xs={24} lg={12}>
        <Card size="small" title={t('sched.releaseRule')}>
          <Typography.Paragraph type="secondary" style={{ fontSize: 13 }}>{t('sched.releaseRuleHint')}</Typography.Paragraph>
          <Form form={release} layout="vertical" onFinish={saveRelease} disabled={!editable}
            initialValues={{ category: 'specialist', daysAhead: 7, time: dayjs('2000-01-01T08:00'), primaryDaysEarlier: 1 }}>
            <Row gutter={8}>
              <Col xs={24} sm={6}><Form.Item name="category" label={t('sched.categoryLabel')}><Select options={categories} /></Form.Item></Col>
              <Col xs={8} sm={6}>
                <Form.Item name="daysAhead" label={t('sched.daysAhead')} rules={[{ required: true }]}>
                  <InputNumber min={0} max={90} suffix={t('sched.days')} style={{ width: '100%' }} />
                </Form.Item>
              </Col>
              <Col xs={8} sm={6}>
                <Form.Item name="time" label={t('sched.releaseTime')} rules={[{ required: true }, {
                  validator: (_, v?: Dayjs) => !v || (v.hour() * 60 + v.minute() >= 360 && v.hour() * 60 + v.minute() <= 1320) ? Promise.resolve() : Promise.reject(new Error(t('sched.releaseTimeRule'))),
                }]}>
                  <TimePicker format="HH:mm" minuteStep={5} style={{ width: '100%' }} allowClear={false} />
                </Form.Item>
              </Col>
              <Col xs={8} sm={6}>
                <Form.Item name="primaryDaysEarlier" label={t('sched.primaryEarlier')} tooltip={t('sched.primaryEarlierHelp')} rules={[{ required: true }]}>
                  <InputNumber min={0} max={60} suffix={t('sched.days')} style={{ width: '100%' }} />
                </Form.Item>
              </Col>
            </Row>
            <Button type="primary" htmlType="submit" loading={busy === 'release'}>{t('common.save')}</Button>
          </Form>
        </Card>
      </Col>
    </Row>
  );
}
