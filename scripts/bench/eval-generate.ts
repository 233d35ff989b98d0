/**
 * Benchmark: eval-run generation throughput on ggml (greedy, as `tuneloom eval` runs it) on the tiny Qwen2
 * fixture + adapter, one sequence at a time (--batch-size 1) and batched (--batch-size N, default 8)
 * in the same run, next to the engine's own generate numbers. Also checks that both give the same
 * predictions.
 *   node --import tsx scripts/bench/eval-generate.ts [--backend cpu] [--examples 8] [--tokens 32] [--batch-size 8]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { openGgmlInferenceSession } from '../../src-main/engine-node/ggml-session';
import { runEval, type EvalResult } from '../../src-main/eval/eval-runner';
import { tempDir, tinyQwen2Adapter, tinyQwen2Model } from '../../src-main/test-support/paths';

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'cpu' },
    examples: { type: 'string', default: '8' },
    tokens: { type: 'string', default: '32' },
    'batch-size': { type: 'string', default: '8' },
  },
});
const n = Number(values.examples);
const batchSize = Number(values['batch-size']);
if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`--batch-size must be a whole number of at least 1, got ${values['batch-size']}`);
const file = join(tempDir('tuneloom-bench-eval-'), 'data.jsonl');
const questions = ['学生请假流程是什么？', '高血压病人可以吃党参吗？', '类型#裤*版型#宽松*材质#牛仔布', 'What is LoRA?', '写一句广告语。', '感冒了怎么办？'];
writeFileSync(
  file,
  Array.from({ length: n }, (_, i) =>
    JSON.stringify({
      messages: [
        { role: 'user', content: questions[i % questions.length] },
        { role: 'assistant', content: '参考答案。' },
      ],
    }),
  ).join('\n') + '\n',
);

const session = await openGgmlInferenceSession({ model: tinyQwen2Model, adapter: tinyQwen2Adapter, backend: values.backend, weights: 'f32' });
try {
  const results: EvalResult[] = [];
  for (const size of [...new Set([1, batchSize])]) {
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    // EOS is never hit by the random tiny model, so every example generates the full --tokens.
    const r = await runEval(session, { data: file, metrics: ['bleu', 'rouge', 'f1', 'em'], maxNewTokens: Number(values.tokens), batchSize: size });
    const s = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    results.push(r);
    console.log(
      `eval generate (ggml ${session.backend.name}, batch ${size}): ${r.examples} examples x ${values.tokens} tokens: ${r.tokens_per_s!.toFixed(1)} tokens/s ` +
        `(${s.toFixed(2)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s cpu) [load average ${loadavg()[0].toFixed(1)}]`,
    );
  }
  const same = results.every((r) => JSON.stringify(r.predictions) === JSON.stringify(results[0].predictions));
  console.log(`predictions identical across batch sizes: ${same ? 'yes' : 'NO'}`);
} finally {
  session.dispose();
}
