// Tones name the paired colours of app.css (--ok and --ok-soft, …). Pills set them as two custom
// properties, so one scoped rule colours every tone instead of one rule per tone per component.
export type Tone = 'ok' | 'info' | 'warn' | 'bad' | 'neutral';

/** Inline `style` value: `--tone-fg` (text) and `--tone-bg` (fill) for the tone. */
export function toneVars(tone: Tone): string {
  return tone === 'neutral' ? '--tone-fg: var(--muted); --tone-bg: var(--surface-2)' : `--tone-fg: var(--${tone}); --tone-bg: var(--${tone}-soft)`;
}
