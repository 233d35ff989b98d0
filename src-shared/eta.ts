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
