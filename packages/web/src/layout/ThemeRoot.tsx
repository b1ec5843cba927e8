/** Ant Design theme and locale (zh-CN first, en-US on request), dayjs locale to match. */
import { App as AntApp, ConfigProvider } from 'antd';
import enUS from 'antd/locale/en_US';
import zhCN from 'antd/locale/zh_CN';
import dayjs from 'dayjs';
import 'dayjs/locale/zh-cn';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';

const FONT = `-apple-system, BlinkMacSystemFont, "PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", "WenQuanYi Micro Hei", "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif`;

export function ThemeRoot({ children }: { children: ReactNode }) {
  const { i18n } = useTranslation();
  const en = i18n.language.startsWith('en');
  dayjs.locale(en ? 'en' : 'zh-cn');
  return (
    <ConfigProvider
      locale={en ? enUS : zhCN}
      theme={{
        token: { colorPrimary: '#0f6fbf', fontFamily: FONT, borderRadius: 6, colorBgLayout: '#f3f6fa' },
        components: { Layout: { headerBg: '#ffffff', siderBg: '#0c2d4f', headerPadding: '0 16px' }, Menu: { darkItemBg: '#0c2d4f', darkSubMenuItemBg: '#0a2540' } },
      }}
    >
      <AntApp>{children}</AntApp>
    </ConfigProvider>
  );
}
