/**
 * The statistics a dataset row keeps (src-main/data/register.ts storedStats, a JSON column), read back
 * with their types checked: rows written by older versions, or the demo's, may lack any of them.
 */
import type { DatasetRecord } from '../../src-shared/dto/library';

export interface StoredDatasetStats {
  unit: string;
  histogram: { from: number; to: number; count: number }[];
  p50: number | null;
  p95: number | null;
  maxLength: number | null;
  meanLength: number | null;
  maxLen: number | null;
  tokensPerEpoch: number | null;
  multiTurn: number | null;
  withSystem: number | null;
  duplicatesDropped: number | null;
  confidence: number | null;
  split: { train: number; val: number } | null;
  skippedHead: { line: number; reason: string }[];
}

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const isBin = (b: unknown): b is { from: number; to: number; count: number } =>
  typeof b === 'object' &&
  b !== null &&
  num((b as Record<string, unknown>).from) !== null &&
  num((b as Record<string, unknown>).to) !== null &&
  num((b as Record<string, unknown>).count) !== null;
const isSkip = (s: unknown): s is { line: number; reason: string } =>
  typeof s === 'object' && s !== null && num((s as Record<string, unknown>).line) !== null && typeof (s as Record<string, unknown>).reason === 'string';

export function storedStatsOf(d: Pick<DatasetRecord, 'stats'>): StoredDatasetStats | null {
  const s = d.stats;
  if (!s) return null;
  const split = s.split as Record<string, unknown> | null | undefined;
  const train = num(split?.train);
  const val = num(split?.val);
  return {
    unit: typeof s.unit === 'string' ? s.unit : 'chars',
    histogram: Array.isArray(s.histogram) ? s.histogram.filter(isBin) : [],
    p50: num(s.p50),
    p95: num(s.p95),
    maxLength: num(s.maxLength),
    meanLength: num(s.meanLength),
    maxLen: num(s.maxLen),
    tokensPerEpoch: num(s.tokensPerEpoch),
    multiTurn: num(s.multiTurn),
    withSystem: num(s.withSystem),
    duplicatesDropped: num(s.duplicatesDropped),
    confidence: num(s.confidence),
    split: train !== null && val !== null ? { train, val } : null,
    skippedHead: Array.isArray(s.skippedHead) ? s.skippedHead.filter(isSkip) : [],
  };
}
