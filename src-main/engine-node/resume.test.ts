/**
 * Exact resume: the training loop runs in a child process (test-support/train-child.ts), is
 * SIGKILLed right after it reports a checkpoint, and resumed from that checkpoint; the final adapter
 * bytes and the whole loss sequence equal those of an uninterrupted run (cpu backend), with LoRA
 * dropout, a cosine schedule with warmup and shuffled data all in play.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, tempDir } from '../test-support/paths';
import { writeTinyModel } from '../test-support/tiny-model';
import { writeLearningData } from '../test-support/learning-data';
import { TRAIN_DEFAULTS, type TrainConfig } from '../engine/train/train-config';

const root = tempDir();
const jsonLines = (s: string) =>
  s
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);

const tiny = () => writeTinyModel(join(root, 'tiny-small'), { hidden: 32, intermediate: 64 });

function resumeConfig(model: string, data: string, out: string, resumeFrom?: string): TrainConfig {
  return {
    ...TRAIN_DEFAULTS,
    model,
    data,
    out,
    resumeFrom,
    maxSteps: 6,
    saveEvery: 2,
    batchSize: 2,
    loraDropout: 0.1,
    lr: 5e-3,
    scheduler: 'cosine',
    warmupSteps: 1,
    seed: 7,
  };
}

/**
 * Runs the training loop in a child process (test-support/train-child.ts: runTraining, no supervisor)
 * and SIGKILLs it as soon as it reports the checkpoint of step `killAfter` (undefined: run to the end).
 */
function runChild(
  config: TrainConfig,
  killAfter?: number,
): Promise<{ events: Record<string, unknown>[]; code: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src-main/test-support/train-child.ts'), JSON.stringify(config), 'cpu'], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (killAfter !== undefined && stdout.includes(`"type":"checkpoint","step":${killAfter},`)) child.kill('SIGKILL');
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ events: jsonLines(stdout), code, signal, stderr }));
  });
}

test('SIGKILL after a checkpoint, resume: final adapter and loss sequence are bit-identical (cpu)', async () => {
  const model = tiny();
  const data = writeLearningData(join(root, 'resume.jsonl'));
  const full = await runChild(resumeConfig(model, data, join(root, 'uninterrupted')));
  assert.equal(full.code, 0, full.stderr);
  const fullDone = full.events.at(-1)!;
  assert.equal(fullDone.type, 'done');

  const outB = join(root, 'killed');
  const killed = await runChild(resumeConfig(model, data, outB), 2);
  assert.equal(killed.signal, 'SIGKILL');
  assert.ok(!existsSync(join(outB, 'adapter_model.safetensors')), 'no final adapter from the killed run');
  const resumed = await runChild(resumeConfig(model, data, outB, join(outB, 'checkpoint-2')));
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(resumed.events.find((e) => e.type === 'start')!.fromStep, 2);
  assert.deepEqual(
    resumed.events.filter((e) => e.type === 'step').map((e) => e.step),
    [3, 4, 5, 6],
  );
  assert.ok(!readdirSync(outB).some((f) => f.includes('.tmp-') || f.includes('.old-')), 'no half-written folder left behind');
  assert.deepEqual(resumed.events.at(-1)!.losses, fullDone.losses, 'loss sequence');
  const a = readFileSync(join(root, 'uninterrupted', 'adapter_model.safetensors'));
  const b = readFileSync(join(outB, 'adapter_model.safetensors'));
  assert.ok(a.equals(b), 'adapter bytes equal');
});
