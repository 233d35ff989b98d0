/**
 * The live stream of one run as a subscriber sees it: first the history from the store (everything
 * after the step it asked for), then the live tail, with no gap and no duplicate.
 */
import type { GrpoStepRow, MetricPoint, RunError, RunStatus, SampleRow } from './runs';

export type RunStreamEvent =
  | { type: 'status'; runId: number; status: RunStatus; error: RunError | null }
  | { type: 'step'; runId: number; point: MetricPoint }
  | { type: 'eval'; runId: number; step: number; loss: number; metrics: Record<string, number> | null }
  | { type: 'sample'; runId: number; sample: SampleRow }
  /** A GRPO step's rewards and completions (runs with TrainConfig.grpo). */
  | { type: 'rewards'; runId: number; row: GrpoStepRow }
  | { type: 'checkpoint'; runId: number; step: number; path: string }
  | { type: 'log'; runId: number; level: string; message: string };

export type RunStreamListener = (event: RunStreamEvent) => void;
