/**
 * The loss curve of a run trained elsewhere, from the logs the targets write into their output folder:
 * LLaMA-Factory's trainer_log.jsonl (src/llamafactory/train/callbacks.py LogCallback.on_log: one JSON
 * line per log with current_steps, total_steps, loss | eval_loss, lr, epoch, throughput, total_tokens)
 * and the HF Trainer's trainer_state.json (`log_history`: {step, loss, learning_rate, grad_norm, epoch}
 * or {step, eval_loss}), which axolotl and LLaMA-Factory both save. A bad line is one clear error with
 * its line number, never a silently shorter curve.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors';
import type { MetricPoint } from '../../src-shared/dto/runs';

export interface ImportedCurve {
  source: 'trainer_log.jsonl' | 'trainer_state.json';
  file: string;
  points: MetricPoint[];
  evals: { step: number; loss: number }[];
  totalSteps: number | null;
}

const numOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

export function parseTrainerLog(text: string, file: string, now = Date.now()): ImportedCurve {
  const points: MetricPoint[] = [];
  const evals: { step: number; loss: number }[] = [];
  let totalSteps: number | null = null;
  text.split(/\r?\n/).forEach((line, i) => {
    if (!line.trim()) return;
    let row: Record<string, unknown>;
    try {
      row = JSON.parse(line) as Record<string, unknown>;
    } catch {
      throw new UserError('a line of trainer_log.jsonl is not JSON', {
        where: `${file}:${i + 1}`,
        hint: 'copy the file back whole (a cut-off last line is the usual cause)',
      });
    }
    const step = row.current_steps;
    if (!Number.isInteger(step))
      throw new UserError('a trainer_log.jsonl line has no current_steps', { where: `${file}:${i + 1}`, hint: 'this is not a LLaMA-Factory trainer log' });
    totalSteps = numOrNull(row.total_steps) ?? totalSteps;
    const loss = numOrNull(row.loss);
    if (loss !== null) {
      points.push({
        step: step as number,
        loss,
        lr: numOrNull(row.lr),
        gradNorm: numOrNull(row.grad_norm),
        tokensPerS: numOrNull(row.throughput),
        epoch: numOrNull(row.epoch),
        tokensSeen: numOrNull(row.total_tokens),
        ts: now,
      });
    }
    const evalLoss = numOrNull(row.eval_loss);
    if (evalLoss !== null) evals.push({ step: step as number, loss: evalLoss });
  });
  return { source: 'trainer_log.jsonl', file, points: lastPerStep(points), evals, totalSteps };
}

export function parseTrainerState(text: string, file: string, now = Date.now()): ImportedCurve {
  let state: { log_history?: unknown; max_steps?: unknown };
  try {
    state = JSON.parse(text) as typeof state;
  } catch {
    throw new UserError('trainer_state.json is not JSON', { where: file, hint: 'copy the file back whole' });
  }
  if (!Array.isArray(state.log_history))
    throw new UserError('trainer_state.json has no log_history list', { where: file, hint: 'this is not a Hugging Face Trainer state file' });
  const points: MetricPoint[] = [];
  const evals: { step: number; loss: number }[] = [];
  (state.log_history as Record<string, unknown>[]).forEach((h, i) => {
    if (!Number.isInteger(h.step)) throw new UserError(`log_history[${i}] has no step`, { where: file, hint: 'this is not a Hugging Face Trainer state file' });
    const step = h.step as number;
    const loss = numOrNull(h.loss);
    if (loss !== null)
      points.push({
        step,
        loss,
        lr: numOrNull(h.learning_rate),
        gradNorm: numOrNull(h.grad_norm),
        tokensPerS: null,
        epoch: numOrNull(h.epoch),
        tokensSeen: numOrNull(h.num_input_tokens_seen),
        ts: now,
      });
    const evalLoss = numOrNull(h.eval_loss);
    if (evalLoss !== null) evals.push({ step, loss: evalLoss });
  });
  return { source: 'trainer_state.json', file, points: lastPerStep(points), evals, totalSteps: numOrNull(state.max_steps) };
}

/** A resumed run logs a step again: the later line wins, as our own store does. */
function lastPerStep(points: MetricPoint[]): MetricPoint[] {
  const by = new Map<number, MetricPoint>();
  for (const p of points) by.set(p.step, p);
  return [...by.values()].sort((a, b) => a.step - b.step);
}

/** trainer_log.jsonl first (LLaMA-Factory), then trainer_state.json here or in the last checkpoint-N. */
export function findCurve(dir: string): ImportedCurve | null {
  const log = join(dir, 'trainer_log.jsonl');
  if (existsSync(log)) return parseTrainerLog(readFileSync(log, 'utf8'), log);
  const candidates = [join(dir, 'trainer_state.json')];
  const ckpts = existsSync(dir)
    ? readdirSync(dir)
        .map((n) => /^checkpoint-(\d+)$/.exec(n))
        .filter((m): m is RegExpExecArray => m !== null)
        .sort((a, b) => Number(b[1]) - Number(a[1]))
    : [];
  if (ckpts.length) candidates.push(join(dir, ckpts[0][0], 'trainer_state.json'));
  for (const f of candidates) if (existsSync(f)) return parseTrainerState(readFileSync(f, 'utf8'), f);
  return null;
}
