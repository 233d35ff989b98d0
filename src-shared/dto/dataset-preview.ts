/** What the wizard shows about a data file before importing it (from the data importer's dry run). */

export const DATA_FORMAT_CHOICES = ['auto', 'messages', 'conversations', 'alpaca', 'adgen', 'medical-csv', 'cot', 's1k', 'gsm8k', 'text', 'csv'] as const;
export type DataFormatChoice = (typeof DATA_FORMAT_CHOICES)[number];
export const ENCODING_CHOICES = ['auto', 'utf-8', 'gb18030', 'big5', 'utf-16le', 'utf-16be'] as const;
export type EncodingChoiceDto = (typeof ENCODING_CHOICES)[number];

export interface PreviewMessage {
  role: string;
  content: string;
}

/** A stretch of rendered text: template special tokens (`<|im_start|>`, `<|im_end|>`) are marked. */
export interface RenderedPart {
  text: string;
  special: boolean;
}

/** One sample as training tokenizes it: through the model's chat template (a text: plus its EOS). */
export interface RenderedSample {
  text: string;
  /** Its length in the model's tokens. */
  tokens: number;
  /** `text` cut at the special tokens, in order; joined they give `text`. */
  parts: RenderedPart[];
}

export interface DatasetPreview {
  name: string;
  input: string;
  format: string;
  encoding: string;
  /** Encoding detection confidence, 0..1. */
  confidence: number;
  examples: number;
  skippedTotal: number;
  /** The first skipped records: 1-based line and why. */
  skipped: { line: number; reason: string; file?: string }[];
  /** Records kept with a JSON number or true/false read as text (`5` -> "5"): how many, and the first ones. */
  coercedTotal?: number;
  coerced?: { line: number; reason: string; file?: string }[];
  /** How source fields map to roles. */
  fields: Record<string, string>;
  sample: ({ messages: PreviewMessage[] } | { text: string })[];
  stats: {
    unit: string;
    histogram: { from: number; to: number; count: number }[];
    p50: number;
    p95: number;
    maxLength: number;
    meanLength: number;
    maxLen: number | null;
    overMaxLen: number;
  };
  split: { train: number; val: number } | null;
  /** With a model chosen: the name of the model whose tokenizer measured the lengths (stats.unit is then 'tokens'). */
  tokenizer?: string;
  /** Why the chosen model could not render the samples (the preview is then in characters). */
  tokenizerError?: string;
  /** With a model chosen: `sample` rendered through that model's chat template, one per sample. */
  rendered?: RenderedSample[];
}
