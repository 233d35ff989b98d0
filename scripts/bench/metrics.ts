/**
 * Benchmark: `scoreTexts` over 10,000 prediction/reference pairs of AdvertiseGen-like Chinese
 * (references ~60-100 characters with ASCII words, numbers and full-width punctuation; predictions
 * are edited copies), in both modes. Target (issue 8): under 2 s for 10k pairs.
 *   npm run bench:metrics            (or: node --import tsx scripts/bench/metrics.ts [pairs])
 */
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { scoreTexts, type MetricMode } from '../../src-main/eval/index';

const pairs = Number(process.argv[2] ?? 10_000);

// Deterministic xorshift so every run scores the same texts.
let seed = 0x9e3779b9;
function rand(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 0x1_0000_0000;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];

const words = [
  '连衣裙',
  '简约',
  '大方',
  '设计',
  '面料',
  '舒适',
  '透气',
  '版型',
  '宽松',
  '修身',
  '气质',
  '时尚',
  '百搭',
  '清新',
  '的',
  '了',
  '很',
  '非常',
  '适合',
  '夏天',
  '穿着',
  '纯棉',
  'T恤',
  '牛仔',
  '外套',
  '白色',
  '刺绣',
  '图案',
  '精致',
  '个性',
  '2024',
  'V领',
  '高腰',
];
const puncts = ['，', '。', '！', '、', ','];

function sentence(): string {
  const n = 20 + Math.floor(rand() * 20);
  let s = '';
  for (let i = 0; i < n; i++) s += rand() < 0.15 ? pick(puncts) : pick(words);
  return s;
}

function edit(ref: string): string {
  const chars = Array.from(ref);
  const out: string[] = [];
  for (const c of chars) {
    const r = rand();
    if (r < 0.1) continue; // drop
    if (r < 0.2)
      out.push(pick(words)); // substitute
    else out.push(c);
  }
  return out.join('');
}

const refs = Array.from({ length: pairs }, sentence);
const hyps = refs.map(edit);
const avgChars = refs.reduce((a, r) => a + r.length, 0) / pairs;

for (const mode of ['sacrebleu', 'jieba'] as MetricMode[]) {
  if (mode === 'jieba') scoreTexts(['预热'], ['预热'], { mode }); // load the dictionary outside the timing
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const { metrics } = scoreTexts(hyps, refs, { lang: 'zh', mode });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  // CPU time is printed too: on a shared machine the wall time also counts other processes' turns.
  console.log(
    `${mode.padEnd(9)} ${pairs} pairs (avg ${avgChars.toFixed(0)} chars/ref): ${(ms / 1000).toFixed(2)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s cpu` +
      `  bleu4 ${metrics.bleu4.toFixed(2)} rouge1 ${metrics.rouge1.toFixed(2)} rougeL ${metrics.rougeL.toFixed(2)} f1 ${metrics.f1.toFixed(2)}` +
      `  ${ms < 2000 ? 'OK (< 2 s)' : 'SLOW (target < 2 s)'}  [load average ${loadavg()[0].toFixed(1)} on ${cpus().length} cores]`,
  );
}
