/**
 * App-wide state read once at start: settings (language, theme, ...) and app info. Applying a setting
 * updates the page at once, then saves it through the API.
 */
import { errorText } from '../error-text';
import type { AppInfo, AppSettings, Theme } from '../../../src-shared/ipc-contract';
import { api } from '../api/index';
import { i18n } from '../i18n/i18n.svelte';

const THEME_KEY = 'tuneloom.theme';

export function applyTheme(theme: Theme): void {
  const dark = theme === 'dark' || (theme === 'system' && matchMedia('(prefers-color-scheme: dark)').matches);
  document.documentElement.dataset.theme = dark ? 'dark' : 'light';
  localStorage.setItem(THEME_KEY, theme);
}

export function cachedTheme(): Theme {
  const v = localStorage.getItem(THEME_KEY);
  return v === 'light' || v === 'dark' ? v : 'system';
}

class AppState {
  settings = $state<AppSettings>({ language: i18n.lang, theme: cachedTheme(), defaultBackend: 'auto', mirrorEndpoint: '' });
  info = $state<AppInfo | null>(null);
  loadError = $state<string | null>(null);

  async load(): Promise<void> {
    if (!api) return;
    try {
      const [settings, info] = await Promise.all([api.call('settings.get'), api.call('app.info')]);
      this.settings = settings;
      this.info = info;
      i18n.set(settings.language);
      applyTheme(settings.theme);
      this.loadError = null;
    } catch (err) {
      this.loadError = errorText(err);
    }
  }

  async update(patch: Partial<AppSettings>): Promise<void> {
    if (patch.language) i18n.set(patch.language);
    if (patch.theme) applyTheme(patch.theme);
    this.settings = { ...this.settings, ...patch };
    if (api) this.settings = await api.call('settings.set', patch);
  }
}

export const appState = new AppState();
matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => applyTheme(appState.settings.theme));
