/**
 * Dataset statistics for the wizard: counts, a length histogram in "nice" bins (1, 2 or 5 x 10^k wide,
 * about 20 of them, ready for a bar chart), percentiles, how many examples exceed the max length, and the
 * tokens one epoch feeds the model. Lengths are characters unless a tokenizer's `encode` is given; token
 * counts are of the message contents, so the chat template's few tokens per turn come on top.
 */
import type { Example } from './types';

export type LengthUnit = 'chars' | 'tokens';

export interface HistogramBin {
  from: number;
  /** Exclusive upper edge. */
  to: number;
  count: number;
}

export interface DatasetStats {
  examples: number;
  unit: LengthUnit;
  histogram: HistogramBin[];
  minLength: number;
  maxLength: number;
  meanLength: number;
  p50: number;
  p95: number;
  /** The max length given for this import, in `unit`; null when none was. */
  maxLen: number | null;
  overMaxLen: number;
  totalChars: number;
  /** Sum of token lengths over the training examples; null without a tokenizer. */
  tokensPerEpoch: number | null;
  multiTurn: number;
  withSystem: number;
  /** Per metadata field, how many examples carry each value (at most 100 values per field). */
  meta: Record<string, Record<string, number>>;
}

export function charLength(e: Example): number {
  if ('text' in e) return e.text.length;
  let n = 0;
  for (const m of e.messages) n += m.content.length;
  return n;
}

export function tokenLength(e: Example, encode: (text: string) => number[]): number {
  if ('text' in e) return encode(e.text).length;
  let n = 0;
  for (const m of e.messages) n += encode(m.content).length;
  return n;
}

const META_VALUES_KEPT = 100;

export class StatsCollector {
  private lengths = new Uint32Array(1024);
  private n = 0;
  private totalChars = 0;
  private totalLength = 0;
  private multiTurn = 0;
  private withSystem = 0;
  private meta = new Map<string, Map<string, number>>();

  constructor(
    private readonly unit: LengthUnit,
    private readonly maxLen: number | null,
  ) {}

  add(e: Example, chars: number, length: number): void {
    if (this.n === this.lengths.length) {
      const grown = new Uint32Array(this.lengths.length * 2);
      grown.set(this.lengths);
      this.lengths = grown;
    }
    this.lengths[this.n++] = length;
    this.totalChars += chars;
    this.totalLength += length;
    if ('messages' in e) {
      let users = 0;
      let system = false;
      for (const m of e.messages) {
        if (m.role === 'user') users++;
        else if (m.role === 'system') system = true;
      }
      if (users > 1) this.multiTurn++;
      if (system) this.withSystem++;
    }
    const meta = e.meta;
    if (meta) {
      for (const k in meta) {
        const v = meta[k];
        let counts = this.meta.get(k);
        if (!counts) this.meta.set(k, (counts = new Map()));
        const had = counts.get(v);
        if (had !== undefined) counts.set(v, had + 1);
        else if (counts.size < META_VALUES_KEPT) counts.set(v, 1);
      }
    }
  }

  /** Sum of the lengths of the examples at `indices` (insertion order), e.g. the validation split. */
  sumAt(indices: Uint32Array): number {
    let s = 0;
    for (const i of indices) s += this.lengths[i];
    return s;
  }

  finish(overMaxLen: number, tokensPerEpoch: number | null): DatasetStats {
    const lengths = this.lengths.slice(0, this.n).sort();
    const n = this.n;
    const max = n ? lengths[n - 1] : 0;
    const pct = (p: number) => (n ? lengths[Math.min(n - 1, Math.floor(p * (n - 1) + 0.5))] : 0);
    return {
      examples: n,
      unit: this.unit,
      histogram: histogram(lengths, max),
      minLength: n ? lengths[0] : 0,
      maxLength: max,
      meanLength: n ? Math.round((this.totalLength / n) * 10) / 10 : 0,
      p50: pct(0.5),
      p95: pct(0.95),
      maxLen: this.maxLen,
      overMaxLen,
      totalChars: this.totalChars,
      tokensPerEpoch,
      multiTurn: this.multiTurn,
      withSystem: this.withSystem,
      meta: Object.fromEntries([...this.meta].map(([k, m]) => [k, Object.fromEntries(m)])),
    };
  }
}

/** A bin width of 1, 2 or 5 x 10^k giving at most `target` bins up to `max`. */
export function niceBinWidth(max: number, target = 20): number {
  const raw = Math.max(1, max / target);
  const pow = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * pow >= raw) return m * pow;
  return 10 * pow;
}

/** `sorted` ascending. Bins are [from, to); the last one holds the maximum. */
export function histogram(sorted: Uint32Array, max: number): HistogramBin[] {
  if (sorted.length === 0) return [];
  const width = niceBinWidth(max);
  const count = Math.floor(max / width) + 1;
  const bins: HistogramBin[] = Array.from({ length: count }, (_, i) => ({ from: i * width, to: (i + 1) * width, count: 0 }));
  for (let i = 0; i < sorted.length; i++) bins[Math.floor(sorted[i] / width)].count++;
  return bins;
}
