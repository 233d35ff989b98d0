/**
 * Start-up recovery: a run left `queued`, `running` or `paused` by a process that no longer exists was
 * cut off (crash, kill, power loss). It becomes `interrupted`, resumable from its last checkpoint.
 * Runs owned by a living process (another Tuneloom beside this one) are left alone.
 */
import { INTERRUPTION_NAMES } from '../../src-shared/run-interruption';
import type { Db } from '../store/db';
import { latestCheckpoint } from '../store/queries/checkpoints';
import { liveRunOwners, markInterrupted } from '../store/queries/run-lifecycle';
import { ownerAlive } from './ownership';

export function recoverInterruptedRuns(db: Db, opts: { now?: number; staleMs?: number; skip?: ReadonlySet<number> } = {}): number[] {
  const recovered: number[] = [];
  for (const row of liveRunOwners(db)) {
    if (opts.skip?.has(row.id) || ownerAlive(row, opts.now, opts.staleMs)) continue;
    const ckpt = latestCheckpoint(db, row.id);
    const from = ckpt ? `checkpoint step ${ckpt.step}` : 'the start (no checkpoint was written)';
    markInterrupted(db, row.id, {
      name: INTERRUPTION_NAMES.closed,
      kind: 'internal',
      message: `Tuneloom stopped while run ${row.id} was ${row.status} (last step ${row.lastStep}); resume it from ${from} with \`tuneloom runs resume ${row.id}\``,
    });
    recovered.push(row.id);
  }
  return recovered;
}
