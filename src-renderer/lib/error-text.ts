/**
 * What the UI shows for an error from main: the shared mapping (src-shared/error-messages.ts) translated
 * into the UI's language, with field labels instead of contract paths or CLI flags. Every place that
 * shows an API error goes through this one function.
 */
import { explainError, withFieldNames } from '../../src-shared/error-messages';
import { i18n, type MessageKey } from './i18n/i18n.svelte';

export function errorText(err: unknown): string {
  const e = err as { kind?: string; message?: string };
  const view = explainError({ kind: e?.kind, message: String(e?.message ?? err) });
  const quote = (s: string) => (i18n.lang === 'en' ? `“${s}”` : `「${s}」`);
  const label = (k: string) => i18n.t(k as MessageKey);
  const params: Record<string, string | number> = { ...view.params };
  for (const p of view.labelParams ?? []) if (typeof params[p] === 'string' && (params[p] as string).includes('.')) params[p] = label(params[p] as string);
  if (view.key === 'err.other') params.message = withFieldNames(String(params.message), label, quote);
  return i18n.t(view.key, params);
}

/** A run's stored error: in the UI's words when its shape is known (e.g. a dataset changed since import), else as recorded. */
export function runErrorText(err: { name: string; kind?: string; message: string }): string {
  return explainError(err).key === 'err.other' ? `${err.name}: ${err.message}` : errorText(err);
}
