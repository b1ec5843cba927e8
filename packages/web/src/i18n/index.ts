/** i18next set-up: Chinese first, English on request, the choice remembered in localStorage. */
import i18n from 'i18next';
import { initReactI18next } from 'react-i18next';
import { consultationEn, consultationZh } from './consultation';
import { consultationExtraEn, consultationExtraZh } from './consultation-extra';
import { en } from './en';
import { roomEn, roomZh } from './room';
import { zh } from './zh';

export type Lang = 'zh-CN' | 'en-US';
const STORAGE_KEY = 'yilian.lang';

export function storedLang(): Lang {
  try {
    return localStorage.getItem(STORAGE_KEY) === 'en-US' ? 'en-US' : 'zh-CN';
  } catch {
    return 'zh-CN';
  }
}

export function setLang(lang: Lang) {
  try { localStorage.setItem(STORAGE_KEY, lang); } catch { /* private mode */ }
  document.documentElement.lang = lang;
  void i18n.changeLanguage(lang);
}

void i18n.use(initReactI18next).init({
  // 远程会诊 keeps its labels in a file of its own, under `consultation.`; 会诊统计 and 移动问诊 theirs under `cx.`.
  resources: { 'zh-CN': { translation: { ...zh, consultation: consultationZh, cx: consultationExtraZh } }, 'en-US': { translation: { ...en, consultation: consultationEn, cx: consultationExtraEn } } },
  lng: storedLang(),
  fallbackLng: 'zh-CN',
  interpolation: { escapeValue: false },
  returnNull: false,
});
document.documentElement.lang = storedLang();
for (const [lng, room] of [['zh-CN', roomZh], ['en-US', roomEn]] as const) i18n.addResourceBundle(lng, 'translation', { room }, true, true);

export default i18n;
