/**
 * Tokenizer of a Hugging Face model folder: `tokenizer.json` (byte-level BPE, pre-tokenizer regex,
 * added/special tokens kept whole) through @huggingface/tokenizers, and the chat template of
 * `tokenizer_config.json` through @huggingface/jinja (chat-template.ts). Exact ids are asserted
 * against ../shared/fixtures/tokenizer_goldens.json.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { UserError } from '../errors';
import { renderChat, type ChatRenderOptions } from './chat-template';
import type { ChatMessage } from '../types';

export interface TokenizerFiles {
  /** Parsed tokenizer.json. */
  tokenizerJson: unknown;
  /** Parsed tokenizer_config.json ({} when the folder has none). */
  tokenizerConfig: Record<string, unknown>;
  /** Where the files came from, for messages. */
  where: string;
  /**
   * The chat template found beside the config (engine-node/find-chat-template.ts applies transformers'
   * precedence); without it, the config's own `chat_template` is used.
   */
  chatTemplate?: { template: string; source: string };
}

export class TextTokenizer {
  private readonly tok: Tokenizer;
  readonly chatTemplate?: string;
  /** Which file the template came from, for messages. */
  readonly chatTemplateSource: string;
  readonly where: string;
  /** bos_token, eos_token, ... as strings, passed to chat templates (Llama's use `bos_token`). */
  readonly specialTokens: Record<string, string> = {};

  constructor(files: TokenizerFiles) {
    this.where = files.where;
    try {
      this.tok = new Tokenizer(files.tokenizerJson as object, files.tokenizerConfig);
    } catch (e) {
      throw new UserError(`cannot build the tokenizer: ${(e as Error).message}`, {
        where: `${files.where}/tokenizer.json`,
        hint: 'use a tokenizer.json saved by Hugging Face tokenizers',
      });
    }
    for (const [key, value] of Object.entries(files.tokenizerConfig)) {
      if (!key.endsWith('_token')) continue;
      const content = typeof value === 'string' ? value : (value as { content?: unknown } | null)?.content;
      if (typeof content === 'string') this.specialTokens[key] = content;
    }
    if (files.chatTemplate) {
      this.chatTemplate = files.chatTemplate.template;
      this.chatTemplateSource = files.chatTemplate.source;
    } else {
      this.chatTemplateSource = `${files.where}/tokenizer_config.json (chat_template)`;
      const t = files.tokenizerConfig.chat_template;
      if (typeof t === 'string') this.chatTemplate = t;
      else if (Array.isArray(t)) {
        // A list of named templates: the one called "default" is what transformers uses.
        const def = (t as { name?: string; template?: string }[]).find((x) => x.name === 'default');
        if (def?.template) this.chatTemplate = def.template;
      }
    }
  }

  /** Ids of a plain text, without special tokens added (special token strings stay whole). */
  encode(text: string): number[] {
    return this.tok.encode(text, { add_special_tokens: false }).ids;
  }

  decode(ids: number[], opts: { skipSpecialTokens?: boolean } = {}): string {
    return this.tok.decode(ids, { skip_special_tokens: opts.skipSpecialTokens ?? false, clean_up_tokenization_spaces: false });
  }

  tokenToId(token: string): number | undefined {
    return this.tok.token_to_id(token);
  }

  /** The chat rendered with the model's template (no tokenization). */
  renderChat(messages: readonly ChatMessage<string>[], opts: ChatRenderOptions = {}): string {
    if (!this.chatTemplate) {
      throw new UserError('this tokenizer has no chat template, so a chat cannot be rendered', {
        where: `${this.where}/tokenizer_config.json (chat_template)`,
        hint: 'use --text / --ids instead, or a model folder with chat_template.jinja or a chat_template in tokenizer_config.json',
      });
    }
    return renderChat(this.chatTemplate, messages, {
      ...opts,
      specialTokens: { ...this.specialTokens, ...opts.specialTokens },
      where: this.chatTemplateSource,
    });
  }

  /** Rendered chat and its ids. The template writes special tokens itself, so none are added. */
  encodeChat(messages: readonly ChatMessage<string>[], opts: ChatRenderOptions = {}): { text: string; ids: number[] } {
    const text = this.renderChat(messages, opts);
    return { text, ids: this.encode(text) };
  }
}
