import assert from 'node:assert/strict';
import { test } from 'node:test';
import { explainInterruption } from './run-interruption';

test('an interrupted run without a checkpoint resumes from step 0, and says only that', () => {
  assert.deepEqual(explainInterruption('WorkerUnresponsive', []), { why: 'run.interrupted.unresponsive', resume: 'run.resume.fromStart', fromStep: 0 });
  assert.deepEqual(
    explainInterruption('WorkerUnresponsive', [{ step: 8, kept: false }]),
    { why: 'run.interrupted.unresponsive', resume: 'run.resume.fromStart', fromStep: 0 },
    'a deleted checkpoint is no resume point',
  );
});

test('with checkpoints it resumes from the latest kept one; unknown names fall back to the message', () => {
  assert.deepEqual(
    explainInterruption('WorkerExited', [
      { step: 4, kept: true },
      { step: 12, kept: true },
      { step: 16, kept: false },
    ]),
    { why: 'run.interrupted.exited', resume: 'run.resume.fromCheckpoint', fromStep: 12 },
  );
  assert.equal(explainInterruption('Interrupted', []).why, 'run.interrupted.closed');
  assert.equal(explainInterruption('SomethingElse', []).why, null);
});
