/** Numeric flag parsing with a one-line error naming the flag. */
import { UserError } from '../errors';

export function parseNumberFlag(
  raw: string | undefined,
  name: string,
  opts: { integer?: boolean; min?: number; minExclusive?: number; fallback?: number } = {},
): number | undefined {
  if (raw === undefined) return opts.fallback;
  const value = Number(raw);
  const what = opts.integer ? 'an integer' : 'a number';
  if (!Number.isFinite(value) || (opts.integer && !Number.isInteger(value))) {
    throw new UserError(`--${name} must be ${what}, got "${raw}"`, { hint: `pass e.g. --${name} ${opts.fallback ?? 1}` });
  }
  if (opts.min !== undefined && value < opts.min) {
    throw new UserError(`--${name} must be at least ${opts.min}, got ${raw}`);
  }
  if (opts.minExclusive !== undefined && value <= opts.minExclusive) {
    throw new UserError(`--${name} must be greater than ${opts.minExclusive}, got ${raw}`);
  }
  return value;
}

export function parseIdList(raw: string, name: string): number[] {
  return raw.split(',').map((part, i) => {
    const v = Number(part.trim());
    if (!Number.isInteger(v) || v < 0) {
      throw new UserError(`--${name}: item ${i + 1} ("${part}") is not a token id`, { hint: 'pass comma-separated non-negative integers, e.g. --ids 1,2,3' });
    }
    return v;
  });
}
