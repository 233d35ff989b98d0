/**
 * The user's app settings: typed defaults over the store's key/value settings table. The only place that
 * knows the keys, so the IPC handlers and any CLI flag read the same values.
 */
import type { AppSettings } from '../src-shared/ipc-contract';
import { BACKEND_CHOICES, LANGUAGES, THEMES } from '../src-shared/ipc-contract';
import type { Db } from './store/db';
import { getSettings, setSetting } from './store/queries/settings';

export const DEFAULT_SETTINGS: AppSettings = {
  language: 'zh-CN',
  theme: 'system',
  defaultBackend: 'auto',
  mirrorEndpoint: '',
};

const pick = <T extends string>(allowed: readonly T[], raw: string | undefined, fallback: T): T =>
  raw !== undefined && (allowed as readonly string[]).includes(raw) ? (raw as T) : fallback;

/** Stored values that are no longer valid (an old version, a hand edit) fall back to the default. */
export function readAppSettings(db: Db): AppSettings {
  const raw = getSettings(db);
  return {
    language: pick(LANGUAGES, raw.language, DEFAULT_SETTINGS.language),
    theme: pick(THEMES, raw.theme, DEFAULT_SETTINGS.theme),
    defaultBackend: pick(BACKEND_CHOICES, raw.defaultBackend, DEFAULT_SETTINGS.defaultBackend),
    mirrorEndpoint: raw.mirrorEndpoint ?? DEFAULT_SETTINGS.mirrorEndpoint,
  };
}

export function writeAppSettings(db: Db, patch: Partial<AppSettings>): AppSettings {
  db.transaction(() => {
    for (const [key, value] of Object.entries(patch)) {
      if (value !== undefined) setSetting(db, key, String(value));
    }
  })();
  return readAppSettings(db);
}
