/**
 * The data side of a run: normalised examples (data/types.ts) to labelled, length-checked examples,
 * the validation split, and each epoch's seeded order of micro-batches (shuffled, optionally packed).
 */
import { UserError } from '../errors';
import type { ChatMessage, Example } from '../types';
import { isChat } from '../types';
import { collate, packRows, prepareExamples, type Batch, type PrepareReport, type PreparedExample } from './batching';
import { labelChat, labelText, LabelError, type ChatEncoder, type LabelledExample, type LossOn } from './chat-labels';
import { Rng, type RngState } from './rng';

export interface LabelOptions {
  lossOn: LossOn;
  system?: string;
  eosId?: number;
}

export function withSystem(messages: ChatMessage[], system: string | undefined): ChatMessage[] {
  if (!system || messages[0]?.role === 'system') return messages;
  return [{ role: 'system', content: system }, ...messages];
}

export function labelExamples(tok: ChatEncoder, examples: Example[], opts: LabelOptions, where: string): LabelledExample[] {
  return examples.map((ex, i) => {
    try {
      if (isChat(ex)) return labelChat(tok, withSystem(ex.messages, opts.system), opts.lossOn);
      return labelText(tok, ex.text, opts.eosId);
    } catch (e) {
      if (e instanceof LabelError)
        throw new UserError(`example ${i + 1}: ${e.message}`, { where, hint: 'check the chat roles (user/assistant turns) of this example' });
      throw e;
    }
  });
}

export { splitValidation } from './split';

export function prepareOrFail(labelled: LabelledExample[], maxLen: number, where: string): PrepareReport {
  const report = prepareExamples(labelled, maxLen);
  if (report.kept.length === 0) {
    const why = report.tooLong.length
      ? `all ${report.tooLong.length} example(s) are longer than --max-len ${maxLen} with no room for the answer`
      : 'no example has a token to learn from';
    throw new UserError(`nothing to train on: ${why}`, { where, hint: 'raise --max-len or shorten the prompts' });
  }
  return report;
}

export interface EpochPlan {
  /** Micro-batches: each a list of rows, each row one example (or several when packed). */
  micro: PreparedExample[][][];
  /** Data RNG state after planning this epoch (the next epoch starts from it). */
  next: RngState;
}

export function planEpoch(examples: PreparedExample[], start: RngState, opts: { batchSize: number; packing: boolean; maxLen: number }): EpochPlan {
  const rng = new Rng(start);
  const order = rng.permutation(examples.length).map((i) => examples[i]);
  const rows = opts.packing ? packRows(order, opts.maxLen) : order.map((ex) => [ex]);
  const micro: PreparedExample[][][] = [];
  for (let i = 0; i < rows.length; i += opts.batchSize) micro.push(rows.slice(i, i + opts.batchSize));
  return { micro, next: rng.getState() };
}

export function evalBatches(examples: PreparedExample[], batchSize: number, padId: number): Batch[] {
  const out: Batch[] = [];
  for (let i = 0; i < examples.length; i += batchSize)
    out.push(
      collate(
        examples.slice(i, i + batchSize).map((e) => [e]),
        padId,
        false,
      ),
    );
  return out;
}
