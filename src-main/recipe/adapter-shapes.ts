/**
 * Checks an imported LoRA adapter against the base model before it enters the store, from the
 * safetensors header alone (no tensors loaded): every lora_A is [r, in] and every lora_B [out, r] of a
 * projection the model has, in a layer it has. A 14B adapter named against a 0.5B folder is one line
 * here, not a broken run that fails later in eval or the playground.
 */
import { UserError } from '../errors';
import type { ModelConfig } from '../engine/config/model-config';
import { readSafetensorsHeader } from '../engine/io/safetensors';
import { fileSource } from '../engine-node/file-source';

/** [in, out] of each LoRA-able projection (transformers' Linear(in, out)). */
function projectionDims(m: ModelConfig): Record<string, [number, number]> {
  const q = m.numHeads * m.headDim;
  const kv = m.numKvHeads * m.headDim;
  return {
    q_proj: [m.hiddenSize, q],
    k_proj: [m.hiddenSize, kv],
    v_proj: [m.hiddenSize, kv],
    o_proj: [q, m.hiddenSize],
    gate_proj: [m.hiddenSize, m.intermediateSize],
    up_proj: [m.hiddenSize, m.intermediateSize],
    down_proj: [m.intermediateSize, m.hiddenSize],
  };
}

const KEY = /layers\.(\d+)\.(?:self_attn|mlp)\.(\w+_proj)\.lora_([AB])(?:\.[\w-]+)?\.weight$/;

export async function checkAdapterShapes(file: string, model: ModelConfig, modelDir: string): Promise<number> {
  const src = fileSource(file);
  let names: [string, number[]][];
  try {
    names = [...(await readSafetensorsHeader(src)).tensors].map(([n, t]) => [n, t.shape]);
  } finally {
    src.close();
  }
  const dims = projectionDims(model);
  let lora = 0;
  for (const [name, shape] of names) {
    const m = KEY.exec(name);
    if (!m) continue;
    lora++;
    const [, layer, proj, ab] = m;
    const d = dims[proj];
    const bad = (why: string) =>
      new UserError(`the adapter does not fit this base model: ${name} ${why}`, {
        where: file,
        hint: `pass the model it was trained on with --model DIR (this one is ${modelDir})`,
      });
    if (Number(layer) >= model.numLayers) throw bad(`is in layer ${layer}, the model has ${model.numLayers}`);
    if (!d) continue; // a module we do not train (peft may target others); the engine reports it on load
    const want = ab === 'A' ? d[0] : d[1];
    const got = ab === 'A' ? shape[1] : shape[0];
    if (shape.length !== 2 || got !== want) throw bad(`has shape [${shape.join(', ')}] where ${ab === 'A' ? `[r, ${want}]` : `[${want}, r]`} fits`);
  }
  if (lora === 0) throw new UserError('adapter_model.safetensors holds no LoRA weights', { where: file, hint: 'import the folder of a LoRA run' });
  return lora;
}
