/**
 * The wizard's words for the training settings table (src-main/engine/train/train-settings.ts): each
 * setting's label, its choices' labels and its tooltip are i18n keys the table names. The types below make
 * a key the table names but the i18n files lack a compile error (svelte-check / tsc), not a raw key on screen.
 */
import { setting, type SettingKey, type TrainSettingsTable } from '../../src-main/engine/train/train-settings';
import type { MessageKey } from './i18n/i18n.svelte';

type Entry = TrainSettingsTable[SettingKey];
type LabelKey = Entry extends infer E ? (E extends { label: infer L extends string } ? L : never) : never;
type WhyKey = Entry extends infer E ? (E extends { why: infer W extends string } ? W : never) : never;
type ChoiceLabelKey = Entry extends infer E
  ? E extends { choiceLabels: true; label: infer L extends string; choices: readonly (infer C extends string)[] }
    ? `${L}.${C}`
    : never
  : never;

// Compile-time only: every key the table names is a MessageKey.
const keysExist = <_K extends MessageKey>(): true => true;
export const TABLE_KEYS_CHECKED = keysExist<LabelKey | WhyKey | ChoiceLabelKey>();

/** The i18n key of a setting's label; the table gives one for every setting the wizard shows. */
export function labelKey(key: SettingKey): MessageKey {
  return (setting(key).label ?? key) as MessageKey;
}

export function whyKey(key: SettingKey): MessageKey | undefined {
  return setting(key).why as MessageKey | undefined;
}

/** The label of one choice: `${label}.${choice}` where the table asks for it, else the choice itself (null). */
export function choiceLabelKey(key: SettingKey, choice: string): MessageKey | null {
  const s = setting(key);
  return s.kind === 'choice' && s.choiceLabels && s.label ? (`${s.label}.${choice}` as MessageKey) : null;
}
