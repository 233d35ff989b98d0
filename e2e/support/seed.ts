/**
 * Puts realistic rows into a test store: models, datasets, runs with loss curves, samples and logs.
 * Runs, models and datasets go through the app's own queries; the per-step tables have no write queries
 * of the UI's to call (the trainer owns those), so this test seeder writes them with plain SQL.
 */
import { insertDataset, upsertModel } from '../../src-main/store/queries/library';
import { insertRun, setRunStatus } from '../../src-main/store/queries/runs';
import type { Db } from '../../src-main/store/db';
import type { RunError, RunStatus } from '../../src-shared/dto/runs';

export interface SeedRunOptions {
  name: string;
  status: RunStatus;
  steps: number;
  totalSteps?: number;
  lr?: number;
  loraR?: number;
  modelId: number;
  modelPath: string;
  datasetId: number;
  /** Loss at step 1 and the floor it decays toward. */
  loss?: [number, number];
  samplesEvery?: number;
  error?: RunError;
}

export function seedLibrary(db: Db) {
  const modelId = upsertModel(db, {
    path: '/models/Qwen2.5-0.5B-Instruct',
    name: 'Qwen2.5-0.5B-Instruct',
    family: 'qwen2',
    params: 494_032_768,
    dtype: 'bfloat16',
    hasChatTemplate: true,
    configHash: 'c0ffee',
    source: 'huggingface',
    repoId: 'Qwen/Qwen2.5-0.5B-Instruct',
    isDemo: false,
  });
  const demoId = upsertModel(db, {
    path: '/models/tiny-demo',
    name: 'tiny-qwen2-demo',
    family: 'qwen2',
    params: 1_200_000,
    dtype: 'float32',
    hasChatTemplate: true,
    configHash: 'd3m0',
    source: 'demo',
    repoId: null,
    isDemo: true,
  });
  const handbookId = insertDataset(db, {
    name: '学生手册问答',
    sourcePaths: ['/data/handbook.jsonl'],
    sha256: 'h1',
    format: 'conversations',
    encoding: 'utf-8',
    mapping: null,
    examples: 1280,
    skipped: 3,
    stats: { tokensP50: 184 },
    isDemo: false,
  });
  const adgenId = insertDataset(db, {
    name: 'AdvertiseGen',
    sourcePaths: ['/data/adgen/train.json'],
    sha256: 'a1',
    format: 'adgen',
    encoding: 'utf-8',
    mapping: null,
    examples: 114_599,
    skipped: 0,
    stats: null,
    isDemo: false,
  });
  return { modelId, demoId, handbookId, adgenId, modelPath: '/models/Qwen2.5-0.5B-Instruct' };
}

const PROMPTS = ['图书馆周末几点开门？', '如何申请缓考？'];
const ANSWERS = [
  ['图书馆馆馆……', '图书馆周末开门。', '图书馆周六、周日 8:00 开门，22:00 闭馆。'],
  ['缓考缓考', '缓考需要提交申请。', '在考试前三天通过教务系统提交缓考申请，并附上证明材料。'],
];

export function seedRun(db: Db, o: SeedRunOptions): number {
  const id = insertRun(db, {
    name: o.name,
    method: 'lora',
    modelId: o.modelId,
    modelPath: o.modelPath,
    datasetId: o.datasetId,
    datasetPath: '/data/handbook.jsonl',
    config: { lr: o.lr ?? 2e-4, lora: { r: o.loraR ?? 8, alpha: 16, targets: ['q_proj', 'v_proj'] }, epochs: 3, batchSize: 1, gradAccum: 8, maxLen: 512 },
    seed: 42,
    appVersion: '0.1.0',
    outDir: `/runs/${o.name}`,
    totalSteps: o.totalSteps ?? o.steps,
    preset: 'handbook',
    backend: 'webgpu',
  });
  const [l0, floor] = o.loss ?? [2.8, 0.6];
  const t0 = Date.now() - o.steps * 900;
  const insertMetric = db.prepare(
    'INSERT INTO metrics (run_id, step, loss, lr, grad_norm, tokens_per_s, epoch, tokens_seen, ts) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insertSample = db.prepare('INSERT INTO samples (run_id, step, prompt_idx, prompt, output, ts) VALUES (?, ?, ?, ?, ?, ?)');
  const insertLog = db.prepare('INSERT INTO run_logs (run_id, seq, ts, level, message) VALUES (?, ?, ?, ?, ?)');
  const insertEval = db.prepare("INSERT INTO evals (run_id, step, kind, loss, metrics_json) VALUES (?, ?, 'train-eval', ?, ?)");
  // Deterministic noise (an LCG), so the curves look like training and the screenshots are stable.
  let state = o.name.length * 7919 + o.steps;
  const noise = () => ((state = (state * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5) * 2;
  db.transaction(() => {
    let seq = 0;
    insertLog.run(id, seq++, t0, 'info', `backend webgpu; ${o.totalSteps ?? o.steps} steps planned`);
    for (let step = 1; step <= o.steps; step++) {
      // A smooth decay with deterministic wiggle, so screenshots are stable run to run.
      const loss = floor + (l0 - floor) * Math.exp(-step / (o.steps / 4)) + 0.09 * noise() * (0.4 + Math.exp(-step / o.steps));
      const lr = (o.lr ?? 2e-4) * Math.min(1, step / 10) * (0.5 + 0.5 * Math.cos((Math.PI * step) / (o.totalSteps ?? o.steps)));
      insertMetric.run(
        id,
        step,
        loss,
        lr,
        0.6 + 1.4 * Math.exp(-step / 30) + 0.15 * noise(),
        1850 + 40 * noise(),
        (step / (o.totalSteps ?? o.steps)) * 3,
        step * 4096,
        t0 + step * 900,
      );
      if (o.samplesEvery && step % o.samplesEvery === 0) {
        const k = Math.min(2, Math.floor((step / o.steps) * 3));
        PROMPTS.forEach((p, i) => insertSample.run(id, step, i, p, ANSWERS[i]![k]!, t0 + step * 900));
        insertEval.run(id, step, loss + 0.12, JSON.stringify({ bleu4: 10 + step / 4, rougeL: 20 + step / 3 }));
        insertLog.run(id, seq++, t0 + step * 900, 'info', `step ${step}: loss ${loss.toFixed(4)}`);
      }
    }
    db.prepare('UPDATE runs SET last_step = ? WHERE id = ?').run(o.steps, id);
  })();
  setRunStatus(db, id, 'running');
  if (o.status !== 'running') setRunStatus(db, id, o.status, o.error ? { error: o.error } : {});
  return id;
}
