/**
 * The data step of a training run (trainLoop's set-up, as nanoGPT's train.py loads its data before the
 * model): read the records, label them, split off validation (or read --val-data), drop what does not
 * fit in --max-len, and warn about everything skipped. Kept apart so train-loop.ts reads as its steps.
 */
import type { ModelConfig } from '../config/model-config';
import type { TextTokenizer } from '../tokenizer/text-tokenizer';
import { prepareExamples, type Batch, type PreparedExample } from './batching';
import type { TrainConfig } from './train-config';
import { evalBatches, labelExamples, prepareOrFail, splitValidation } from './train-data';
import type { TrainHooks } from './train-events';
import type { TrainIo } from './train-io';

/** The model's end-of-sequence ids and the id that pads a batch (the first eos when it names none). */
export interface SpecialTokens {
  eosIds: number[];
  padId: number;
}

export function specialTokens(modelConfig: ModelConfig): SpecialTokens {
  const eosIds = modelConfig.eosTokenIds;
  return { eosIds, padId: modelConfig.padTokenId ?? eosIds[0] ?? 0 };
}

/** What the loop trains and evaluates on, and what the start event reports about it. */
export interface TrainData {
  kept: PreparedExample[];
  /** Indices (in the data file) of the examples dropped for having no room for the answer. */
  tooLong: number[];
  truncated: number;
  /** Validation examples that fit in --max-len. */
  valExamples: number;
  valBatches: Batch[];
}

/** One warning for the records a reader could not use, naming the first. */
export function warnSkippedRecords(hooks: TrainHooks, file: string, skipped: { line: number; reason: string }[]): void {
  if (skipped.length)
    hooks.emit({
      type: 'log',
      level: 'warn',
      message: `${skipped.length} record(s) of ${file} skipped (first: line ${skipped[0].line}: ${skipped[0].reason})`,
    });
}

export async function loadTrainData(cfg: TrainConfig, hooks: TrainHooks, io: TrainIo, tokenizer: TextTokenizer, tokens: SpecialTokens): Promise<TrainData> {
  const labelOpts = { lossOn: cfg.lossOn, system: cfg.system, eosId: tokens.eosIds[0] };
  const data = await io.readExamples(cfg.data, cfg.format, cfg.map, cfg.dataset);
  warnSkippedRecords(hooks, cfg.data, data.skipped);
  const labelled = labelExamples(tokenizer, data.examples, labelOpts, cfg.data);
  // Split indices, so reports name examples by their position in the data file.
  const split = splitValidation(
    labelled.map((_, i) => i),
    cfg.valData ? 0 : cfg.valSplit,
    cfg.seed,
  );
  const train = split.train.map((i) => labelled[i]);
  const val = cfg.valData
    ? labelExamples(tokenizer, (await io.readExamples(cfg.valData, cfg.format, cfg.map)).examples, labelOpts, cfg.valData)
    : split.val.map((i) => labelled[i]);
  const report = prepareOrFail(train, cfg.maxLen, cfg.data);
  const tooLong = report.tooLong.map((k) => split.train[k]);
  warnTooLong(hooks, cfg.maxLen, tooLong);
  const valPrepared = prepareExamples(val, cfg.maxLen).kept;
  if (val.length && !valPrepared.length)
    hooks.emit({ type: 'log', level: 'warn', message: `no validation example fits in --max-len ${cfg.maxLen}; no eval loss will be reported` });
  return {
    kept: report.kept,
    tooLong,
    truncated: report.truncated,
    valExamples: valPrepared.length,
    valBatches: evalBatches(valPrepared, cfg.batchSize, tokens.padId),
  };
}

/** One warning for the examples dropped for length, listing the first ten (1-based, as a person counts). */
function warnTooLong(hooks: TrainHooks, maxLen: number, tooLong: number[]): void {
  if (!tooLong.length) return;
  const list = tooLong
    .slice(0, 10)
    .map((i) => `#${i + 1}`)
    .join(', ');
  hooks.emit({
    type: 'log',
    level: 'warn',
    message: `${tooLong.length} example(s) longer than --max-len ${maxLen} with no room for the answer were skipped (${list}${tooLong.length > 10 ? ', ...' : ''})`,
  });
}
