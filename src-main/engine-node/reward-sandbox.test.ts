import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadUserReward } from './reward-sandbox';
import { scoreCompletion } from '../engine/train/grpo/rewards';

const input = { prompt: 'Say hi', completion: '<answer>hi</answer>', example: { answer: 'hi' } };

async function scoreOf(source: string): Promise<{ total: number; reasons: string[] }> {
  const fn = loadUserReward(source, 'my-reward.js', { timeoutMs: 50 });
  const reasons: string[] = [];
  const { total } = await scoreCompletion([fn], input, (name, why) => reasons.push(`${name}: ${why}`));
  return { total, reasons };
}

test('a well-behaved reward file scores, in every accepted shape', async () => {
  for (const src of [
    'function reward(p, c, ex) { return c.includes(ex.answer) ? 1 : 0 }',
    'export function reward(p, c, ex) { return c.includes(ex.answer) ? 1 : 0 }',
    'export default function (p, c) { return c.length > 3 ? 1 : 0 }',
    'module.exports = { reward: (p, c) => (c.startsWith("<answer>") ? 1 : 0) }',
    'exports.reward = function (p) { return p === "Say hi" ? 1 : 0 }',
  ]) {
    const { total, reasons } = await scoreOf(src);
    assert.equal(total, 1, src);
    assert.deepEqual(reasons, []);
  }
});

test('an infinite loop times out: 0 and the reason', async () => {
  const { total, reasons } = await scoreOf('function reward() { for (;;) {} }');
  assert.equal(total, 0);
  assert.match(reasons[0], /custom: my-reward\.js: reward\(\) ran past 50 ms/);
});

test('a throw gives 0 and its message', async () => {
  const { total, reasons } = await scoreOf('function reward() { throw new Error("boom") }');
  assert.equal(total, 0);
  assert.match(reasons[0], /reward\(\) threw: boom/);
});

test('reading process gives 0: it is not defined in the sandbox', async () => {
  const { total, reasons } = await scoreOf('function reward() { return process.pid > 0 ? 1 : 0 }');
  assert.equal(total, 0);
  assert.match(reasons[0], /process is not defined/);
});

test('require("fs") gives 0: there is no require', async () => {
  const { total, reasons } = await scoreOf('function reward() { return require("fs").existsSync("/") ? 1 : 0 }');
  assert.equal(total, 0);
  assert.match(reasons[0], /require is not defined/);
});

test('the classic escapes find no way back to the host', async () => {
  for (const src of [
    'function reward() { return this.constructor.constructor("return process")().pid }',
    'function reward() { return (function(){}).constructor("return process")().pid }',
    'function reward() { return eval("1") }',
    'function reward() { return globalThis.process.pid }',
  ]) {
    const { total, reasons } = await scoreOf(src);
    assert.equal(total, 0, src);
    assert.equal(reasons.length, 1, src);
  }
});

test('a non-number or a promise scores 0; a rejected promise never surfaces later', async () => {
  for (const src of ['function reward() { return "1" }', 'async function reward() { return 1 }', 'function reward() { return { valueOf() { for(;;){} } } }']) {
    const { total, reasons } = await scoreOf(src);
    assert.equal(total, 0, src);
    assert.match(reasons[0], /not a number/, src);
  }
});

test('a file that does not compile or has no reward is one line at load', () => {
  assert.throws(
    () => loadUserReward('function (', 'bad.js'),
    (e: Error) => /^bad\.js: the reward file could not be loaded: .* — fix the file/.test(e.message) && !e.message.includes('\n'),
  );
  assert.throws(() => loadUserReward('const x = 1', 'none.js'), /none\.js: the reward file defines no reward/);
  assert.throws(() => loadUserReward('for (;;) {}', 'loop.js', { timeoutMs: 50 }), /loop\.js: the reward file could not be loaded/);
});

test('an error object with a looping getter is read inside the sandbox, under the timeout', async () => {
  const { total, reasons } = await scoreOf('function reward() { throw { get message() { for (;;) {} } } }');
  assert.equal(total, 0);
  assert.match(reasons[0], /ran past 50 ms/);
});
