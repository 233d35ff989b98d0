/**
 * UI strings in zh-CN (default) and en. `i18n.t(key, params)` reads the reactive language, so every
 * template that calls it re-renders on a switch. The choice is saved in the store's settings (and in
 * localStorage, so the first paint after a reload is already in the right language).
 */
import type { Language } from '../../../src-shared/ipc-contract';
import { en } from './en';
import { zhCN, type MessageKey, type Messages } from './zh-CN';

const dictionaries: Record<Language, Messages> = { 'zh-CN': zhCN, en };
const STORAGE_KEY = 'tuneloom.language';

class I18n {
  lang = $state<Language>(readCachedLanguage());

  t = (key: MessageKey, params?: Record<string, string | number>): string => {
    const template = dictionaries[this.lang][key] ?? key;
    return params ? template.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m)) : template;
  };

  set(lang: Language): void {
    this.lang = lang;
    localStorage.setItem(STORAGE_KEY, lang);
    document.documentElement.lang = lang;
  }

  /** Locale-aware number/date formatting that follows the UI language. */
  number(n: number, digits = 4): string {
    return new Intl.NumberFormat(this.lang, { maximumSignificantDigits: digits }).format(n);
  }

  date(iso: string, style: 'medium' | 'short' = 'medium'): string {
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? iso : new Intl.DateTimeFormat(this.lang, { dateStyle: style, timeStyle: 'short' }).format(d);
  }
}

function readCachedLanguage(): Language {
  const v = typeof localStorage !== 'undefined' ? localStorage.getItem(STORAGE_KEY) : null;
  return v === 'en' ? 'en' : 'zh-CN';
}

export const i18n = new I18n();
export type { MessageKey };
