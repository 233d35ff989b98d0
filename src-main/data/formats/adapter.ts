/**
 * What a format adapter is: it knows which fields a format reads, how they map to roles (shown by the
 * wizard and by `data inspect` as "fields"), and turns one record into a normalised example or a reason
 * to skip it. Shared helpers read fields strictly: a missing or empty field is a reason, never a guess.
 */
import type { DataFormat, Example } from '../types';

export interface FormatAdapter {
  format: DataFormat;
  /** Field -> what it becomes (role, metadata, or a note on how it is combined). */
  fields: Record<string, string>;
  /** Columns or keys the format cannot do without; checked against the header or first record. */
  required: string[];
  /** An example, or the reason the record is skipped. */
  normalise(value: unknown): Example | string;
}

export type Obj = Record<string, unknown>;

export function asObject(value: unknown): Obj | string {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Obj;
  const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
  return `expected a JSON object, got ${kind}`;
}

/** Told of every number or boolean read as text while `withCoercions` runs (normalise is synchronous). */
let coercionSink: ((field: string, value: number | boolean) => void) | undefined;

/** Runs `fn` (one record's normalise) telling `sink` of each JSON number or boolean it reads as text. */
export function withCoercions<T>(sink: (field: string, value: number | boolean) => void, fn: () => T): T {
  const outer = coercionSink;
  coercionSink = sink;
  try {
    return fn();
  } finally {
    coercionSink = outer;
  }
}

/**
 * Field as text: strings as they are; numbers and booleans spelled out, and reported (a JSON `5` or
 * `true` where text belongs is kept, but never silently); undefined when absent or null.
 */
export function textOf(o: Obj, key: string): string | undefined {
  const v = o[key];
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') {
    coercionSink?.(key, v);
    return String(v);
  }
  return undefined;
}

/** A required text field, or the skip reason naming it. */
export function requiredText(o: Obj, key: string): string | { reason: string } {
  const v = o[key];
  if (v === undefined || v === null) return { reason: `missing field "${key}"` };
  const t = textOf(o, key);
  if (t === undefined) return { reason: `field "${key}" is not text` };
  if (t.trim() === '') return { reason: `empty field "${key}"` };
  return t;
}
