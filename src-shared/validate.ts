/**
 * Tiny runtime validators for payloads that cross a process boundary (renderer -> main). Each validator
 * returns the value typed, or throws a PayloadError naming the field path. Hand-written on purpose: the
 * contract needs a dozen shapes, not a schema library.
 */

export class PayloadError extends Error {
  override readonly name = 'PayloadError';
}

export type Validator<T> = (value: unknown, path: string) => T;

const describe = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v);

export const str =
  (opts: { maxLength?: number; nonEmpty?: boolean } = {}): Validator<string> =>
  (v, path) => {
    if (typeof v !== 'string') throw new PayloadError(`${path} must be a string, got ${describe(v)}`);
    if (opts.nonEmpty && v.length === 0) throw new PayloadError(`${path} must not be empty`);
    if (v.length > (opts.maxLength ?? 4096)) throw new PayloadError(`${path} is longer than ${opts.maxLength ?? 4096} characters`);
    return v;
  };

export const int =
  (opts: { min?: number; max?: number } = {}): Validator<number> =>
  (v, path) => {
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new PayloadError(`${path} must be an integer, got ${describe(v)}`);
    if (opts.min !== undefined && v < opts.min) throw new PayloadError(`${path} must be at least ${opts.min}`);
    if (opts.max !== undefined && v > opts.max) throw new PayloadError(`${path} must be at most ${opts.max}`);
    return v;
  };

export const oneOf =
  <const T extends readonly string[]>(values: T): Validator<T[number]> =>
  (v, path) => {
    if (typeof v !== 'string' || !values.includes(v)) throw new PayloadError(`${path} must be one of ${values.join(', ')}`);
    return v as T[number];
  };

export const arrayOf =
  <T>(item: Validator<T>, opts: { min?: number; max?: number } = {}): Validator<T[]> =>
  (v, path) => {
    if (!Array.isArray(v)) throw new PayloadError(`${path} must be an array, got ${describe(v)}`);
    if (opts.min !== undefined && v.length < opts.min) throw new PayloadError(`${path} needs at least ${opts.min} items`);
    if (opts.max !== undefined && v.length > opts.max) throw new PayloadError(`${path} takes at most ${opts.max} items`);
    return v.map((x, i) => item(x, `${path}[${i}]`));
  };

type Shape = Record<string, Validator<unknown>>;
type Out<S extends Shape> = { [K in keyof S]: ReturnType<S[K]> };

/**
 * An object with required and optional fields. Unknown keys are rejected, so a typo in the renderer
 * fails loudly instead of being ignored. An optional field may be absent or undefined.
 */
export function object<R extends Shape, O extends Shape = Record<never, never>>(required: R, optional?: O): Validator<Out<R> & Partial<Out<O>>> {
  return (v, path) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new PayloadError(`${path} must be an object, got ${describe(v)}`);
    const input = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(input)) {
      if (!(key in required) && !(optional && key in optional)) throw new PayloadError(`${path}.${key} is not a known field`);
    }
    for (const [key, check] of Object.entries(required)) {
      if (!(key in input) || input[key] === undefined) throw new PayloadError(`${path}.${key} is required`);
      out[key] = check(input[key], `${path}.${key}`);
    }
    for (const [key, check] of Object.entries(optional ?? {})) {
      if (input[key] !== undefined) out[key] = check(input[key], `${path}.${key}`);
    }
    return out as Out<R> & Partial<Out<O>>;
  };
}

/** No payload: accepts undefined, null or {} (what the transports send for "nothing"). */
export const empty: Validator<Record<string, never>> = (v, path) => {
  if (v === undefined || v === null) return {};
  if (typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0) return {};
  throw new PayloadError(`${path} takes no payload`);
};

export const num =
  (opts: { min?: number; max?: number } = {}): Validator<number> =>
  (v, path) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new PayloadError(`${path} must be a finite number, got ${describe(v)}`);
    if (opts.min !== undefined && v < opts.min) throw new PayloadError(`${path} must be at least ${opts.min}`);
    if (opts.max !== undefined && v > opts.max) throw new PayloadError(`${path} must be at most ${opts.max}`);
    return v;
  };

export const bool: Validator<boolean> = (v, path) => {
  if (typeof v !== 'boolean') throw new PayloadError(`${path} must be true or false, got ${describe(v)}`);
  return v;
};
