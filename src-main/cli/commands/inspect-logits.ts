/** `tuneloom inspect logits`: per-position logsumexp and top logits of a forward pass (CLI.md). */
import { UserError } from '../../errors';
import { flag, str, writeJson, type CliCommand } from '../command';
import { parseIdList, parseNumberFlag } from '../parse-number';
import { readMessagesFile } from '../../engine-node/messages-file';
import { openGgmlInferenceSession } from '../../engine-node/ggml-session';
import { positionStats } from '../../engine/generate/logit-stats';

export const inspectLogitsCommand: CliCommand = {
  name: 'inspect logits',
  summary: 'Per-position logsumexp and top logits.',
  help: `Usage: tuneloom inspect logits --model DIR [--adapter DIR] (--ids 1,2,3 | --messages-file F) [--top 5] [--backend B] [--weights W] [--json]

One forward pass over the ids; for every input position, the logsumexp over the vocabulary and the top
logits. With --messages-file the ids are the chat template with the generation prompt.

Options:
  --model DIR             Hugging Face model folder
  --adapter DIR           a PEFT adapter folder: LoRA (applied unmerged) or prefix tuning / P-Tuning v2
  --ids LIST              comma-separated token ids
  --messages-file F       a JSON array of {"role","content"} messages
  --top K                 how many top logits per position (default 5)
  --backend B             auto|cpu|vulkan|cuda|metal (default auto: cuda, then metal, then a real
                          Vulkan GPU, then cpu; the choice and why are printed on stderr; the old
                          names webgpu|tensorflow|wasm map to vulkan|cpu|cpu)
  --weights W             f32|f16|q8_0|q4: how the base weights are held (default: the most precise
                          type that fits the device)
  --json                  print {"ids":[...], "positions":[{"lse","top_ids","top_vals"}, ...], "engine", "timing"}
`,
  options: {
    model: { type: 'string' },
    adapter: { type: 'string' },
    ids: { type: 'string' },
    'messages-file': { type: 'string' },
    top: { type: 'string' },
  },
  async run(ctx) {
    const modelDir = str(ctx, 'model');
    if (!modelDir) throw new UserError('--model is required', { hint: 'pass --model DIR, a Hugging Face model folder' });
    const idsFlag = str(ctx, 'ids');
    const messagesFile = str(ctx, 'messages-file');
    if ((idsFlag === undefined) === (messagesFile === undefined)) throw new UserError('pass exactly one of --ids or --messages-file');
    const top = parseNumberFlag(str(ctx, 'top'), 'top', { integer: true, min: 1, fallback: 5 })!;
    const messages = messagesFile ? readMessagesFile(messagesFile) : undefined;
    const session = await openGgmlInferenceSession({
      model: modelDir,
      adapter: str(ctx, 'adapter'),
      backend: str(ctx, 'backend'),
      weights: str(ctx, 'weights'),
      notice: (line) => ctx.stderr.write(`${line}\n`),
    });
    try {
      const { model, tokenizer } = session;
      const ids = messages ? tokenizer.encodeChat(messages, { addGenerationPrompt: true }).ids : parseIdList(idsFlag!, 'ids');
      const bad = ids.find((id) => id >= model.config.vocabSize);
      if (bad !== undefined) throw new UserError(`token id ${bad} is outside the vocabulary (size ${model.config.vocabSize})`, { where: '--ids' });
      if (ids.length === 0) throw new UserError('no token ids to inspect', { where: '--ids' });
      ctx.stderr.write(`backend ${session.reason}\n`);
      const t0 = performance.now();
      const cache = model.newCache(1, ids.length, session.prefix);
      let logits: Float32Array;
      try {
        logits = await model.forward(cache, ids, ids.length, { logits: 'all' });
      } finally {
        cache.dispose();
      }
      const prefillS = (performance.now() - t0) / 1000;
      const positions = positionStats(logits, model.config.vocabSize, Math.min(top, model.config.vocabSize));
      const timing = { load_s: Math.round(session.loadSeconds * 1000) / 1000, prefill_s: Math.round(prefillS * 1000) / 1000 };
      if (flag(ctx, 'json')) writeJson(ctx, { ids, positions, engine: session.engine, timing });
      else
        positions.forEach((p, t) =>
          ctx.stdout.write(`${t}\t${ids[t]}\tlse ${p.lse.toFixed(4)}\ttop ${p.top_ids.map((id, j) => `${id}:${p.top_vals[j].toFixed(3)}`).join(' ')}\n`),
        );
    } finally {
      session.dispose();
    }
  },
};
