/** Per-run rows beside the metrics: logs, checkpoints and evaluations, as the renderer reads them. */

export interface RunLogLine {
  seq: number;
  ts: number;
  level: string;
  message: string;
}

export interface CheckpointRow {
  step: number;
  path: string;
  bytes: number | null;
  evalLoss: number | null;
  kept: boolean;
  createdAt: string;
}

export interface EvalRow {
  id: number;
  step: number | null;
  kind: 'train-eval' | 'eval';
  adapterPath: string | null;
  split: string | null;
  loss: number | null;
  metrics: Record<string, number> | null;
  examples: number | null;
  createdAt: string;
}
