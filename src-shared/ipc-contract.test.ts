import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CHANNELS, isChannel, validateRequest, WS_MAX_REQUEST_BYTES } from './ipc-contract';
import { PayloadError } from './validate';
import { wizardLaunchRequest } from '../src-main/test-support/launch-request';

test('every channel has a validator, and only contract names are channels', () => {
  assert.ok(CHANNELS.length >= 12);
  for (const c of CHANNELS) assert.ok(isChannel(c));
  assert.equal(isChannel('constructor'), false);
  assert.equal(isChannel('__proto__'), false);
  assert.equal(isChannel(42), false);
});

test('valid requests pass through typed', () => {
  assert.deepEqual(validateRequest('app.info', undefined), {});
  assert.deepEqual(validateRequest('models.list', {}), {});
  assert.deepEqual(validateRequest('runs.list', { status: 'running', sort: 'loss', datasetId: 3 }), { status: 'running', sort: 'loss', datasetId: 3 });
  assert.deepEqual(validateRequest('runs.metrics', { id: 5, afterStep: 0 }), { id: 5, afterStep: 0 });
  assert.deepEqual(validateRequest('settings.set', { language: 'en', mirrorEndpoint: '' }), { language: 'en', mirrorEndpoint: '' });
});

test('invalid requests are rejected with the field path', () => {
  const rejects = (channel: Parameters<typeof validateRequest>[0], payload: unknown, message: RegExp) =>
    assert.throws(
      () => validateRequest(channel, payload),
      (err: unknown) => err instanceof PayloadError && message.test(err.message),
    );
  rejects('runs.get', {}, /payload\.id is required/);
  rejects('runs.get', { id: '1' }, /payload\.id must be an integer/);
  rejects('runs.get', { id: 0 }, /payload\.id must be at least 1/);
  rejects('runs.get', { id: 1.5 }, /integer/);
  rejects('runs.get', { id: 1, extra: true }, /payload\.extra is not a known field/);
  rejects('runs.list', { status: 'exploded' }, /payload\.status must be one of/);
  rejects('runs.list', [], /must be an object/);
  rejects('runs.list', null, /must be an object/);
  rejects('settings.set', { language: 'fr' }, /payload\.language must be one of zh-CN, en/);
  rejects('settings.set', { mirrorEndpoint: 'x'.repeat(600) }, /longer than 512/);
  rejects('app.info', { anything: 1 }, /takes no payload/);
  rejects('runs.metrics', { id: 1, afterStep: -1 }, /at least 0/);
});

test('launch, playground and download requests are checked field by field', () => {
  const launch = wizardLaunchRequest();
  assert.equal(validateRequest('runs.launch', launch).loraR, 8);
  assert.throws(() => validateRequest('runs.launch', { ...launch, loraTargets: ['lm_head'] }), /loraTargets\[0\] must be one of/);
  assert.throws(() => validateRequest('runs.launch', { ...launch, lr: Number.NaN }), /lr must be a finite number/);
  assert.throws(() => validateRequest('runs.launch', { ...launch, packing: 'yes' }), /packing must be true or false/);
  assert.throws(() => validateRequest('runs.launch', { ...launch, samplePrompts: Array(9).fill('q') }), /at most 8 items/);
  assert.throws(() => validateRequest('runs.control', { id: 1, action: 'explode' }), /action must be one of pause, resume, stop, sample-now/);
  const play = { sessionId: 's1', columns: [{ key: 'base', modelPath: '/m' }], messages: [{ role: 'user', content: 'hi' }], maxNewTokens: 32 };
  assert.equal(validateRequest('playground.generate', play).columns.length, 1);
  assert.throws(() => validateRequest('playground.generate', { ...play, columns: [] }), /at least 1 items/);
  assert.throws(() => validateRequest('playground.generate', { ...play, messages: [{ role: 'tool', content: 'x' }] }), /role must be one of/);
  assert.throws(() => validateRequest('downloads.start', { hub: 'github', repoId: 'a/b' }), /hub must be one of huggingface, modelscope/);
  assert.throws(() => validateRequest('datasets.inspect', { path: '' }), /path must not be empty/);
  assert.throws(() => validateRequest('datasets.inspect', { path: '/x', valSplit: 0.9 }), /valSplit must be at most 0.5/);
});

test('the largest valid request fits the WebSocket request limit (issue 16 #2: maxPayload and the contract agree)', () => {
  // Control characters are the worst case: each becomes a 6-byte \u00XX escape in JSON.
  const worst = (n: number) => '\u0001'.repeat(n);
  const payload = {
    sessionId: worst(64),
    columns: Array.from({ length: 4 }, () => ({ key: worst(64), modelPath: worst(4096), adapterPath: worst(4096) })),
    messages: Array.from({ length: 64 }, () => ({ role: 'assistant', content: worst(32_000) })),
    maxNewTokens: 8192,
    greedy: false,
    temperature: 5,
    topP: 1,
    topK: 100_000,
    seed: 2 ** 32 - 1,
    thinkBudget: 1 << 16,
    thinkWait: 64,
  };
  validateRequest('playground.generate', payload);
  const frame = JSON.stringify({ id: Number.MAX_SAFE_INTEGER, channel: 'playground.generate', payload });
  assert.ok(Buffer.byteLength(frame) < WS_MAX_REQUEST_BYTES, `${Buffer.byteLength(frame)} bytes`);
});
