/**
 * Run lifecycle writes beyond the status itself: who owns a live run (process id, host, heartbeat),
 * what the worker reported at start (backend, GPU adapter, total steps), progress, the final adapter.
 * Every state change goes through `durably()` (synchronous=FULL): a run's state must survive a power cut.
 */
import type { MemoryEstimateDto, RunError, RunStatus } from '../../../src-shared/dto/runs';
import type { Db } from '../db';
import { durably } from '../db';
import { writeRunStatus } from './runs';

export const LIVE_STATUSES: readonly RunStatus[] = ['queued', 'running', 'paused'];

export interface RunOwnerRow {
  id: number;
  status: RunStatus;
  ownerPid: number | null;
  ownerHost: string | null;
  heartbeatAt: number | null;
  lastStep: number;
  backend: string | null;
}

export function claimRun(db: Db, runId: number, owner: { pid: number; host: string }, now = Date.now()): void {
  durably(db, () => {
    db.prepare('UPDATE runs SET owner_pid = ?, owner_host = ?, heartbeat_at = ? WHERE id = ?').run(owner.pid, owner.host, now, runId);
  });
}

export function heartbeatRuns(db: Db, runIds: readonly number[], now = Date.now()): void {
  if (runIds.length === 0) return;
  const stmt = db.prepare('UPDATE runs SET heartbeat_at = ? WHERE id = ?');
  db.transaction(() => runIds.forEach((id) => stmt.run(now, id)))();
}

export function liveRunOwners(db: Db): RunOwnerRow[] {
  return db
    .prepare(
      `SELECT id, status, owner_pid AS ownerPid, owner_host AS ownerHost, heartbeat_at AS heartbeatAt, last_step AS lastStep, backend
       FROM runs WHERE status IN ('queued','running','paused') ORDER BY id`,
    )
    .all() as RunOwnerRow[];
}

export function runOwner(db: Db, runId: number): RunOwnerRow | undefined {
  return db
    .prepare(
      `SELECT id, status, owner_pid AS ownerPid, owner_host AS ownerHost, heartbeat_at AS heartbeatAt, last_step AS lastStep, backend FROM runs WHERE id = ?`,
    )
    .get(runId) as RunOwnerRow | undefined;
}

/** The worker has loaded everything: record what it actually runs on. */
export function recordRunStarted(
  db: Db,
  runId: number,
  facts: { backend: string | null; gpu: Record<string, unknown> | null; totalSteps: number | null; memoryEstimate?: MemoryEstimateDto | null },
): void {
  durably(db, () => {
    db.prepare(
      `UPDATE runs SET backend = coalesce(?, backend), gpu_json = coalesce(?, gpu_json), total_steps = coalesce(?, total_steps),
         memory_estimate_json = coalesce(?, memory_estimate_json), error_json = NULL, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ','now') WHERE id = ?`,
    ).run(
      facts.backend,
      facts.gpu ? JSON.stringify(facts.gpu) : null,
      facts.totalSteps,
      facts.memoryEstimate ? JSON.stringify(facts.memoryEstimate) : null,
      runId,
    );
    writeRunStatus(db, runId, 'running');
  });
}

export function setLastStep(db: Db, runId: number, step: number): void {
  db.prepare('UPDATE runs SET last_step = max(last_step, ?) WHERE id = ?').run(step, runId);
}

/** Ends a run: its status, the adapter it left, the error if any; the owner lets go. */
export function recordRunEnded(
  db: Db,
  runId: number,
  end: { status: RunStatus; adapterPath?: string | null; error?: RunError | null; peakMemoryBytes?: number | null },
): void {
  durably(db, () => {
    if (end.adapterPath !== undefined) db.prepare('UPDATE runs SET adapter_path = ? WHERE id = ?').run(end.adapterPath, runId);
    // A resumed run measured only its last leg; keep the larger of the legs' peaks.
    if (end.peakMemoryBytes != null)
      db.prepare('UPDATE runs SET peak_memory_bytes = max(coalesce(peak_memory_bytes, 0), ?) WHERE id = ?').run(Math.round(end.peakMemoryBytes), runId);
    db.prepare('UPDATE runs SET owner_pid = NULL, owner_host = NULL, heartbeat_at = NULL WHERE id = ?').run(runId);
    writeRunStatus(db, runId, end.status, end.error);
  });
}

/** A resume starts: back to queued, counted, under a new owner. */
export function requeueRun(db: Db, runId: number, owner: { pid: number; host: string }, now = Date.now()): void {
  durably(db, () => {
    db.prepare('UPDATE runs SET resume_count = resume_count + 1, owner_pid = ?, owner_host = ?, heartbeat_at = ? WHERE id = ?').run(
      owner.pid,
      owner.host,
      now,
      runId,
    );
    writeRunStatus(db, runId, 'queued', null);
  });
}

export function deleteRunRow(db: Db, runId: number): void {
  durably(db, () => {
    db.prepare('DELETE FROM runs WHERE id = ?').run(runId);
  });
}

/** Marks a run whose owner died: interrupted, with the reason, owner cleared (durable). */
export function markInterrupted(db: Db, runId: number, error: RunError): void {
  durably(db, () => {
    db.prepare('UPDATE runs SET owner_pid = NULL, owner_host = NULL, heartbeat_at = NULL WHERE id = ?').run(runId);
    writeRunStatus(db, runId, 'interrupted', error);
  });
}
