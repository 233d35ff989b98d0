/**
 * GPU slots shared by every Tuneloom process on one store: which runs of other live processes hold
 * one, and the one-line refusal when none is free (the CLI refuses where the app would queue).
 */
import { UserError } from '../errors';
import type { Db } from '../store/db';
import { liveRunOwners } from '../store/queries/run-lifecycle';
import { ownerAlive } from './ownership';

/** A run of another process that holds a GPU slot. */
export interface SlotHolder {
  id: number;
  pid: number | null;
}

/** cpu and wasm runs do not occupy the GPU, so they never wait for (or block) a GPU slot elsewhere. */
export function isCpuBackend(backend: string | null | undefined): boolean {
  return backend === 'cpu' || backend === 'wasm';
}

/** Runs of other live Tuneloom processes (not `ownerPid`) that hold a GPU slot (a run on cpu or wasm holds none). */
export function busyElsewhere(db: Db, ownerPid: number): SlotHolder[] {
  return liveRunOwners(db)
    .filter((r) => (r.status === 'running' || r.status === 'paused') && r.ownerPid !== ownerPid && ownerAlive(r) && !isCpuBackend(r.backend))
    .map((r) => ({ id: r.id, pid: r.ownerPid }));
}

/** The refusal naming who holds the slot: another process's run first, else this process's `localRunId`. */
export function slotsTakenError(elsewhere: SlotHolder[], localRunId: number | undefined, maxConcurrent: number): UserError {
  const holder = elsewhere[0] ? `run ${elsewhere[0].id} (process ${elsewhere[0].pid})` : `run ${localRunId}`;
  return new UserError(`${holder} is already training and the queue allows ${maxConcurrent} run${maxConcurrent > 1 ? 's' : ''} on the GPU at a time`, {
    hint: 'wait for it to finish or stop it, or raise the limit with the setting runs.maxConcurrent',
  });
}
