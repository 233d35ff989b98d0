/** `tuneloom generate`: generate from a chat prompt, streaming text or printing one JSON object (CLI.md). */
import { UserError } from '../../errors';
import { flag, str, type CliCommand } from '../command';
import { eventsHelp, EVENTS_OPTION, jobEvents, writeJobResult } from '../job-output';
import { parseNumberFlag } from '../parse-number';
import { readMessagesFile } from '../../engine-node/messages-file';
import { openGgmlInferenceSession } from '../../engine-node/ggml-session';
import type { SamplingOptions } from '../../engine/generate/generate';
import { generateGgml } from '../../engine/ggml/generate';
import { THINK_OPTIONS, thinkHelp, thinkFlags, thinkingOptions } from '../think-flags';
import type { ChatMessage } from '../../engine/tokenizer/chat-template';

const round = (x: number) => Math.round(x * 1000) / 1000;

export const generateCommand: CliCommand = {
  name: 'generate',
  summary: 'Generate text from a model, streaming.',
  help: `Usage: tuneloom generate --model DIR [--adapter DIR] (--prompt STR | --messages-file F) [--system STR]
                         [--max-new-tokens 256] [--greedy | --temperature T --top-p P --top-k K --seed S]
                         [--repetition-penalty R] [--think-budget N] [--think-wait W] [--backend B] [--weights W] [--json | --events]

Renders the prompt with the model's chat template (generation prompt added) and generates until an EOS
id of generation_config.json or --max-new-tokens. Without --json the text streams to stdout.

Options:
  --model DIR              Hugging Face model folder
  --adapter DIR            a PEFT adapter folder: LoRA (applied unmerged) or prefix tuning / P-Tuning v2
  --prompt STR             one user turn
  --messages-file F        a JSON array of {"role","content"} messages
  --system STR             a system message put first
  --max-new-tokens N       default 256
  --greedy                 argmax decoding (the default unless generation_config.json sets do_sample
                           or a sampling flag is given)
  --temperature T, --top-p P, --top-k K
                           sampling; unset ones come from generation_config.json
  --seed S                 sampling seed (default 42)
  --repetition-penalty R   CTRL-style penalty on tokens already present (default from generation_config.json)
${thinkHelp(27)}
  --backend B              auto|cpu|vulkan|cuda|metal (default auto: cuda, then metal, then a real
                           Vulkan GPU, then cpu; the choice and why are printed on stderr, or are
                           a log event with --events; the old names webgpu|tensorflow|wasm map to
                           vulkan|cpu|cpu)
  --weights W              f32|f16|q8_0|q4: how the base weights are held (default: the most precise
                           type that fits the device)
  --json                   print {"prompt_ids","ids","text","finish_reason","engine","timing"} at the end
                           instead of streaming (plus "thinking" with budget forcing)
${eventsHelp(27, '{"type":"text","text"} as the text streams')}
With budget forcing, what was used goes to stderr at the end as one line (without --json/--events)
  thinking: {"budget":N|null,"maxWaits":W,"tokens":T,"waits":U,"forcedClose":true|false}
`,
  options: {
    model: { type: 'string' },
    adapter: { type: 'string' },
    prompt: { type: 'string' },
    'messages-file': { type: 'string' },
    system: { type: 'string' },
    'max-new-tokens': { type: 'string' },
    greedy: { type: 'boolean' },
    temperature: { type: 'string' },
    'top-p': { type: 'string' },
    'top-k': { type: 'string' },
    seed: { type: 'string' },
    'repetition-penalty': { type: 'string' },
    ...THINK_OPTIONS,
    ...EVENTS_OPTION,
  },
  async run(ctx) {
    const modelDir = str(ctx, 'model');
    if (!modelDir) throw new UserError('--model is required', { hint: 'pass --model DIR, a Hugging Face model folder' });
    const prompt = str(ctx, 'prompt');
    const messagesFile = str(ctx, 'messages-file');
    if ((prompt === undefined) === (messagesFile === undefined)) throw new UserError('pass exactly one of --prompt or --messages-file');
    const maxNewTokens = parseNumberFlag(str(ctx, 'max-new-tokens'), 'max-new-tokens', { integer: true, min: 1, fallback: 256 })!;
    const temperature = parseNumberFlag(str(ctx, 'temperature'), 'temperature', { minExclusive: 0 });
    const topP = parseNumberFlag(str(ctx, 'top-p'), 'top-p', { minExclusive: 0 });
    const topK = parseNumberFlag(str(ctx, 'top-k'), 'top-k', { integer: true, min: 0 });
    const seed = parseNumberFlag(str(ctx, 'seed'), 'seed', { integer: true, fallback: 42 })!;
    const repetitionPenalty = parseNumberFlag(str(ctx, 'repetition-penalty'), 'repetition-penalty', { minExclusive: 0 });
    const think = thinkFlags(ctx);
    const greedy = flag(ctx, 'greedy');
    if (greedy && (temperature !== undefined || topP !== undefined || topK !== undefined))
      throw new UserError('--greedy cannot be combined with --temperature/--top-p/--top-k');

    let messages: ChatMessage<string>[] = messagesFile ? readMessagesFile(messagesFile) : [{ role: 'user', content: prompt! }];
    const system = str(ctx, 'system');
    if (system !== undefined) messages = [{ role: 'system', content: system }, ...messages.filter((m) => m.role !== 'system')];

    const events = jobEvents(ctx);
    const notice = (line: string) => (events ? events.log(line) : ctx.stderr.write(`${line}\n`));
    const session = await openGgmlInferenceSession({
      model: modelDir,
      adapter: str(ctx, 'adapter'),
      backend: str(ctx, 'backend'),
      weights: str(ctx, 'weights'),
      notice,
    });
    try {
      const { model, tokenizer, generation } = session;
      const promptIds = tokenizer.encodeChat(messages, { addGenerationPrompt: true }).ids;
      const thinking = think ? thinkingOptions(tokenizer, think) : undefined;
      const wantsSampling = !greedy && (temperature !== undefined || topP !== undefined || topK !== undefined || generation.doSample);
      const sampling: SamplingOptions = wantsSampling
        ? { greedy: false, temperature: temperature ?? generation.temperature, topP: topP ?? generation.topP, topK: topK ?? generation.topK, seed }
        : { greedy: true };
      notice(`backend ${session.reason}`);
      const json = flag(ctx, 'json');
      // Text streams to stdout as it is decoded, or as text events with --events; --json waits for the end.
      const onText = events ? (delta: string) => events.emit({ type: 'text', text: delta }) : json ? undefined : (delta: string) => ctx.stdout.write(delta);
      const decode = (ids: number[]) => tokenizer.decode(ids, { skipSpecialTokens: true });
      const t0 = performance.now();
      let firstAt = 0;
      const result = await generateGgml(model, promptIds, {
        maxNewTokens,
        sampling,
        repetitionPenalty: repetitionPenalty ?? generation.repetitionPenalty,
        eosTokenIds: generation.eosTokenIds,
        prefix: session.prefix,
        thinking,
        onToken: () => {
          if (firstAt === 0) firstAt = performance.now();
        },
        decode: onText ? decode : undefined,
        onText,
      });
      const prefillS = firstAt === 0 ? 0 : (firstAt - t0) / 1000;
      const decodeS = (performance.now() - firstAt) / 1000;
      const timing = {
        load_s: round(session.loadSeconds),
        prefill_s: round(prefillS),
        decode_tokens_per_s: result.ids.length > 1 && decodeS > 0 ? round((result.ids.length - 1) / decodeS) : 0,
      };
      if (json || events)
        writeJobResult(ctx, events, {
          prompt_ids: promptIds,
          ids: result.ids,
          text: decode(result.ids),
          finish_reason: result.finishReason,
          engine: session.engine,
          timing,
          ...(result.thinking ? { thinking: result.thinking } : {}),
        });
      else ctx.stdout.write('\n');
      // What budget forcing did, as the last stderr line (the result document carries it too).
      if (result.thinking) ctx.stderr.write(`thinking: ${JSON.stringify(result.thinking)}\n`);
    } finally {
      session.dispose();
    }
  },
};
