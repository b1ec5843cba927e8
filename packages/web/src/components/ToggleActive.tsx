/** 停用 / 启用 with a confirmation: POST {base}/deactivate or {base}/activate. */
import { App, Button, Popconfirm } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { post } from '../api';
import { useErrorReporter } from '../hooks';

export function ToggleActive({ base, active, name, onDone, size = 'small' }: {
  base: string; active: boolean; name: string; onDone: () => void; size?: 'small' | 'middle';
}) {
  const { t } = useTranslation();
  const report = useErrorReporter();
  const { message } = App.useApp();
  const [busy, setBusy] = useState(false);
  const run = async () => {
    setBusy(true);
    try {
      await post(`${base}/${active ? 'deactivate' : 'activate'}`);
      void message.success(active ? t('common.deactivated', { name }) : t('common.activated', { name }));
      onDone();
    } catch (e) { report(e); } finally { setBusy(false); }
  };
  return (
    <Popconfirm
      title={active ? t('common.confirmDeactivate', { name }) : t('common.confirmActivate', { name })}
      description={active ? t('common.deactivateHint') : undefined}
      okText={active ? t('common.deactivate') : t('common.activate')}
      okButtonProps={{ danger: active }}
      onConfirm={run}
    >
      <Button size={size} type="link" danger={active} loading={busy} style={{ paddingInline: 4 }} onClick={(e) => e.stopPropagation()}>
        {active ? t('common.deactivate') : t('common.activate')}
      </Button>
    </Popconfirm>
  );
}
