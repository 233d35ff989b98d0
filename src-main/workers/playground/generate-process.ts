/**
 * The playground's generation: each column (base model, or base + a LoRA adapter) runs `tuneloom
 * generate --events` in its own child process (jobs/cli-job.ts), whose text events come back as
 * deltas and whose error event, or "stopped", ends the column. A child process keeps
 * the heavy, synchronous decoding loop off the main process (the UI and the training supervisor stay
 * responsive), runs the columns side by side, and makes "stop" a kill. Same code path as the CLI.
 */
import type { PlaygroundColumn, PlaygroundRequest, PlaygroundThinking } from '../../../src-shared/ipc-contract';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCliJob } from '../jobs/cli-job';
import type { JsonValue } from '../jobs/job-events';

/** A column: the base model, or base + a LoRA adapter (the contract's PlaygroundColumn). */
export type ColumnSpec = PlaygroundColumn;

/** What every column generates: the playground request's prompt and sampling, plus the backend setting. */
export type GenerateSpec = Omit<PlaygroundRequest, 'sessionId' | 'columns'> & { backend?: string };

export interface ColumnCallbacks {
  onDelta(key: string, text: string): void;
  /** `thinking`: what budget forcing did (only when it was asked for and the column finished). */
  onDone(key: string, error: string | null, thinking?: PlaygroundThinking): void;
}

export function generateArgs(col: ColumnSpec, spec: GenerateSpec, messagesFile: string): string[] {
  const args = ['generate', '--model', col.modelPath, '--messages-file', messagesFile, '--max-new-tokens', String(spec.maxNewTokens)];
  if (col.adapterPath) args.push('--adapter', col.adapterPath);
  if (spec.greedy) args.push('--greedy');
  else {
    if (spec.temperature !== undefined) args.push('--temperature', String(spec.temperature));
    if (spec.topP !== undefined) args.push('--top-p', String(spec.topP));
    if (spec.topK !== undefined) args.push('--top-k', String(spec.topK));
    if (spec.seed !== undefined) args.push('--seed', String(spec.seed));
  }
  if (spec.thinkBudget) args.push('--think-budget', String(spec.thinkBudget));
  if (spec.thinkWait) args.push('--think-wait', String(spec.thinkWait));
  if (spec.backend && spec.backend !== 'auto') args.push('--backend', spec.backend);
  return args;
}

/** What budget forcing used, from `tuneloom generate`'s result document, when it is well formed. */
export function thinkingOfResult(result: { thinking?: unknown }): PlaygroundThinking | undefined {
  const t = result.thinking as Partial<PlaygroundThinking> | undefined;
  return t && typeof t === 'object' && typeof t.tokens === 'number' && typeof t.waits === 'number' ? (t as PlaygroundThinking) : undefined;
}

/** Starts every column; returns a function that stops them all. */
export function startColumns(columns: ColumnSpec[], spec: GenerateSpec, cb: ColumnCallbacks): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'tuneloom-play-'));
  const messagesFile = join(dir, 'messages.json');
  writeFileSync(messagesFile, JSON.stringify(spec.messages));
  let running = columns.length;
  const jobs = columns.map((col) => {
    const job = startCliJob(generateArgs(col, spec, messagesFile), {
      isResult: (r): r is { text: string; thinking?: JsonValue } => typeof r.text === 'string',
      onEvent: (e) => {
        if (e.type === 'text') cb.onDelta(col.key, e.text);
      },
    });
    // The CLI's one-line error (or "stopped") ends the column; the text came as events before it, and
    // what budget forcing used is in the result document.
    void job.result
      .then(
        (result) => cb.onDone(col.key, null, thinkingOfResult(result)),
        (err: unknown) => cb.onDone(col.key, err instanceof Error ? err.message : String(err)),
      )
      .finally(() => {
        if (--running === 0) rmSync(dir, { recursive: true, force: true });
      });
    return job;
  });
  return () => {
    for (const j of jobs) j.cancel();
  };
}
