/**
 * The playground's generation: each column (base model, or base + a LoRA adapter) runs `tuneloom
 * generate` in its own child process and streams its stdout back as text deltas. A child process keeps
 * the heavy, synchronous decoding loop off the main process (the UI and the training supervisor stay
 * responsive), runs the columns side by side, and makes "stop" a kill. Same code path as the CLI.
 */
import type { PlaygroundColumn, PlaygroundRequest, PlaygroundThinking } from '../../src-shared/ipc-contract';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childEntry, type ChildEntry } from '../child-entry';

/** A column: the base model, or base + a LoRA adapter (the contract's PlaygroundColumn). */
export type ColumnSpec = PlaygroundColumn;

/** What every column generates: the playground request's prompt and sampling, plus the backend setting. */
export type GenerateSpec = Omit<PlaygroundRequest, 'sessionId' | 'columns'> & { backend?: string };

export interface ColumnCallbacks {
  onDelta(key: string, text: string): void;
  /** `thinking`: what budget forcing did (only when it was asked for and the column finished). */
  onDone(key: string, error: string | null, thinking?: PlaygroundThinking): void;
}

/** The CLI entry: source through tsx when running from source, dist/cli.js beside the bundle otherwise. */
export function cliEntry(): ChildEntry {
  return childEntry(import.meta.url, '../cli/entry.ts', 'cli.js');
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

/** The `thinking: {...}` line `tuneloom generate` writes on stderr at the end under budget forcing. */
export function thinkingOfStderr(stderr: string): PlaygroundThinking | undefined {
  const line = stderr.split('\n').findLast((l) => l.startsWith('thinking: '));
  if (!line) return undefined;
  try {
    const t = JSON.parse(line.slice('thinking: '.length)) as PlaygroundThinking;
    return typeof t.tokens === 'number' && typeof t.waits === 'number' ? t : undefined;
  } catch {
    return undefined;
  }
}

/** Starts every column; returns a function that stops them all. */
export function startColumns(columns: ColumnSpec[], spec: GenerateSpec, cb: ColumnCallbacks): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'tuneloom-play-'));
  const messagesFile = join(dir, 'messages.json');
  writeFileSync(messagesFile, JSON.stringify(spec.messages));
  const entry = cliEntry();
  let running = columns.length;
  const children: ChildProcess[] = columns.map((col) => {
    const child = spawn(process.execPath, [...entry.execArgv, entry.file, ...generateArgs(col, spec, messagesFile)], {
      // Inside Electron, process.execPath is the app binary: run it as plain Node.
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => cb.onDelta(col.key, d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('close', (code, signal) => {
      // The CLI's error is its last stderr line (one line by contract); progress notes come before it.
      const lastLine = stderr.trim().split('\n').at(-1) ?? '';
      if (code === 0) cb.onDone(col.key, null, thinkingOfStderr(stderr));
      else cb.onDone(col.key, signal ? 'stopped' : lastLine || `generate exited with ${code}`);
      if (--running === 0) rmSync(dir, { recursive: true, force: true });
    });
    return child;
  });
  return () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  };
}
