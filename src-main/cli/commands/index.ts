/** Every `tuneloom` command, in the order `--help` lists them (../shared/docs/CLI.md). */
import type { CliCommand } from '../command';
import { pendingCommand } from '../pending';

export const commands: CliCommand[] = [
  pendingCommand('tokenize', 'Token ids of a text or a rendered chat.', 'tokenize --model DIR (--text STR | --messages-file F [--generation-prompt] [--no-think]) --json'),
  pendingCommand('inspect logits', 'Per-position logsumexp and top logits.', 'inspect logits --model DIR [--adapter DIR] (--ids 1,2,3 | --messages-file F) [--top 5] --json'),
  pendingCommand('generate', 'Generate text from a model, streaming.', 'generate --model DIR [--adapter DIR] (--prompt STR | --messages-file F) [--max-new-tokens 256] [--greedy | --temperature T --top-p P --top-k K --seed S] [--think-budget N] [--json]'),
  pendingCommand('data inspect', 'Detect format and encoding of a dataset file; report examples and skipped lines.', 'data inspect FILE [--format auto|FORMAT] [--encoding auto|utf-8|gb18030] [--json]'),
  pendingCommand('train', 'Fine-tune a model with LoRA or P-Tuning v2.', 'train --model DIR --data FILE --out DIR [options] [--json]'),
  pendingCommand('eval', 'Evaluate a model or adapter on a dataset.', 'eval --model DIR [--adapter DIR] --data FILE [--metrics loss,bleu,rouge,f1,em] [--json]'),
  pendingCommand('metrics', 'BLEU-4, ROUGE and F1/EM of two text files.', 'metrics --hyps FILE --refs FILE [--lang zh|en] --json'),
  pendingCommand('runs list', 'List runs in the store.', 'runs list [--db FILE] [--json]'),
  pendingCommand('runs show', 'Show one run.', 'runs show ID [--db FILE] [--json]'),
  pendingCommand('runs compare', 'Compare runs side by side.', 'runs compare ID ID... [--db FILE] [--json]'),
  pendingCommand('runs resume', 'Resume an interrupted run.', 'runs resume ID [--db FILE] [--json]'),
  pendingCommand('export', 'Export a merged model or GGUF.', 'export --model DIR --adapter DIR --to merged|gguf [--gguf-type f16|q8_0] --out PATH'),
  pendingCommand('serve', "Serve the app's UI in a browser, on the same store.", 'serve [--host 127.0.0.1] [--port 5179] [--db FILE]'),
];
