import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EtaClock, etaFromRate, etaMs } from './eta';

test('etaMs: the pace so far, and no guess before there is something to go on', () => {
  assert.equal(etaMs(0, 10_000, 0.25), 30_000);
  assert.equal(etaMs(0, 500, 0.5), null, 'under a second');
  assert.equal(etaMs(0, 10_000, 0.01), null, 'under 2%');
  assert.equal(etaMs(0, 10_000, 1), null, 'done');
});

test('etaFromRate and EtaClock: from the rate, or from the pace since the job was first seen', () => {
  assert.equal(etaFromRate(1000, 100), 10_000);
  assert.equal(etaFromRate(1000, 0), null);
  const clock = new EtaClock();
  assert.equal(clock.eta('a', 0.5, 0), null, 'first sight: no pace yet');
  assert.equal(clock.eta('a', 0.75, 10_000), 10_000, 'half of the rest in 10 s: 10 s more');
  assert.equal(clock.eta('a', 0.1, 11_000), null, 'went back (a new stage): starts over');
});
