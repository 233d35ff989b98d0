/**
 * Runs launch by library dataset id (issue #19): the real worker reads every file of a folder import,
 * and the encoding the user chose at import, not just the first file as the old path-based launch did.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import iconv from 'iconv-lite';
import { validateRequest, type LaunchRequest } from '../../src-shared/ipc-contract';
import { importAndRegister } from '../data/register';
import type { TrainConfig } from '../engine/train/train-config';
import { controlHandlers } from '../ipc/control-handlers';
import { openStore } from '../store/db';
import { getRun } from '../store/queries/runs';
import { tempDir } from '../test-support/paths';
import { writeTinyModel } from '../test-support/tiny-model';
import { readExamples } from '../engine-node/node-train-io';
import type { StartedEvent } from '../workers/protocol';
import { RunSupervisor } from './supervisor';

const dir = tempDir('tuneloom-launch-by-id-');
const model = writeTinyModel(join(dir, 'model'));
const DEPARTMENTS = ['IM_内科', 'Surgical_外科', 'Pediatric_儿科', 'OAGD_妇产科', 'Oncology_肿瘤科', 'Andriatria_男科'];

const request = (datasetId: number, over: Partial<LaunchRequest> = {}): LaunchRequest =>
  validateRequest('runs.launch', {
    name: 'by-id',
    method: 'lora',
    modelPath: model,
    datasetId,
    loraR: 2,
    loraAlpha: 4,
    loraDropout: 0,
    loraTargets: ['q_proj', 'v_proj'],
    prefixLen: 4,
    epochs: 1,
    maxSteps: 2,
    lr: 1e-3,
    scheduler: 'constant',
    warmupSteps: 0,
    batchSize: 1,
    gradAccum: 1,
    maxLen: 256,
    seed: 1,
    gradientCheckpointing: false,
    weightDecay: 0,
    maxGradNorm: 1,
    lossOn: 'completion',
    packing: false,
    valSplit: 0,
    evalEvery: 0,
    sampleEvery: 0,
    backend: 'cpu',
    ...over,
  });

/** Launches through the runs.launch handler and resolves with the worker's `started` event and the run's end. */
async function launchAndWatch(
  sup: RunSupervisor,
  handlers: ReturnType<typeof controlHandlers>,
  req: LaunchRequest,
): Promise<{ id: number; started: StartedEvent; status: string }> {
  const { runId } = await handlers['runs.launch'](req);
  const started = new Promise<StartedEvent>((resolve) => sup.observe(runId, (e) => e.type === 'started' && resolve(e)));
  const status = await sup.waitForEnd(runId);
  return { id: runId, started: await started, status };
}

test('a folder import of six department CSVs trains on all six files; the Big5 the user chose reaches the worker', async () => {
  const db = openStore(join(dir, 'store.db'));
  const sup = new RunSupervisor(db);
  const handlers = controlHandlers({ db, dbPath: join(dir, 'store.db'), home: dir, electronVersion: null, supervisor: sup });
  try {
    const root = join(dir, 'medical');
    DEPARTMENTS.forEach((d, i) => {
      mkdirSync(join(root, d), { recursive: true });
      writeFileSync(join(root, d, `${i}.csv`), `department,title,ask,answer\n${d},t${i},问题${i}a,回答${i}a\n${d},t${i},问题${i}b,回答${i}b\n`);
    });
    const folder = await importAndRegister(db, root);
    assert.equal(folder.result.files.length, 6);
    const run = await launchAndWatch(sup, handlers, request(folder.id));
    assert.equal(run.status, 'completed');
    assert.equal(run.started.info?.examples, 12, 'every example of all six files, not the first file only');
    const stored = getRun(db, run.id)!;
    const cfg = stored.config as unknown as TrainConfig;
    assert.deepEqual(
      cfg.dataset?.files,
      folder.result.files.map((f) => f.path),
    );
    assert.equal(cfg.data, root);
    assert.deepEqual([stored.datasetId, stored.datasetSha256], [folder.id, folder.result.sha256], 'the import hash, not a second one');

    // Big5 reads as mojibake GB18030 under auto-detection; the user's override must travel with the run.
    const tw = join(dir, 'tw.csv');
    writeFileSync(
      tw,
      iconv.encode('department,title,ask,answer\n內科,血壓,高血壓能喝黨參嗎？,可以適量服用。\n兒科,發燒,發燒三天怎麼辦？,請儘快就醫。\n', 'big5'),
    );
    const big5 = await importAndRegister(db, tw, { encoding: 'big5' });
    const twRun = await launchAndWatch(sup, handlers, request(big5.id));
    assert.equal(twRun.status, 'completed');
    const twCfg = getRun(db, twRun.id)!.config as unknown as TrainConfig;
    assert.equal(twCfg.dataset?.encoding, 'big5');
    // What the worker read, through the same reader and the exact config it was sent.
    const read = await readExamples(twCfg.data, twCfg.format, twCfg.map, twCfg.dataset);
    assert.deepEqual(read.examples[0], {
      messages: [
        { role: 'user', content: '高血壓能喝黨參嗎？' },
        { role: 'assistant', content: '可以適量服用。' },
      ],
      meta: { department: '內科' },
    });
    const auto = await readExamples(twCfg.data, twCfg.format, twCfg.map);
    assert.notDeepEqual(auto.examples[0], read.examples[0], 'auto-detection alone would have read other text');
  } finally {
    await sup.close();
    db.close();
  }
});
