/** Evaluation metrics: the public surface other modules (CLI, eval runs, UI handlers) import. */
export { scoreTexts, type MetricMode, type TextMetrics, type TextMetricsOptions, type TextMetricsResult, type ExampleScores } from './text-metrics';
export { corpusBleu, sentenceBleu, type BleuScore } from './sacrebleu';
export { tokenize13a, tokenizeZh } from './sacrebleu-tokenize';
export { rougeScores, rougeN, rougeL, type RougeF1 } from './rouge';
export { squadScore, squadTokens, type MetricLang } from './squad';
export { nltkSentenceBleu4 } from './nltk-bleu';
export { rougeChinese } from './rouge-chinese';
export { jiebaCut } from './jieba-words';
export { perplexity, LossAccumulator } from './perplexity';
