/** What the backend probe (probe-entry.ts) prints: the backend a run would get, why, and its measured matmul rate. */
export type ProbeResult =
  | {
      ok: true;
      choice: string;
      backend: string;
      reason: string;
      /** Best measured rate of an n x n x n float32 matmul on that backend. */
      flopsPerSecond: number;
      calibration: { size: number; seconds: number; runs: number };
    }
  | { ok: false; choice: string; error: string };
