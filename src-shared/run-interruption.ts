/**
 * What the dashboard says about an interrupted run: why it stopped (from the error's name, which the
 * supervisor and start-up recovery set) and the one true thing about resuming it: from the latest kept
 * checkpoint when there is one, else from step 0. The message keys are the renderer's i18n keys.
 */
export type InterruptionWhyKey = 'run.interrupted.unresponsive' | 'run.interrupted.exited' | 'run.interrupted.closed';
export type ResumeKey = 'run.resume.fromCheckpoint' | 'run.resume.fromStart';

/** Error names of interrupted runs (src-main/runs/supervisor.ts, recovery.ts). */
export const INTERRUPTION_NAMES = { unresponsive: 'WorkerUnresponsive', exited: 'WorkerExited', closed: 'Interrupted' } as const;

export interface InterruptionExplanation {
  /** null: an interruption this table does not know; show the error's own message. */
  why: InterruptionWhyKey | null;
  resume: ResumeKey;
  /** The step resume continues from (0 without a checkpoint). */
  fromStep: number;
}

export function explainInterruption(errorName: string | undefined, checkpoints: readonly { step: number; kept: boolean }[]): InterruptionExplanation {
  const why: InterruptionWhyKey | null =
    errorName === INTERRUPTION_NAMES.unresponsive
      ? 'run.interrupted.unresponsive'
      : errorName === INTERRUPTION_NAMES.exited
        ? 'run.interrupted.exited'
        : errorName === INTERRUPTION_NAMES.closed
          ? 'run.interrupted.closed'
          : null;
  // Resume uses the latest kept checkpoint (src-main/runs/resume-checks.ts).
  const latest = checkpoints.filter((c) => c.kept).reduce<number | null>((m, c) => (m === null || c.step > m ? c.step : m), null);
  return latest === null ? { why, resume: 'run.resume.fromStart', fromStep: 0 } : { why, resume: 'run.resume.fromCheckpoint', fromStep: latest };
}
