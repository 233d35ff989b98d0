/**
 * The export self-check: the same prompts, greedy, through the exported artifact and through base +
 * adapter, token for token. A divergence is accepted only where base + adapter itself hesitated:
 * where its top-1 minus top-2 logit margin is below the rounding noise of the export format (bf16
 * keeps 8 significant bits, f16 11, q8_0 about 8 per block). Anything else means the export is
 * wrong (a tensor name, a RoPE layout, a merge scale) and must not reach the user.
 * Both models run on the ggml engine with f32 weights, so the only rounding is the export's own.
 */
import type { GgmlCausalLM } from '../engine/ggml/causal-lm';
import { nativeMemory } from '../engine/ggml/owners';

export type ExportFormat = 'F32' | 'F16' | 'BF16' | 'Q8_0';

/** Relative logit noise each format may cause (of the largest |logit| at that step). */
const NOISE: Record<ExportFormat, number> = { F32: 1e-5, F16: 2e-3, BF16: 1e-2, Q8_0: 2e-2 };

export interface GreedyStep {
  id: number;
  margin: number;
  scale: number;
}

/** Greedy decoding through the KV cache (the prompt in one call, then a token per call), with each step's top-2 margin. */
export async function greedySteps(model: GgmlCausalLM, prompt: number[], steps: number): Promise<GreedyStep[]> {
  const cache = model.newCache(1, prompt.length + steps);
  const out: GreedyStep[] = [];
  try {
    let feed = prompt;
    for (let s = 0; s < steps; s++) {
      const logits = await model.forward(cache, feed, feed.length, { logits: 'last' }); // [V]
      let best = 0;
      let second = -1;
      let scale = 0;
      for (let i = 0; i < logits.length; i++) {
        scale = Math.max(scale, Math.abs(logits[i]));
        if (logits[i] > logits[best]) {
          second = best;
          best = i;
        } else if (i !== best && (second < 0 || logits[i] > logits[second])) second = i;
      }
      out.push({ id: best, margin: logits[best] - logits[second], scale });
      feed = [best];
    }
  } finally {
    cache.dispose();
  }
  return out;
}

export interface PromptCheck {
  reference: number[];
  exported: number[];
  identical: boolean;
  /** First differing step, and base + adapter's margin there. */
  divergedAt?: number;
  referenceMargin?: number;
  withinNoise?: boolean;
}

export interface SelfCheckResult {
  ok: boolean;
  format: ExportFormat;
  tokensPerPrompt: number;
  prompts: PromptCheck[];
  summary: string;
}

/** Live native objects (contexts and buffers; the compute buffer may grow to the largest graph). */
const liveObjects = () => {
  const m = nativeMemory();
  return { contexts: m.contexts, buffers: m.buffers, bufferBytes: m.bufferBytes };
};

export async function greedySelfCheck(opts: {
  /** Base + adapter (the adapter unmerged), the reference. */
  reference: GgmlCausalLM;
  exported: GgmlCausalLM;
  prompts: number[][];
  tokens: number;
  format: ExportFormat;
}): Promise<SelfCheckResult> {
  const before = liveObjects();
  const prompts: PromptCheck[] = [];
  for (const p of opts.prompts) {
    const ref = await greedySteps(opts.reference, p, opts.tokens);
    const got = await greedySteps(opts.exported, p, opts.tokens);
    const check: PromptCheck = { reference: ref.map((s) => s.id), exported: got.map((s) => s.id), identical: true };
    const k = ref.findIndex((s, i) => s.id !== got[i].id);
    if (k >= 0) {
      check.identical = false;
      check.divergedAt = k;
      check.referenceMargin = ref[k].margin;
      check.withinNoise = ref[k].margin <= NOISE[opts.format] * ref[k].scale;
    }
    prompts.push(check);
  }
  const after = liveObjects();
  if (JSON.stringify(after) !== JSON.stringify(before))
    throw new Error(`self-check left native memory behind: ${JSON.stringify(before)} -> ${JSON.stringify(after)}`);
  const same = prompts.filter((p) => p.identical).length;
  const ok = prompts.every((p) => p.identical || p.withinNoise);
  const bad = prompts.find((p) => !p.identical);
  const summary =
    same === prompts.length
      ? `${same}/${prompts.length} prompts: identical greedy tokens (${opts.tokens} each)`
      : `${same}/${prompts.length} prompts identical; prompt ${prompts.indexOf(bad!) + 1} diverges at token ${bad!.divergedAt! + 1}, where base + adapter's top-2 margin is ${bad!.referenceMargin!.toPrecision(3)}` +
        (ok ? ` (within ${opts.format} rounding)` : ` (beyond ${opts.format} rounding: the export is wrong)`);
  return { ok, format: opts.format, tokensPerPrompt: opts.tokens, prompts, summary };
}
