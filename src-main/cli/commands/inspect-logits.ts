/** `tuneloom inspect logits`: per-position logsumexp and top logits of a forward pass (CLI.md). */
import * as tf from '@tensorflow/tfjs-core';
import { UserError } from '../../errors';
import { flag, str, writeJson, type CliCommand } from '../command';
import { parseIdList, parseNumberFlag } from '../parse-number';
import { openInferenceSession, readMessagesFile } from '../../engine-node/inference-session';
import { positionStats } from '../../engine/generate/logit-stats';
import { toHostAsync } from '../../engine/nn/to-host';

export const inspectLogitsCommand: CliCommand = {
  name: 'inspect logits',
  summary: 'Per-position logsumexp and top logits.',
  help: `Usage: tuneloom inspect logits --model DIR [--adapter DIR] (--ids 1,2,3 | --messages-file F) [--top 5] [--backend B] [--json]

One forward pass over the ids; for every input position, the logsumexp over the vocabulary and the top
logits. With --messages-file the ids are the chat template with the generation prompt.

Options:
  --model DIR             Hugging Face model folder
  --adapter DIR           a PEFT adapter folder: LoRA (applied unmerged) or prefix tuning / P-Tuning v2
  --ids LIST              comma-separated token ids
  --messages-file F       a JSON array of {"role","content"} messages
  --top K                 how many top logits per position (default 5)
  --backend B             auto|webgpu|tensorflow|wasm|cpu (default auto; the choice is printed on stderr)
  --json                  print {"ids":[...], "positions":[{"lse","top_ids","top_vals"}, ...]}
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
    const session = await openInferenceSession({ model: modelDir, adapter: str(ctx, 'adapter'), backend: str(ctx, 'backend') });
    try {
      const { model, tokenizer } = session;
      const ids = messages ? tokenizer.encodeChat(messages, { addGenerationPrompt: true }).ids : parseIdList(idsFlag!, 'ids');
      const bad = ids.find((id) => id >= model.config.vocabSize);
      if (bad !== undefined) throw new UserError(`token id ${bad} is outside the vocabulary (size ${model.config.vocabSize})`, { where: '--ids' });
      if (ids.length === 0) throw new UserError('no token ids to inspect', { where: '--ids' });
      ctx.stderr.write(`backend ${session.backend.reason}\n`);
      const logits = await toHostAsync(() => model.logits(tf.tensor2d([ids], [1, ids.length], 'int32'), { adapters: session.adapter, prefix: session.prefix }));
      const positions = positionStats(logits, model.config.vocabSize, Math.min(top, model.config.vocabSize));
      if (flag(ctx, 'json')) writeJson(ctx, { ids, positions });
      else positions.forEach((p, t) => ctx.stdout.write(`${t}\t${ids[t]}\tlse ${p.lse.toFixed(4)}\ttop ${p.top_ids.map((id, j) => `${id}:${p.top_vals[j].toFixed(3)}`).join(' ')}\n`));
    } finally {
      session.dispose();
    }
  },
};
