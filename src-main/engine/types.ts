/**
 * The data the engine trains on and renders: chats (`{messages}`, OpenAI style) or plain text
 * (`{text}`) for self-supervised training; both may carry string metadata (a medical row's
 * department, its source file). The data layer (../data/types.ts) normalises every format to these
 * and re-exports them; they live here so that the engine imports nothing from outside its folder.
 */

/** The roles a dataset example may have (every reader checks them). */
export type Role = 'system' | 'user' | 'assistant';

/**
 * One turn of a chat. `R` is the roles allowed: a dataset's three (the default), or `string` where
 * any role a chat template renders may come (a `--messages-file`, the playground).
 */
export interface ChatMessage<R extends string = Role> {
  role: R;
  content: string;
}

export interface ChatExample {
  messages: ChatMessage[];
  meta?: Record<string, string>;
}

export interface TextExample {
  text: string;
  meta?: Record<string, string>;
}

export type Example = ChatExample | TextExample;

export function isChat(e: Example): e is ChatExample {
  return (e as ChatExample).messages !== undefined;
}
