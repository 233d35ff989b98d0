/** Pure helpers of the Compare view: flattened hyper-parameters, the diff, and the CSV export. */
import type { MetricPoint, RunDetail } from '../../src-shared/dto/runs';

/** `{a: {b: 1}}` -> `{'a.b': '1'}` so nested configs diff row by row. */
export function flattenConfig(obj: Record<string, unknown>, prefix = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) Object.assign(out, flattenConfig(v as Record<string, unknown>, key));
    else out[key] = Array.isArray(v) ? v.join(',') : String(v);
  }
  return out;
}

export interface DiffRow {
  key: string;
  values: string[];
  differs: boolean;
}

export function configDiff(runs: RunDetail[]): DiffRow[] {
  // The registry name when there is one (it carries the demo label), else the folder.
  const flat = runs.map((r) => ({ method: r.method, seed: String(r.seed), model: r.modelName ?? r.modelPath, ...flattenConfig(r.config) }));
  const keys = [...new Set(flat.flatMap((f) => Object.keys(f)))].sort();
  return keys.map((key) => {
    const values = flat.map((f) => (f as Record<string, string>)[key] ?? '—');
    return { key, values, differs: new Set(values).size > 1 };
  });
}

const csvCell = (s: string | number | null) => {
  const t = s == null ? '' : String(s);
  return /[",\n]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
};

/** One row per (run, step): what the loss curves plot, for a spreadsheet. */
export function metricsCsv(runs: { run: RunDetail; metrics: MetricPoint[] }[]): string {
  const lines = ['run_id,run_name,step,tokens_seen,loss,lr,grad_norm,tokens_per_s'];
  for (const { run, metrics } of runs) {
    for (const m of metrics) lines.push([run.id, run.name, m.step, m.tokensSeen, m.loss, m.lr, m.gradNorm, m.tokensPerS].map(csvCell).join(','));
  }
  return lines.join('\n') + '\n';
}
