/** Reads a `--messages-file` (a JSON array of {"role","content"}) for the inference commands, in one-line errors. */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '../errors';
import { parseMessages } from '../engine/tokenizer/chat-template';
import type { ChatMessage } from '../engine/types';

export function readMessagesFile(path: string): ChatMessage<string>[] {
  const abs = resolve(path);
  if (!existsSync(abs)) throw new UserError('messages file not found', { where: abs });
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(abs, 'utf8'));
  } catch (e) {
    throw new UserError(`messages file is not valid JSON (${(e as Error).message})`, { where: abs, hint: 'expected [{"role":"user","content":"..."}]' });
  }
  return parseMessages(value, abs);
}
