/** 中文 / English switch; the choice is remembered in localStorage. */
import { GlobalOutlined } from '@ant-design/icons';
import { Button } from 'antd';
import { useTranslation } from 'react-i18next';
import { setLang } from '../i18n';

export function LanguageSwitch({ dark = false }: { dark?: boolean }) {
  const { i18n } = useTranslation();
  const en = i18n.language.startsWith('en');
  return (
    <Button
      type="text"
      icon={<GlobalOutlined />}
      onClick={() => setLang(en ? 'zh-CN' : 'en-US')}
      style={dark ? { color: '#fff' } : undefined}
      aria-label={en ? '切换到中文' : 'Switch to English'}
    >
      {en ? '中文' : 'EN'}
    </Button>
  );
}
