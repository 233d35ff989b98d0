import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { WorkerCommand, WorkerEvent } from './protocol';
import { PROTOCOL_VERSION, SeqChecker, SeqCounter, describeInvalid, isWorkerCommand, isWorkerEvent } from './protocol';

test('stamped commands and events pass their guards; each side numbers its own messages from 1', () => {
  const main = new SeqCounter();
  const start = main.stamp<WorkerCommand>({ type: 'start', runId: 3, config: { lr: 1e-3 }, resumeFrom: null, backend: 'cpu' });
  const stop = main.stamp<WorkerCommand>({ type: 'stop', checkpoint: true });
  assert.deepEqual([start.seq, stop.seq, start.v], [1, 2, PROTOCOL_VERSION]);
  for (const c of [
    start,
    stop,
    main.stamp<WorkerCommand>({ type: 'pause' }),
    main.stamp<WorkerCommand>({ type: 'sample-now' }),
    main.stamp<WorkerCommand>({ type: 'ping', t: 1 }),
  ]) {
    assert.ok(isWorkerCommand(c), c.type);
    assert.ok(!isWorkerEvent(c), `${c.type} is not an event`);
  }
  const worker = new SeqCounter();
  const events: WorkerEvent[] = [
    worker.stamp<WorkerEvent>({ type: 'ready', pid: 1, protocol: PROTOCOL_VERSION }),
    worker.stamp<WorkerEvent>({ type: 'started', runId: 3, totalSteps: 10, fromStep: 0, backend: 'cpu', gpu: null, info: { examples: 4 } }),
    worker.stamp<WorkerEvent>({ type: 'step', step: 1, loss: Number.NaN, lr: 1e-3, gradNorm: null, tokensPerS: 10, epoch: 0.1, tokensSeen: 5, ts: 0 }),
    worker.stamp<WorkerEvent>({ type: 'eval', step: 1, loss: 2, metrics: { examples: 4 } }),
    worker.stamp<WorkerEvent>({ type: 'sample', step: 1, promptIdx: 0, prompt: 'p', output: 'o' }),
    worker.stamp<WorkerEvent>({ type: 'checkpoint', step: 1, path: '/c', bytes: 10 }),
    worker.stamp<WorkerEvent>({ type: 'log', level: 'info', message: 'm' }),
    worker.stamp<WorkerEvent>({ type: 'done', reason: 'completed', step: 1, adapterPath: '/o', losses: [2.5], peakMemoryBytes: 1234 }),
    worker.stamp<WorkerEvent>({ type: 'error', error: { name: 'UserError', message: 'NaN at step 3', kind: 'nan' }, step: 3 }),
  ];
  for (const e of events) assert.ok(isWorkerEvent(e), e.type);
  assert.deepEqual(
    events.map((e) => e.seq),
    [1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
});

test('guards reject wrong versions, missing fields, unknown types and unknown error kinds', () => {
  const ok = { v: PROTOCOL_VERSION, seq: 1, type: 'checkpoint', step: 2, path: '/c', bytes: null };
  assert.ok(isWorkerEvent(ok));
  assert.ok(!isWorkerEvent({ ...ok, v: 2 }));
  assert.match(describeInvalid({ ...ok, v: 2 }), /protocol version 2, expected 1/);
  assert.ok(!isWorkerEvent({ ...ok, seq: 0 }));
  assert.ok(!isWorkerEvent({ ...ok, step: 2.5 }));
  assert.ok(!isWorkerEvent({ ...ok, path: undefined }));
  assert.ok(!isWorkerEvent({ ...ok, type: 'explode' }));
  assert.ok(!isWorkerEvent({ v: 1, seq: 1, type: 'error', step: null, error: { name: 'E', message: 'm', kind: 'meltdown' } }));
  assert.ok(!isWorkerCommand({ v: 1, seq: 1, type: 'stop' }), 'stop must say whether to checkpoint');
  assert.ok(!isWorkerCommand(null));
  assert.ok(!isWorkerCommand('start'));
});

test('sequence checker reports gaps and repeats', () => {
  const c = new SeqChecker();
  assert.equal(c.check(1), null);
  assert.equal(c.check(2), null);
  assert.match(c.check(5)!, /missed 2 message/);
  assert.match(c.check(5)!, /repeated/);
  assert.equal(c.check(6), null);
});
