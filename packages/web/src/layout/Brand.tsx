/** The product mark: 医联 Yilian. */
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router-dom';

export function Brand({ collapsed = false, dark = false, compact = false }: { collapsed?: boolean; dark?: boolean; compact?: boolean }) {
  const { t } = useTranslation();
  return (
    <Link
      to="/"
      className="yl-brand"
      style={{
        color: dark ? '#fff' : '#0c2d4f', height: compact ? 'auto' : 64, padding: compact ? 0 : collapsed ? '0 18px' : '0 20px',
        fontSize: compact ? 16 : 17, minWidth: 0,
      }}
    >
      <img src="/favicon.svg" alt="" />
      {!collapsed && (
        <span style={{ display: 'flex', flexDirection: 'column', lineHeight: 1.25, minWidth: 0 }}>
          <span>{t('app.shortName')}</span>
          {!compact && <span style={{ fontSize: 12, fontWeight: 400, opacity: 0.75 }}>{t('app.tagline')}</span>}
        </span>
      )}
    </Link>
  );
}
