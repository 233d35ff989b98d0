import assert from 'node:assert/strict';
import { test } from 'node:test';
import { join } from 'node:path';
import type { RunStreamEvent } from '../../src-shared/dto/run-stream';
import { openStore } from '../store/db';
import { tempDir } from '../test-support/paths';
import { LiveStream } from './live-stream';

const step = (runId: number, n: number): RunStreamEvent => ({
  type: 'step',
  runId,
  point: { step: n, loss: 1, lr: 0, gradNorm: null, tokensPerS: null, epoch: null, tokensSeen: null, ts: n },
});

test('a stale unsubscribe (called again after the last subscriber left) does not cut off a newer subscriber', () => {
  const db = openStore(join(tempDir(), 'store.db'));
  const stream = new LiveStream(db, () => []);
  // What supervisor.test's untilStep did under load: two step events in one IPC chunk queue two
  // unsubscribes; the late subscriber joins between them.
  const offFirst = stream.subscribe(1, -1, () => {});
  offFirst();
  const got: number[] = [];
  stream.subscribe(1, -1, (e) => e.type === 'step' && got.push(e.point.step));
  offFirst();
  stream.publish(step(1, 1));
  stream.publish(step(1, 2));
  assert.deepEqual(got, [1, 2]);
  db.close();
});
