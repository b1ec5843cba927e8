/** The demo accounts (GET /auth/demo-accounts); hidden when the server has no demo. Clicking one fills the form. */
import { ROLE_LABELS } from '@yilian/core';
import { Card, Table, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api } from '../../api';
import { useIsMobile } from '../../hooks';
import { useLabels } from '../../labels';
import type { DemoAccount } from '../../types';

export function DemoAccounts({ onPick }: { onPick: (a: DemoAccount) => void }) {
  const { t } = useTranslation();
  const { label, en } = useLabels();
  const mobile = useIsMobile();
  const [accounts, setAccounts] = useState<DemoAccount[]>([]);
  const [picked, setPicked] = useState<string | null>(null);

  useEffect(() => {
    api<DemoAccount[] | { items: DemoAccount[] }>('auth/demo-accounts', { expect401: true })
      .then((d) => setAccounts(Array.isArray(d) ? d : d?.items ?? []))
      .catch(() => setAccounts([]));
  }, []);

  if (!accounts.length) return null;
  const pick = (a: DemoAccount) => { setPicked(a.username); onPick(a); };
  const description = (a: DemoAccount) => (en ? a.descriptionEn : a.descriptionZh) ?? '';
  // Only a name helps here; the display name already says where the person works.
  const where = (a: DemoAccount) => a.institutionName ?? '';

  return (
    <Card
      variant="borderless"
      title={t('login.demoTitle')}
      extra={!mobile && <Typography.Text type="secondary">{t('login.demoHint')}</Typography.Text>}
      styles={{ body: { padding: mobile ? 8 : 0 } }}
      style={{ boxShadow: '0 8px 32px rgba(12,45,79,0.12)' }}
    >
      {mobile ? (
        <div className="yl-card-list">
          <Typography.Text type="secondary" style={{ padding: '0 4px' }}>{t('login.demoHint')}</Typography.Text>
          {accounts.map((a) => (
            <Card key={a.username} size="small" hoverable onClick={() => pick(a)}
              style={picked === a.username ? { borderColor: '#0f6fbf' } : undefined}>
              <div style={{ display: 'flex', justifyContent: 'space-between', gap: 8, flexWrap: 'wrap' }}>
                <Typography.Text strong>{a.displayName} <span className="yl-mono yl-muted">{a.username}</span></Typography.Text>
                <Tag color="blue" style={{ marginInlineEnd: 0 }}>{label(ROLE_LABELS, a.role)}</Tag>
              </div>
              {where(a) && <div className="yl-muted" style={{ fontSize: 12 }}>{where(a)}</div>}
              {description(a) && <div style={{ fontSize: 13, marginTop: 4 }}>{description(a)}</div>}
            </Card>
          ))}
        </div>
      ) : (
        <Table<DemoAccount>
          size="small"
          rowKey="username"
          dataSource={accounts}
          pagination={false}
          rowClassName={(a) => (a.username === picked ? 'ant-table-row-selected yl-demo-row' : 'yl-demo-row')}
          onRow={(a) => ({ onClick: () => pick(a) })}
          columns={[
            { title: t('login.demoAccount'), dataIndex: 'username', render: (u: string, a) => (
              <div className="yl-nowrap"><span className="yl-mono">{u}</span><div className="yl-muted" style={{ fontSize: 12 }}>{a.displayName}</div></div>
            ) },
            { title: t('login.demoRole'), dataIndex: 'role', render: (r: string, a) => (
              <div><Tag color="blue" style={{ marginInlineEnd: 0 }}>{label(ROLE_LABELS, r)}</Tag>
                {where(a) && <div className="yl-muted" style={{ fontSize: 12, marginTop: 2 }}>{where(a)}</div>}</div>
            ) },
            { title: t('login.demoDescription'), render: (_: unknown, a) => <span style={{ fontSize: 13 }}>{description(a)}</span> },
          ]}
        />
      )}
      {accounts[0] && accounts.every((a) => a.password === accounts[0]!.password) && <Typography.Paragraph type="secondary" style={{ margin: mobile ? '8px 4px 0' : '8px 16px 12px', fontSize: 12 }}>
        {t('login.demoPassword', { password: accounts[0].password })}
      </Typography.Paragraph>}
    </Card>
  );
}
