/**
 * `npm run bench:generate`: greedy decode and prefill speed of the ggml engine side by side, in one
 * run, with llama.cpp (node-llama-cpp on our own GGUF export of the same weights, same type, same
 * threads) and PyTorch eager on the CPU (scripts/bench/torch_generate.py, fp32 and bf16), on the
 * synthetic Qwen2.5-0.5B shape; then load time and peak RSS of the larger shapes on the ggml engine.
 *
 *   nice -n 5 npm run bench:generate -- [--shape qwen2.5-0.5b] [--types f16,q8_0] [--threads 2]
 *     [--flash off,on] [--torch fp32,bf16|off] [--llama on|off] [--reps 2] [--prompt-len 32]
 *     [--new-tokens 32] [--poll 0] [--load-shapes qwen2.5-1.5b:q8_0,qwen2.5-7b:q4] [--out FILE.jsonl]
 *
 * Every engine runs in its own process (generate-ggml.ts, generate-llamacpp.ts, torch_generate.py),
 * one after the other, the engines interleaved within each repetition, so that each one's load time,
 * CPU-seconds and peak RSS are its own and a change in the machine's load hits all of them alike.
 * CPU time is user + system of the whole process (every thread): on a shared machine it is the
 * fairer column, but it includes ggml's spinning barriers, which grow with contention.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { readModelConfig } from '../../src-main/engine-node/load-model';
import type { GgufOutType } from '../../src-main/export/gguf-tensors';
import { benchGguf } from './bench-gguf';
import { syntheticModelDir } from './bench-model';

const { values } = parseArgs({
  options: {
    shape: { type: 'string', default: 'qwen2.5-0.5b' },
    types: { type: 'string', default: 'f16,q8_0' },
    threads: { type: 'string', default: '2' },
    flash: { type: 'string', default: 'off,on' },
    torch: { type: 'string', default: 'fp32,bf16' },
    llama: { type: 'string', default: 'on' },
    reps: { type: 'string', default: '2' },
    'prompt-len': { type: 'string', default: '32' },
    'new-tokens': { type: 'string', default: '32' },
    poll: { type: 'string', default: '0' },
    'load-shapes': { type: 'string', default: 'qwen2.5-1.5b:q8_0,qwen2.5-7b:q4' },
    out: { type: 'string' },
  },
});
const list = (s: string | undefined) =>
  (s ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x && x !== 'off');
const types = list(values.types) as GgufOutType[];
const flashModes = (values.flash ?? 'off').split(',').map((x) => x.trim() === 'on');
const threadCounts = list(values.threads).map(Number);
const torchTypes = list(values.torch);
const reps = Number(values.reps);
const promptLen = values['prompt-len']!;
const newTokens = values['new-tokens']!;

/** One child's JSON line, plus what the bench knows about the run. */
interface Row {
  engine: string;
  label: string;
  type: string;
  threads: number;
  flash?: boolean;
  rep: number;
  load_avg_1m: number;
  load_s: number;
  load_cpu_s: number;
  prefill_tokens?: number;
  prefill_s?: number;
  prefill_cpu_s?: number;
  decode_tokens?: number;
  decode_s?: number;
  decode_cpu_s?: number;
  peak_rss_mib: number;
  ids?: number[];
  [k: string]: unknown;
}

function runChild(cmd: string, args: string[]): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      const last = out.trim().split('\n').pop() ?? '';
      if (code !== 0 || !last.startsWith('{')) reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${err.trim().split('\n').slice(-3).join(' | ')}`));
      else resolve(JSON.parse(last) as Record<string, unknown>);
    });
  });
}

const rows: Row[] = [];
async function record(
  label: string,
  meta: { engine: string; type: string; threads: number; flash?: boolean; rep: number },
  cmd: string,
  args: string[],
): Promise<Row> {
  const load = loadavg()[0];
  process.stderr.write(`[rep ${meta.rep}] ${label} (load average ${load.toFixed(1)}) ...\n`);
  const r = { ...(await runChild(cmd, args)), ...meta, label, load_avg_1m: load } as Row;
  rows.push(r);
  if (values.out) appendFileSync(values.out, `${JSON.stringify(r)}\n`);
  return r;
}

const node = ['--import', 'tsx'];
const dir = syntheticModelDir(values.shape!, 'bf16');
const vocab = readModelConfig(dir).vocabSize;
const ggufs = new Map<string, string>();
if (values.llama === 'on') for (const t of types) ggufs.set(t, (await benchGguf(dir, t)).file);
if (values.out) writeFileSync(values.out, '');

for (let rep = 1; rep <= reps; rep++) {
  for (const threads of threadCounts) {
    const common = ['--threads', String(threads), '--prompt-len', promptLen, '--new-tokens', newTokens];
    for (const type of types) {
      for (const flash of flashModes) {
        const fa = flash ? 'on' : 'off';
        await record(`ggml ${type}${flash ? ' FA' : ''}`, { engine: 'ggml', type, threads, flash, rep }, process.execPath, [
          ...node,
          'scripts/bench/generate-ggml.ts',
          '--model',
          dir,
          '--weights',
          type,
          '--flash',
          fa,
          '--poll',
          values.poll!,
          '--json',
          ...common,
        ]);
        if (values.llama === 'on') {
          await record(`llama.cpp ${type}${flash ? ' FA' : ''}`, { engine: 'llama.cpp', type, threads, flash, rep }, process.execPath, [
            ...node,
            'scripts/bench/generate-llamacpp.ts',
            '--gguf',
            ggufs.get(type)!,
            '--vocab',
            String(vocab),
            '--flash',
            fa,
            ...common,
          ]);
        }
      }
    }
    for (const dtype of torchTypes) {
      await record(`torch ${dtype}`, { engine: 'torch', type: dtype, threads, rep }, '/usr/bin/python3', [
        'scripts/bench/torch_generate.py',
        '--model',
        dir,
        '--dtype',
        dtype,
        ...common,
      ]);
    }
  }
}

// Load time and peak RSS of the larger shapes (ggml engine; a short decode shows they run).
for (const spec of list(values['load-shapes'])) {
  const [shape, type] = spec.split(':');
  const d = syntheticModelDir(shape, 'bf16');
  const threads = threadCounts[0] ?? 2;
  await record(`ggml ${shape} ${type}`, { engine: 'ggml', type, threads, rep: 1 }, process.execPath, [
    ...node,
    'scripts/bench/generate-ggml.ts',
    '--model',
    d,
    '--weights',
    type,
    '--poll',
    values.poll!,
    '--json',
    '--threads',
    String(threads),
    '--prompt-len',
    '8',
    '--new-tokens',
    '8',
  ]);
}

// Report: the best repetition of each configuration (highest tokens/s; least CPU per token),
// because on a shared machine the slower repetitions measure the neighbours.
const f = (x: number | undefined, d = 2) => (x === undefined || !Number.isFinite(x) ? '' : x.toFixed(d));
const best = (rs: Row[], key: (r: Row) => number | undefined, max: boolean) => {
  const xs = rs.map(key).filter((x): x is number => x !== undefined && Number.isFinite(x));
  return xs.length ? (max ? Math.max(...xs) : Math.min(...xs)) : undefined;
};
interface Summary {
  label: string;
  threads: number;
  decode: number | undefined;
  decodeCpuMs: number | undefined;
  prefill: number | undefined;
  prefillCpu: number | undefined;
  load: number | undefined;
  rss: number | undefined;
  loadAvg: string;
  ids?: number[];
}
const groups = new Map<string, Row[]>();
for (const r of rows) {
  const k = `${r.label}|${r.threads}`;
  groups.set(k, [...(groups.get(k) ?? []), r]);
}
const summaries: Summary[] = [...groups.values()].map((rs) => ({
  label: rs[0].label,
  threads: rs[0].threads,
  decode: best(rs, (r) => (r.decode_tokens ? r.decode_tokens / r.decode_s! : undefined), true),
  decodeCpuMs: best(rs, (r) => (r.decode_tokens ? (1000 * r.decode_cpu_s!) / r.decode_tokens : undefined), false),
  prefill: best(rs, (r) => (r.prefill_tokens ? r.prefill_tokens / r.prefill_s! : undefined), true),
  prefillCpu: best(rs, (r) => r.prefill_cpu_s, false),
  load: best(rs, (r) => r.load_s, false),
  rss: best(rs, (r) => r.peak_rss_mib, false),
  loadAvg: rs.map((r) => r.load_avg_1m.toFixed(1)).join('/'),
  ids: rs[0].ids,
}));
const lines = [
  `${values.shape}, prompt ${promptLen}, ${newTokens} new tokens (greedy), best of ${reps}; ${cpus()[0]?.model ?? 'cpu'} x ${cpus().length}; node ${process.version}`,
  '',
  '| engine, weights | threads | decode tokens/s | decode CPU-ms/token | prefill tokens/s | prefill CPU-s | load s | peak RSS MiB | load avg |',
  '|---|---|---|---|---|---|---|---|---|',
  ...summaries.map(
    (s) =>
      `| ${s.label} | ${s.threads} | ${f(s.decode)} | ${f(s.decodeCpuMs, 0)} | ${f(s.prefill, 1)} | ${f(s.prefillCpu)} | ${f(s.load, 1)} | ${f(s.rss, 0)} | ${s.loadAvg} |`,
  ),
  '',
];
// Ratios against the targets: ggml vs llama.cpp per type/flash, and vs torch's faster path.
for (const threads of threadCounts) {
  const get = (label: string) => summaries.find((s) => s.label === label && s.threads === threads);
  const torchBest = summaries.filter((s) => s.label.startsWith('torch') && s.threads === threads).sort((a, b) => (b.decode ?? 0) - (a.decode ?? 0))[0];
  for (const type of types) {
    for (const flash of flashModes) {
      const sfx = `${type}${flash ? ' FA' : ''}`;
      const g = get(`ggml ${sfx}`);
      const l = get(`llama.cpp ${sfx}`);
      if (!g) continue;
      const parts = [`ggml ${sfx}, ${threads} threads: decode`];
      if (l?.decode && g.decode) parts.push(`${f(g.decode / l.decode)}x llama.cpp by tokens/s, ${f(l.decodeCpuMs! / g.decodeCpuMs!)}x by CPU per token`);
      if (torchBest?.decode && g.decode)
        parts.push(
          `${f(g.decode / torchBest.decode)}x ${torchBest.label} (torch's faster path) by tokens/s, ${f(torchBest.decodeCpuMs! / g.decodeCpuMs!)}x by CPU per token`,
        );
      if (l?.ids && g.ids) parts.push(`greedy ids equal llama.cpp's for the first ${commonPrefix(g.ids, l.ids)} of ${g.ids.length}`);
      lines.push(`- ${parts.join('; ')}`);
    }
  }
}
const torchRow = rows.find((r) => r.engine === 'torch');
if (torchRow) lines.push(`- torch ${String(torchRow.torch)}, BLAS loaded: ${(torchRow.blas as string[]).join(', ') || 'none found in /proc/self/maps'}`);
const llamaRow = rows.find((r) => r.engine === 'llama.cpp');
if (llamaRow) lines.push(`- ${String(llamaRow.version)}`);
process.stdout.write(`${lines.join('\n')}\n`);

function commonPrefix(a: number[], b: number[]): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}
