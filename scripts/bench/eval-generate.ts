/**
 * Benchmark: eval-run generation throughput (greedy, one sequence at a time, as `tuneloom eval`
 * runs it) on the tiny Qwen2 fixture + adapter, next to the engine's own generate numbers.
 *   node --import tsx scripts/bench/eval-generate.ts [--backend cpu] [--examples 4] [--tokens 32]
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { openInferenceSession } from '../../src-main/engine-node/inference-session';
import { runEval } from '../../src-main/eval/eval-runner';
import { tempDir, tinyQwen2Adapter, tinyQwen2Model } from '../../src-main/test-support/paths';

const { values } = parseArgs({ options: { backend: { type: 'string', default: 'cpu' }, examples: { type: 'string', default: '4' }, tokens: { type: 'string', default: '32' } } });
const n = Number(values.examples);
const file = join(tempDir('tuneloom-bench-eval-'), 'data.jsonl');
const questions = ['学生请假流程是什么？', '高血压病人可以吃党参吗？', '类型#裤*版型#宽松*材质#牛仔布', 'What is LoRA?', '写一句广告语。', '感冒了怎么办？'];
writeFileSync(file, Array.from({ length: n }, (_, i) => JSON.stringify({ messages: [{ role: 'user', content: questions[i % questions.length] }, { role: 'assistant', content: '参考答案。' }] })).join('\n') + '\n');

const session = await openInferenceSession({ model: tinyQwen2Model, adapter: tinyQwen2Adapter, backend: values.backend });
try {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  // EOS is never hit by the random tiny model, so every example generates the full --tokens.
  const r = await runEval(session, { data: file, metrics: ['bleu', 'rouge', 'f1', 'em'], maxNewTokens: Number(values.tokens) });
  const s = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  console.log(
    `eval generate (${session.backend.backend}): ${r.examples} examples x ${values.tokens} tokens: ${r.tokens_per_s!.toFixed(1)} tokens/s ` +
      `(${s.toFixed(2)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s cpu) [load average ${loadavg()[0].toFixed(1)}]`,
  );
} finally {
  session.dispose();
}
