/** What the backend probe (probe-entry.ts) prints: the ggml backend a run would get, why, its device and memory, and its measured matmul rate. */
export type ProbeResult =
  | {
      ok: true;
      choice: string;
      /** cpu | vulkan | cuda | metal. */
      backend: string;
      reason: string;
      /** The ggml device the backend runs on; memory in bytes as ggml reports it (0 = not reported). */
      device?: { name: string; description: string; memoryTotal: number; memoryFree: number; software: boolean };
      /** Best measured rate of an n x n x n float32 matmul on that backend. */
      flopsPerSecond: number;
      calibration: { size: number; seconds: number; runs: number };
    }
  | { ok: false; choice: string; error: string };
