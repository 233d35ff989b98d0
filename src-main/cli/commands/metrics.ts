/**
 * `tuneloom metrics --hyps FILE --refs FILE [--lang zh|en] [--mode sacrebleu|jieba] [--json]`:
 * BLEU-4, ROUGE-1/2/L, SQuAD F1/EM of two files with one text per line (../shared/docs/CLI.md).
 */
import { withRoundedScores } from '../round-scores';
import { UserError } from '../../errors';
import { scoreTexts, type MetricLang, type MetricMode, type TextMetrics } from '../../eval/index';
import { readLinesFile } from '../../eval/read-lines';
import { str, writeJson, flag, type CliCommand } from '../command';

const HELP = `Usage: tuneloom metrics --hyps FILE --refs FILE [--lang zh|en] [--mode sacrebleu|jieba] [--json]

BLEU-4, ROUGE-1/2/L F1 and SQuAD-style F1/EM of predictions against references, scores 0-100.
Both files hold one text per line; line i of --hyps is scored against line i of --refs.

Options:
  --hyps FILE     predictions, one per line
  --refs FILE     references, one per line (same number of lines)
  --lang zh|en    zh (default): sacrebleu tokenize="zh", character tokens for F1/EM;
                  en: sacrebleu tokenize="13a", word tokens for F1/EM (articles dropped)
  --mode MODE     sacrebleu (default): corpus BLEU-4 exactly as sacrebleu; ROUGE F1 on the same
                  tokens, per example then averaged.
                  jieba: as LLaMA-Factory / ChatGLM print them: NLTK sentence BLEU-4 (method3
                  smoothing) on characters and rouge-chinese on jieba words, averaged per example.
                  F1/EM are the same in both modes.
  --json          one JSON document: {"mode","lang","examples","bleu4","rouge1","rouge2","rougeL","f1","em"}
`;

function parseChoice<T extends string>(raw: string | undefined, name: string, choices: readonly T[], fallback: T): T {
  if (raw === undefined) return fallback;
  if ((choices as readonly string[]).includes(raw)) return raw as T;
  throw new UserError(`--${name} must be one of ${choices.join(', ')}, got "${raw}"`);
}

function formatTable(m: TextMetrics): string {
  const row = (k: string, v: number) => `  ${k.padEnd(7)} ${v.toFixed(2).padStart(6)}`;
  return [
    `${m.examples} examples, lang ${m.lang}, mode ${m.mode}`,
    row('BLEU-4', m.bleu4),
    row('ROUGE-1', m.rouge1),
    row('ROUGE-2', m.rouge2),
    row('ROUGE-L', m.rougeL),
    row('F1', m.f1),
    row('EM', m.em),
    '',
  ].join('\n');
}

export const metricsCommand: CliCommand = {
  name: 'metrics',
  summary: 'BLEU-4, ROUGE and F1/EM of two text files.',
  help: HELP,
  options: {
    hyps: { type: 'string' },
    refs: { type: 'string' },
    lang: { type: 'string' },
    mode: { type: 'string' },
  },
  async run(ctx) {
    const hypsPath = str(ctx, 'hyps');
    const refsPath = str(ctx, 'refs');
    if (!hypsPath || !refsPath) {
      throw new UserError(`missing --${hypsPath ? 'refs' : 'hyps'}`, { hint: 'usage: tuneloom metrics --hyps FILE --refs FILE [--lang zh|en] --json' });
    }
    const lang = parseChoice<MetricLang>(str(ctx, 'lang'), 'lang', ['zh', 'en'], 'zh');
    const mode = parseChoice<MetricMode>(str(ctx, 'mode'), 'mode', ['sacrebleu', 'jieba'], 'sacrebleu');
    const hyps = readLinesFile(hypsPath, 'hyps');
    const refs = readLinesFile(refsPath, 'refs');
    if (hyps.length === 0) {
      throw new UserError('no predictions: the file is empty', { where: hypsPath, hint: 'put one prediction per line' });
    }
    if (hyps.length !== refs.length) {
      throw new UserError(`${hypsPath} has ${hyps.length} lines but ${refsPath} has ${refs.length}`, {
        hint: 'give exactly one reference line per prediction line',
      });
    }
    const { metrics } = scoreTexts(hyps, refs, { lang, mode });
    if (flag(ctx, 'json')) writeJson(ctx, withRoundedScores(metrics));
    else ctx.stdout.write(formatTable(metrics));
  },
};
