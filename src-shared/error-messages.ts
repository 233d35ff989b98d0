/**
 * The one mapping from errors that reach the UI to what the UI says. Main's messages are written for the
 * CLI (English, naming flags: "--encoding", "--format/--map") or for the contract ("payload.lr must be at
 * most 1"), and some are Node's ("ENOENT"). `explainError` turns each known shape into a message key with
 * parameters; the renderer translates it (zh-CN / en) and names the UI's fields instead of flags. Unknown
 * messages keep their text, with every CLI flag replaced by the name of the field that sets it.
 *
 * Keys are message keys of the renderer's dictionaries (src-renderer/lib/i18n); the test checks both
 * languages have every one, so a new shape cannot ship in one language only.
 */
import { setting, SETTING_KEYS } from '../src-main/engine/train/train-settings';

/** A message key and its parameters; `field`/`fields` params hold message keys of field labels, to translate too. */
export interface ErrorView {
  key: ErrorKey;
  params: Record<string, string | number>;
  /** Params whose values are message keys (field labels) to translate before filling in. */
  labelParams?: string[];
}

export const ERROR_KEYS = [
  'err.payload.max',
  'err.payload.min',
  'err.payload.type',
  'err.payload.oneOf',
  'err.path.notFound',
  'err.path.noAccess',
  'err.encoding.invalid',
  'err.encoding.auto',
  'err.format.unknown',
  'err.dataset.changed',
  'err.other',
] as const;
export type ErrorKey = (typeof ERROR_KEYS)[number];

/** [TrainConfig key, CLI flag, label key] of every training setting the UI labels (the settings table). */
const SETTING_LABELS = SETTING_KEYS.flatMap((k) => {
  const s = setting(k);
  return s.label ? [[k, s.flag, s.label] as const] : [];
});

/** Contract fields (the last part of a payload path) -> the label key of the UI field that sets them. */
export const FIELD_LABELS: Record<string, string> = {
  ...Object.fromEntries(SETTING_LABELS.map(([key, , label]) => [key, label])),
  name: 'f.name',
  path: 'wizard.dataset.path',
  encoding: 'wizard.dataset.encoding',
  format: 'wizard.dataset.format',
  repoId: 'models.repoId',
  endpoint: 'models.endpoint',
};

/** CLI flags -> the label key of the UI field that does the same. */
export const FLAG_LABELS: Record<string, string> = {
  ...Object.fromEntries(SETTING_LABELS.map(([, flag, label]) => [flag, label])),
  encoding: 'wizard.dataset.encoding',
  format: 'wizard.dataset.format',
  map: 'map.open',
  model: 'wizard.model.path',
  data: 'wizard.dataset.path',
  backend: 'settings.backend',
};

const fieldOf = (path: string): string => FIELD_LABELS[path.split('.').pop() ?? ''] ?? path;

export function explainError(err: { kind?: string; message: string }): ErrorView {
  const m = err.message;
  let x: RegExpExecArray | null;
  if (err.kind === 'invalid-payload') {
    if ((x = /^([\w.[\]]+) must be at most (\S+)$/.exec(m)))
      return { key: 'err.payload.max', params: { field: fieldOf(x[1]!), n: x[2]! }, labelParams: ['field'] };
    if ((x = /^([\w.[\]]+) must be at least (\S+)$/.exec(m)))
      return { key: 'err.payload.min', params: { field: fieldOf(x[1]!), n: x[2]! }, labelParams: ['field'] };
    if ((x = /^([\w.[\]]+) must be one of (.+)$/.exec(m)))
      return { key: 'err.payload.oneOf', params: { field: fieldOf(x[1]!), values: x[2]! }, labelParams: ['field'] };
    if ((x = /^([\w.[\]]+) must be /.exec(m))) return { key: 'err.payload.type', params: { field: fieldOf(x[1]!) }, labelParams: ['field'] };
  }
  if ((x = /^(.*?): cannot read it \((ENOENT|ENOTDIR)\)/.exec(m))) return { key: 'err.path.notFound', params: { path: x[1]! } };
  if ((x = /^(.*?): cannot read it \((EACCES|EPERM)\)/.exec(m))) return { key: 'err.path.noAccess', params: { path: x[1]! } };
  if ((x = /^(.*?)ENOENT: no such file or directory, \w+ '([^']+)'/.exec(m))) return { key: 'err.path.notFound', params: { path: x[2]! } };
  if ((x = /^(.*?): not valid ([\w-]+): byte (0x[0-9A-F]+) at offset (\d+)/.exec(m))) {
    return { key: 'err.encoding.invalid', params: { where: x[1]!, encoding: x[2]!, byte: x[3]!, offset: x[4]! } };
  }
  if ((x = /^(.*?): byte (0x[0-9A-F]+) at offset (\d+) does not decode as ([\w-]+)/.exec(m))) {
    return { key: 'err.encoding.auto', params: { where: x[1]!, encoding: x[4]!, byte: x[2]!, offset: x[3]! } };
  }
  if ((x = /^(.*?): cannot tell the dataset format from its fields \(([^)]*)\)/.exec(m)))
    return { key: 'err.format.unknown', params: { where: x[1]!, fields: x[2]! } };
  // engine-node/node-train-io.ts: the import's streamed sha256 no longer matches the files (launch or resume).
  if ((x = /^(.*?): the dataset changed since it was imported \(sha256 differs\)/.exec(m))) return { key: 'err.dataset.changed', params: { where: x[1]! } };
  return { key: 'err.other', params: { message: m } };
}

/** Replaces every `--flag` in a message with the quoted label (already translated) of the field that sets it. */
export function withFieldNames(message: string, label: (key: string) => string, quote: (s: string) => string): string {
  return message.replace(/--([a-z][\w-]*)(?:\/--([a-z][\w-]*))?/g, (all, a: string, b: string | undefined) => {
    const names = [a, b].filter((f): f is string => !!f).map((f) => (FLAG_LABELS[f] ? quote(label(FLAG_LABELS[f]!)) : null));
    return names.every((n) => n !== null) ? names.join(' / ') : all;
  });
}
