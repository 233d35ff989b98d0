/**
 * Time left for a job that reports how far it is (bytes, steps, examples): from the pace since it started.
 * No guess before there is something to go on (the first 2% or the first second), so it never shows a
 * wild first number.
 */
export function etaMs(startedAt: number, now: number, fraction: number): number | null {
  const elapsed = now - startedAt;
  if (!(fraction > 0.02) || fraction >= 1 || elapsed < 1000) return null;
  return (elapsed / fraction) * (1 - fraction);
}

/** Time left from a measured rate (bytes or items per second over the last few seconds), or null without one. */
export function etaFromRate(remaining: number, perSecond: number): number | null {
  return perSecond > 0 && remaining > 0 ? (1000 * remaining) / perSecond : null;
}

/**
 * Remembers when each job (by key) was first seen and how far it was then, so a view that only gets
 * progress reports can give an ETA from the pace since it started watching.
 */
export class EtaClock {
  readonly #first = new Map<string, { at: number; fraction: number }>();

  eta(key: string, fraction: number, now = Date.now()): number | null {
    let f = this.#first.get(key);
    if (!f || fraction < f.fraction) this.#first.set(key, (f = { at: now, fraction }));
    const part = (fraction - f.fraction) / (1 - f.fraction);
    return etaMs(f.at, now, part);
  }
}
