/**
 * The data layer's shared types: what every reader yields, what every format normalises to, and what an
 * import reports. Normalised examples are chats (`{messages}`, OpenAI style) or plain text (`{text}`) for
 * self-supervised training; both may carry string metadata (a medical row's department, its source file).
 */

import type { Role } from '../engine/types';

// The examples themselves are the engine's types (the engine imports nothing from outside its folder).
export type { Role, ChatMessage, ChatExample, TextExample, Example } from '../engine/types';
export { isChat } from '../engine/types';

export const DATA_FORMATS = ['messages', 'conversations', 'alpaca', 'adgen', 'medical-csv', 'cot', 's1k', 'gsm8k', 'text', 'csv'] as const;
export type DataFormat = (typeof DATA_FORMATS)[number];

// big5 (Traditional Chinese) is read when chosen; detection picks among the others.
export const ENCODINGS = ['utf-8', 'gb18030', 'utf-16le', 'utf-16be', 'big5'] as const;
export type EncodingName = (typeof ENCODINGS)[number];

/** How a file is laid out, independent of what its records mean. */
export type Container = 'csv' | 'json-array' | 'jsonl' | 'text';

/** A record that failed validation: the 1-based line on which it starts, and why. */
export interface Skip {
  line: number;
  reason: string;
  /** Present when the dataset spans several files. */
  file?: string;
}

/** One record as a reader yields it, before any format gives it meaning. */
export type RawRecord = { line: number; value: unknown } | { line: number; error: string };

/** A column mapping for `--map col=role,...`; `meta` keeps a column as metadata. */
export type MapTarget = Role | 'text' | 'meta';
export type FieldMap = Record<string, MapTarget>;
