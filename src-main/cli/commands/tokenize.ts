/** `tuneloom tokenize`: ids of a text or of a chat rendered with the model's template (CLI.md). */
import { UserError } from '../../errors';
import { flag, str, writeJson, type CliCommand } from '../command';
import { loadTokenizer } from '../../engine-node/load-model';
import { readMessagesFile } from '../../engine-node/messages-file';

export const tokenizeCommand: CliCommand = {
  name: 'tokenize',
  summary: 'Token ids of a text or a rendered chat.',
  help: `Usage: tuneloom tokenize --model DIR (--text STR | --messages-file F [--generation-prompt] [--no-think]) [--json]

Token ids of a text (no special tokens added; special-token strings in the text stay whole), or of a
chat rendered with the model's chat template: chat_template.jinja when the folder has one, else the
chat_template in tokenizer_config.json, else chat_template.json (transformers' order).

Options:
  --model DIR             Hugging Face model folder (tokenizer.json, tokenizer_config.json)
  --text STR              the text to tokenize
  --messages-file F       a JSON array of {"role","content"} messages, rendered with the chat template
  --generation-prompt     append the assistant generation prompt (add_generation_prompt=True)
  --no-think              render with enable_thinking=False (Qwen3 templates: empty <think> block)
  --json                  print {"ids":[...], "text":"the rendered string"}; otherwise ids, one line
`,
  options: {
    model: { type: 'string' },
    text: { type: 'string' },
    'messages-file': { type: 'string' },
    'generation-prompt': { type: 'boolean' },
    'no-think': { type: 'boolean' },
  },
  async run(ctx) {
    const model = str(ctx, 'model');
    if (!model) throw new UserError('--model is required', { hint: 'pass --model DIR, a Hugging Face model folder' });
    const text = str(ctx, 'text');
    const messagesFile = str(ctx, 'messages-file');
    if ((text === undefined) === (messagesFile === undefined)) throw new UserError('pass exactly one of --text or --messages-file');
    const tok = loadTokenizer(model);
    const result =
      text !== undefined
        ? { ids: tok.encode(text), text }
        : tok.encodeChat(readMessagesFile(messagesFile!), {
            addGenerationPrompt: flag(ctx, 'generation-prompt'),
            enableThinking: flag(ctx, 'no-think') ? false : undefined,
          });
    if (flag(ctx, 'json')) writeJson(ctx, { ids: result.ids, text: result.text });
    else ctx.stdout.write(result.ids.join(' ') + '\n');
  },
};
