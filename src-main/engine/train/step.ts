/**
 * One optimiser step's worth of work: forward + backward over the micro-batches of a gradient
 * accumulation group, gradients summed, loss normalised by the number of target tokens in the whole
 * group (as transformers does with num_items_in_batch), so accumulating k micro-batches gives the
 * gradient of the mean over all their targets. Evaluation loss uses the same forward without dropout.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { CausalLM } from '../models/causal-lm';
import { adapterForwardOptions, trainableParams, type AdapterUnderTraining } from './adapter-under-training';
import type { Batch } from './batching';
import { lmLossFromHidden } from './cross-entropy';
import { trainHidden } from './train-forward';

export interface StepGrads {
  /** Mean token loss over the group. */
  loss: number;
  /** Gradient per parameter name (caller disposes). */
  grads: Record<string, tf.Tensor>; // name -> [...param.shape]
  targets: number;
  tokens: number;
}

/** Forward + backward of every micro-batch; the loss stays on the device (one scalar per micro-batch). */
function lossAndGradTensors(
  model: CausalLM,
  adapter: AdapterUnderTraining,
  micro: Batch[],
  dropoutSeeds: number[],
  checkpointing: boolean,
): { losses: tf.Scalar[]; grads: Record<string, tf.Tensor> } {
  const params = trainableParams(adapter); // key -> LoRA A [r, in] / B [out, r], or the prefix tensors
  const byVarName = new Map<string, string>();
  for (const [key, v] of params) byVarName.set(v.name, key);
  const varList = [...params.values()];
  const normaliser = Math.max(
    1,
    micro.reduce((n, b) => n + b.numTargets, 0),
  );
  const grads: Record<string, tf.Tensor> = {}; // key -> [...params.get(key).shape]
  const losses: tf.Scalar[] = []; // [] each, one per micro-batch
  micro.forEach((batch, k) => {
    // value: [] (this micro-batch's share of the loss); g: variable name -> [...variable.shape]
    const { value, grads: g } = tf.variableGrads(() => {
      const fo = adapterForwardOptions(adapter, model.config, batch.batch);
      const hidden = trainHidden(model, batch, { ...fo, training: true, dropoutSeed: dropoutSeeds[k], checkpointing }); // [B, T, H]
      return lmLossFromHidden(hidden, model.weights.lmHead, batch.targets, { normaliser }).loss; // [], lmHead [V, H]
    }, varList);
    losses.push(value); // []
    for (const [varName, gt] of Object.entries(g)) {
      if (!gt) continue;
      const key = byVarName.get(varName)!;
      const prev = grads[key];
      if (prev) {
        grads[key] = tf.add(prev, gt); // [...prev.shape]
        prev.dispose();
        gt.dispose();
      } else grads[key] = gt;
    }
  });
  for (const [key, v] of params) if (!grads[key]) grads[key] = tf.zerosLike(v); // [...v.shape]
  return { losses, grads };
}

const counts = (micro: Batch[]) => ({ targets: micro.reduce((n, b) => n + b.numTargets, 0), tokens: micro.reduce((n, b) => n + b.numTokens, 0) });

/** Synchronous read-back of the loss: cpu and wasm backends. */
export function lossAndGrads(model: CausalLM, adapter: AdapterUnderTraining, micro: Batch[], dropoutSeeds: number[], checkpointing: boolean): StepGrads {
  const { losses, grads } = lossAndGradTensors(model, adapter, micro, dropoutSeeds, checkpointing);
  let loss = 0;
  for (const l of losses) {
    loss += l.dataSync()[0];
    l.dispose();
  }
  return { loss, grads, ...counts(micro) };
}

/** Asynchronous read-back of the loss: every backend (webgpu in Node reads back only async). */
export async function lossAndGradsAsync(
  model: CausalLM,
  adapter: AdapterUnderTraining,
  micro: Batch[],
  dropoutSeeds: number[],
  checkpointing: boolean,
): Promise<StepGrads> {
  const { losses, grads } = lossAndGradTensors(model, adapter, micro, dropoutSeeds, checkpointing);
  let loss = 0;
  for (const l of losses) {
    loss += (await l.data())[0];
    l.dispose();
  }
  return { loss, grads, ...counts(micro) };
}

/** Summed token NLL of one batch, no dropout, no gradients (a device scalar). */
function evalLossTensor(model: CausalLM, adapter: AdapterUnderTraining | undefined, batch: Batch): tf.Scalar {
  return tf.tidy(() => {
    const fo = adapter ? adapterForwardOptions(adapter, model.config, batch.batch) : {};
    const hidden = trainHidden(model, batch, { ...fo, training: false, dropoutSeed: 0, checkpointing: false }); // [B, T, H]
    return lmLossFromHidden(hidden, model.weights.lmHead, batch.targets, { normaliser: 1 }).loss; // [], lmHead [V, H]
  });
}

/** Summed token NLL and target count of batches (sync read-back: cpu/wasm). */
export function evalLoss(model: CausalLM, adapter: AdapterUnderTraining | undefined, batches: Batch[]): { sum: number; count: number } {
  let sum = 0;
  for (const batch of batches) {
    const part = evalLossTensor(model, adapter, batch); // []
    sum += part.dataSync()[0];
    part.dispose();
  }
  return { sum, count: batches.reduce((n, b) => n + b.numTargets, 0) };
}

/**
 * The same with an async read-back (every backend), one batch at a time: `between` is awaited after
 * each, so a long validation pass lets its host answer heartbeats (one synchronous pass over hundreds
 * of examples once got a run killed as unresponsive).
 */
export async function evalLossAsync(
  model: CausalLM,
  adapter: AdapterUnderTraining | undefined,
  batches: Batch[],
  between?: () => Promise<void>,
): Promise<{ sum: number; count: number }> {
  let sum = 0;
  for (const batch of batches) {
    const part = evalLossTensor(model, adapter, batch); // []
    sum += (await part.data())[0];
    part.dispose();
    await between?.();
  }
  return { sum, count: batches.reduce((n, b) => n + b.numTargets, 0) };
}
