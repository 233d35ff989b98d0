/**
 * The importer describes how source fields map to chat roles in English words (the CLI prints them as
 * they are). The wizard shows them in the user's language: the known descriptions are translated, an
 * unknown one is shown as it came.
 */
import type { MessageKey } from './i18n/i18n.svelte';

type T = (key: MessageKey, params?: Record<string, string | number>) => string;

const EXACT: Record<string, MessageKey> = {
  user: 'field.user',
  assistant: 'field.assistant',
  system: 'field.system',
  metadata: 'field.metadata',
  meta: 'field.metadata',
  text: 'field.text',
  'user (when ask is empty)': 'field.userWhenAskEmpty',
  'user (after the instruction, on a new line)': 'field.userAfterInstruction',
  'earlier user/assistant turns': 'field.history',
  'text (self-supervised: every token is learned)': 'field.textSelfSupervised',
  'assistant, as {response}': 'field.cotResponse',
};

export function fieldRoleText(description: string, t: T): string {
  const exact = EXACT[description];
  if (exact) return t(exact);
  const chat = /^chat turns \((.+)\), every role kept$/.exec(description);
  if (chat) return t('field.chatTurns', { shape: chat[1]! });
  const cot = /^assistant, as \{cot\} in "(.*)"$/.exec(description);
  if (cot) return t('field.cotThinking', { template: cot[1]! });
  return description;
}
