import assert from 'node:assert/strict';
import { test } from 'node:test';
import { etaMs } from './eta';

test('etaMs: the pace so far, and no guess before there is something to go on', () => {
  assert.equal(etaMs(0, 10_000, 0.25), 30_000);
  assert.equal(etaMs(0, 500, 0.5), null, 'under a second');
  assert.equal(etaMs(0, 10_000, 0.01), null, 'under 2%');
  assert.equal(etaMs(0, 10_000, 1), null, 'done');
});
