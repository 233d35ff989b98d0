/**
 * Where a model folder's chat template is, in transformers' order of precedence, so that tokenize,
 * generate, train, export and registration all agree on one template.
 *
 * transformers (tokenization_utils_base.py, PreTrainedTokenizerBase._from_pretrained): "If independent
 * chat template file(s) exist, they take priority over template entries in the tokenizer config":
 * `chat_template.jinja` is read as the "default" template and clobbers `tokenizer_config.json`'s
 * `chat_template` (its test `test_chat_template_file_priority` asserts exactly that). In the config, the
 * value is a string or a list of named templates, of which apply_chat_template uses "default".
 * `chat_template.json` (`{"chat_template": "..."}`) is the processors' legacy file, which the tokenizer
 * does not read; we take it only when nothing else has a template, as AutoProcessor would.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors';

export interface FoundChatTemplate {
  template: string;
  /** The file (and key) it came from, for messages. */
  source: string;
}

/** Templates above this size are refused: real ones are a few KiB, and a huge one only costs memory. */
export const MAX_CHAT_TEMPLATE_BYTES = 1 << 20;

function readTemplateFile(path: string): string | undefined {
  if (!existsSync(path)) return undefined;
  const st = statSync(path);
  if (!st.isFile())
    throw new UserError('the chat template is not a file', {
      where: path,
      hint: 'remove that folder, or replace it with the chat_template.jinja of the model',
    });
  if (st.size > MAX_CHAT_TEMPLATE_BYTES)
    throw new UserError(`the chat template is ${st.size} bytes, over the ${MAX_CHAT_TEMPLATE_BYTES >> 20} MiB limit`, {
      where: path,
      hint: 'use the chat_template.jinja that came with the model',
    });
  return readFileSync(path, 'utf8');
}

/** The config's `chat_template`: a string, or named templates of which "default" is used. */
export function configChatTemplate(tokenizerConfig: Record<string, unknown>): string | undefined {
  const t = tokenizerConfig.chat_template;
  if (typeof t === 'string') return t.trim() ? t : undefined;
  if (Array.isArray(t)) {
    const def = t.find(
      (x): x is { name: string; template: string } =>
        x !== null && typeof x === 'object' && (x as { name?: unknown }).name === 'default' && typeof (x as { template?: unknown }).template === 'string',
    );
    return def?.template;
  }
  return undefined;
}

export function findChatTemplate(dir: string, tokenizerConfig: Record<string, unknown>): FoundChatTemplate | undefined {
  const jinjaPath = join(dir, 'chat_template.jinja');
  const jinja = readTemplateFile(jinjaPath);
  if (jinja !== undefined && jinja.trim()) return { template: jinja, source: jinjaPath };
  const fromConfig = configChatTemplate(tokenizerConfig);
  if (fromConfig) return { template: fromConfig, source: `${join(dir, 'tokenizer_config.json')} (chat_template)` };
  const jsonPath = join(dir, 'chat_template.json');
  const json = readTemplateFile(jsonPath);
  if (json === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    throw new UserError('chat_template.json is not valid JSON', { where: jsonPath, hint: 'it should be {"chat_template": "..."}' });
  }
  const t = parsed !== null && typeof parsed === 'object' ? (parsed as { chat_template?: unknown }).chat_template : undefined;
  return typeof t === 'string' && t.trim() ? { template: t, source: `${jsonPath} (chat_template)` } : undefined;
}
