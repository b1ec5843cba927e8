import { Typography } from 'antd';
import type { ReactNode } from 'react';

/** A page's title with its actions on the right (wrapping under the title on phones). */
export function PageHeader({ title, extra, subtitle }: { title: ReactNode; extra?: ReactNode; subtitle?: ReactNode }) {
  return (
    <div className="yl-page-title">
      <div style={{ minWidth: 0 }}>
        <Typography.Title level={4}>{title}</Typography.Title>
        {subtitle && <Typography.Text type="secondary">{subtitle}</Typography.Text>}
      </div>
      {extra && <div style={{ display: 'flex', flexWrap: 'wrap', gap: 8 }}>{extra}</div>}
    </div>
  );
}
