/**
 * Runs the backend probe (probe-entry.ts) in a child process and caches its answer per backend choice
 * for the life of the app: which backend a training run would get, the engine's reason, and the
 * measured matmul throughput the planner turns into step time. Source through tsx in dev and tests,
 * dist/probe.js beside the bundle otherwise; inside Electron the app binary runs as plain Node.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { childEntry, type ChildEntry } from '../child-entry';
import type { ProbeResult } from './probe-result';

const cache = new Map<string, Promise<ProbeResult>>();

const probeEntry = (): ChildEntry => childEntry(import.meta.url, 'probe-entry.ts', 'probe.js');

export function runProbe(choice: string, timeoutMs = 60_000): Promise<ProbeResult> {
  const entry = probeEntry();
  if (!existsSync(entry.file)) return Promise.resolve({ ok: false, choice, error: `backend probe not found: ${entry.file} (run \`npm run build\`)` });
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...entry.execArgv, entry.file, choice], {
      env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    const timer = setTimeout(() => {
      child.kill();
      resolve({ ok: false, choice, error: `the backend probe did not answer within ${timeoutMs / 1000} s` });
    }, timeoutMs);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ ok: false, choice, error: e.message });
    });
    child.on('close', () => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(line) as ProbeResult);
      } catch {
        resolve({ ok: false, choice, error: `the backend probe failed: ${(err.trim().split('\n').pop() ?? '') || 'no output'}` });
      }
    });
  });
}

/** The cached probe of `choice`; a failed probe is retried on the next call. */
export function probeBackend(choice: string): Promise<ProbeResult> {
  let p = cache.get(choice);
  if (!p) {
    p = runProbe(choice);
    cache.set(choice, p);
    void p.then((r) => {
      if (!r.ok) cache.delete(choice);
    });
  }
  return p;
}
