/**
 * From labelled examples to model batches: label shift, `--max-len` truncation, right padding with
 * an attention mask, and `--packing` of several short examples into one row.
 *
 * Targets are stored already shifted (targets[t] = labels[t + 1], the last position -100), the way
 * transformers' ForCausalLMLoss shifts them, so packed examples never predict across their border.
 * Truncation keeps the start of the answer: the tail is cut; an example whose first target does not
 * fit inside max-len (no room for the answer) is dropped and counted, never a crash.
 */
import { IGNORE_INDEX } from './ignore-index';
import type { LabelledExample } from './chat-labels';

export interface PreparedExample {
  ids: number[];
  /** Shifted targets, same length as ids. */
  targets: number[];
  /** Index of the example in the input list (for reports). */
  source: number;
}

export interface PrepareReport {
  kept: PreparedExample[];
  /** Examples cut at the tail to fit max-len. */
  truncated: number;
  /** Examples dropped because no target token fits within max-len; their indices. */
  tooLong: number[];
  /** Examples dropped because they have no target at all. */
  noTargets: number[];
}

export function shiftLabels(labels: number[]): number[] {
  const out = new Array<number>(labels.length);
  for (let t = 0; t + 1 < labels.length; t++) out[t] = labels[t + 1];
  if (labels.length) out[labels.length - 1] = IGNORE_INDEX;
  return out;
}

export function prepareExamples(examples: LabelledExample[], maxLen: number): PrepareReport {
  const report: PrepareReport = { kept: [], truncated: 0, tooLong: [], noTargets: [] };
  examples.forEach((ex, source) => {
    const firstTarget = ex.labels.findIndex((l, t) => t > 0 && l !== IGNORE_INDEX);
    if (firstTarget < 0) {
      report.noTargets.push(source);
      return;
    }
    // The target at index a is predicted from position a - 1, so it fits when a < maxLen.
    if (firstTarget >= maxLen) {
      report.tooLong.push(source);
      return;
    }
    let ids = ex.ids;
    let labels = ex.labels;
    if (ids.length > maxLen) {
      ids = ids.slice(0, maxLen);
      labels = labels.slice(0, maxLen);
      report.truncated++;
    }
    report.kept.push({ ids, targets: shiftLabels(labels), source });
  });
  return report;
}

export interface Batch {
  batch: number;
  steps: number;
  ids: Int32Array; // [B*T]
  targets: Int32Array; // [B*T], -100 ignored
  attentionMask: Int32Array; // [B*T], 1 real token, 0 padding
  /** Packing only: 1-based example number per token (0 padding); attention never crosses it. */
  segments?: Int32Array; // [B*T]
  /** Packing only: positions restart at 0 for every packed example. */
  positions?: Int32Array; // [B*T]
  numTargets: number;
  numTokens: number;
}

/** Rows of one or more examples; right-padded to the longest row. */
export function collate(rows: PreparedExample[][], padId: number, packed: boolean): Batch {
  const lengths = rows.map((r) => r.reduce((n, ex) => n + ex.ids.length, 0));
  const B = rows.length;
  const T = Math.max(1, ...lengths);
  const ids = new Int32Array(B * T).fill(padId);
  const targets = new Int32Array(B * T).fill(IGNORE_INDEX);
  const attentionMask = new Int32Array(B * T);
  const segments = packed ? new Int32Array(B * T) : undefined;
  const positions = packed ? new Int32Array(B * T) : undefined;
  let numTargets = 0;
  let numTokens = 0;
  rows.forEach((row, b) => {
    let t = 0;
    row.forEach((ex, k) => {
      ex.ids.forEach((id, j) => {
        const at = b * T + t;
        ids[at] = id;
        targets[at] = ex.targets[j];
        attentionMask[at] = 1;
        if (segments) segments[at] = k + 1;
        if (positions) positions[at] = j;
        if (ex.targets[j] !== IGNORE_INDEX) numTargets++;
        numTokens++;
        t++;
      });
    });
  });
  return { batch: B, steps: T, ids, targets, attentionMask, segments, positions, numTargets, numTokens };
}

/**
 * Greedy first-fit packing in the given order: each example goes into the first open row with room,
 * so the data order the seed chose is kept as far as rows allow.
 */
export function packRows(examples: PreparedExample[], maxLen: number): PreparedExample[][] {
  const rows: PreparedExample[][] = [];
  const used: number[] = [];
  for (const ex of examples) {
    let r = used.findIndex((u) => u + ex.ids.length <= maxLen);
    if (r < 0) {
      rows.push([]);
      used.push(0);
      r = rows.length - 1;
    }
    rows[r].push(ex);
    used[r] += ex.ids.length;
  }
  return rows;
}
