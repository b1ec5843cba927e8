import { Col, Row } from 'antd';
import { useTranslation } from 'react-i18next';
import { useMe } from '../../auth';
import { PageHeader } from '../../components/PageHeader';
import { PasswordCard } from './PasswordCard';
import { TotpCard } from './TotpCard';

/** 账号安全: password and the optional second factor. */
export default function AccountPage() {
  const { t } = useTranslation();
  const me = useMe();
  return (
    <div>
      <PageHeader title={t('nav.account')} subtitle={`${me.displayName} · ${me.username}`} />
      <Row gutter={[16, 16]}>
        <Col xs={24} lg={10}><PasswordCard /></Col>
        <Col xs={24} lg={14}><TotpCard /></Col>
      </Row>
    </div>
  );
}
