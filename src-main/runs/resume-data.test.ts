/**
 * Resume does not hash the training data in the main process (issue #19): the worker's streamed read
 * checks the import's sha256, as at launch. A folder import's run resumes (its recorded path is a folder,
 * which the old synchronous re-hash could not read), and a run stored before launches by dataset id gets
 * a spec of its recorded file and hash so the same streamed check covers it.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { importAndRegister } from '../data/register';
import type { TrainConfig } from '../engine/train/train-config';
import { openStore } from '../store/db';
import { insertRun } from '../store/queries/runs';
import { tempDir } from '../test-support/paths';
import { writeTinyModel } from '../test-support/tiny-model';
import { checkResumable } from './resume-checks';
import { modelConfigHash } from './run-spec';

const dir = tempDir('tuneloom-resume-data-');
const model = writeTinyModel(join(dir, 'model'));

function stoppedRun(db: ReturnType<typeof openStore>, data: { path: string; sha256: string; config: Partial<TrainConfig> }): number {
  return insertRun(db, {
    name: 'r',
    status: 'stopped',
    method: 'lora',
    modelPath: model,
    modelConfigHash: modelConfigHash(model),
    datasetPath: data.path,
    datasetSha256: data.sha256,
    config: { model, data: data.path, out: join(dir, 'out'), ...data.config },
    seed: 1,
    appVersion: 'test',
    outDir: join(dir, 'out'),
  });
}

test("a folder import's run resumes, its spec (with the import hash) goes to the worker unchanged", async () => {
  const db = openStore(join(dir, 'folder.db'));
  try {
    const root = join(dir, 'depts');
    for (const d of ['a', 'b']) {
      mkdirSync(join(root, d), { recursive: true });
      writeFileSync(join(root, d, 'x.csv'), `department,title,ask,answer\n${d},t,问题${d},回答${d}\n`);
    }
    const folder = await importAndRegister(db, root);
    const spec = { id: folder.id, files: folder.result.files.map((f) => f.path), encoding: 'auto', sha256: folder.result.sha256 };
    const id = stoppedRun(db, { path: root, sha256: folder.result.sha256, config: { dataset: spec } });
    const plan = checkResumable(db, id, () => false);
    assert.deepEqual((plan.config as TrainConfig).dataset, spec);
  } finally {
    db.close();
  }
});

test("a run stored without a spec resumes with one of its recorded file and hash, for the worker's streamed check", () => {
  const db = openStore(join(dir, 'legacy.db'));
  try {
    const file = join(dir, 'old.jsonl');
    writeFileSync(
      file,
      `${JSON.stringify({
        messages: [
          { role: 'user', content: 'q' },
          { role: 'assistant', content: 'a' },
        ],
      })}\n`,
    );
    const id = stoppedRun(db, { path: file, sha256: 'f'.repeat(64), config: {} });
    const plan = checkResumable(db, id, () => false);
    // The recorded hash (not one computed now: this one matches no bytes) is what the worker will compare.
    assert.deepEqual((plan.config as TrainConfig).dataset, { id: null, files: [file], encoding: 'auto', sha256: 'f'.repeat(64) });
  } finally {
    db.close();
  }
});
