/**
 * The quality cost of low-bit frozen weights (issue 14): the same LoRA work on f32, bf16, f16, q8_0 and
 * q4_0 frozen bases, side by side.
 *   npm run bench:quality -- [--types f32,bf16,f16,q8_0,q4_0] [--epochs 6] [--seeds 3] [--json]
 * 1. Fixture (../shared/fixtures/tiny-qwen2 with its PEFT adapter, transformers + peft in float64):
 *    the SFT loss, the global gradient norm, the worst LoRA gradient error and the losses before
 *    each of three AdamW steps, each against the fixture.
 * 2. A small real run: LoRA (all-linear, r 8) through runTraining on the project's tiny model and the
 *    learning dataset (src-main/test-support/learning-data.ts), one question frame of the eight held
 *    out as the validation set, each seed run on every type: the loss curve, its largest gap to the
 *    f32 curve of the same seed and the held-out eval loss, with f32's seed-to-seed spread beside.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fixtureQuality, trainingQuality, type FixtureQuality, type TrainingQuality } from '../../src-main/test-support/low-bit-quality';
import { FROZEN_TYPES, type FrozenType } from '../../src-main/engine/ggml-train/frozen-weights';

const { values } = parseArgs({
  options: {
    types: { type: 'string', default: FROZEN_TYPES.join(',') },
    epochs: { type: 'string', default: '6' },
    seeds: { type: 'string', default: '3' },
    json: { type: 'boolean' },
  },
});
const types = values.types!.split(',') as FrozenType[];
for (const t of types) if (!FROZEN_TYPES.includes(t)) throw new Error(`--types: unknown frozen type "${t}" (one of ${FROZEN_TYPES.join(', ')})`);

const fmt = (x: number, digits = 4): string => (Math.abs(x) >= 1e-3 || x === 0 ? x.toFixed(digits) : x.toExponential(1));

const fixture: FixtureQuality[] = [];
for (const type of types) fixture.push(await fixtureQuality(type));
process.stdout.write('\nFixture tiny-qwen2 + PEFT adapter (reference: transformers + peft, float64)\n');
process.stdout.write(
  '| frozen weights | SFT loss | rel. error | grad norm | rel. error | worst LoRA grad error (rel. to its tensor max) | loss before AdamW steps 1-3 | worst rel. error |\n|---|---|---|---|---|---|---|---|\n',
);
for (const f of fixture) {
  process.stdout.write(
    `| ${f.type} | ${f.loss.toFixed(5)} | ${fmt(f.lossRelError, 5)} | ${f.gradNorm.toFixed(5)} | ${fmt(f.gradNormRelError, 5)} | ${fmt(f.worstGradError)} | ${f.adamwLosses.map((l) => l.toFixed(5)).join(' / ')} | ${fmt(f.adamwLossRelError, 5)} |\n`,
  );
}

const seeds = Array.from({ length: Number(values.seeds) }, (_, i) => 42 + i);
const root = mkdtempSync(join(tmpdir(), 'tuneloom-quality-'));
const runs: TrainingQuality[] = [];
try {
  for (const seed of seeds) for (const type of types) runs.push(await trainingQuality(type, root, { epochs: Number(values.epochs), seed }));
} finally {
  rmSync(root, { recursive: true, force: true });
}
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const span = (xs: number[]): string => `${Math.min(...xs).toFixed(3)}-${Math.max(...xs).toFixed(3)}`;
const refType = types.includes('f32') ? 'f32' : types[0];
const refOf = (seed: number): TrainingQuality => runs.find((r) => r.type === refType && r.seed === seed)!;
process.stdout.write(
  `\nTraining run: tiny model (hidden 64, 2 layers, vocab 259), LoRA all-linear r 8, lr 1e-2, batch 4, ${values.epochs} epochs, 28 chats, 4 held out; seeds ${seeds.join(', ')}\n` +
    `(mean over seeds, range in brackets; a gap is to the ${refType} run of the same seed)\n`,
);
process.stdout.write(
  `| frozen weights | steps | first loss | loss at 1/2 | mean of last 4 | largest gap to the ${refType} curve | held-out eval loss | eval loss minus ${refType}'s |\n|---|---|---|---|---|---|---|---|\n`,
);
for (const type of types) {
  const rs = runs.filter((r) => r.type === type);
  const n = rs[0].losses.length;
  const first = rs.map((r) => r.losses[0]);
  const half = rs.map((r) => r.losses[Math.floor(n / 2)]);
  const last4 = rs.map((r) => mean(r.losses.slice(-4)));
  const gap = rs.map((r) => Math.max(...r.losses.map((l, i) => Math.abs(l - refOf(r.seed).losses[i]))));
  const ev = rs.map((r) => r.evalLoss);
  const dEv = rs.map((r) => r.evalLoss - refOf(r.seed).evalLoss);
  const cell = (xs: number[], d = 3): string => `${mean(xs).toFixed(d)} (${span(xs)})`;
  process.stdout.write(`| ${type} | ${n} | ${cell(first)} | ${cell(half)} | ${cell(last4)} | ${cell(gap)} | ${cell(ev)} | ${cell(dEv)} |\n`);
}
const refEv = runs.filter((r) => r.type === refType).map((r) => r.evalLoss);
process.stdout.write(`${refType} seed-to-seed spread of the eval loss (the noise floor a gap is read against): ${span(refEv)}\n`);
if (values.json) process.stdout.write(JSON.stringify({ fixture, runs }) + '\n');
