import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UserError } from '../errors';
import type { HandlerTable } from './router';
import { createRouter } from './router';
import { isTrustedSender } from './sender-check';

function table(calls: string[], overrides: Partial<HandlerTable> = {}): HandlerTable {
  const record =
    <T>(name: string, value: T) =>
    () => (calls.push(name), value);
  return {
    'app.info': record('app.info', {
      name: 'Tuneloom',
      version: '0',
      contractVersion: 1,
      platform: 'x',
      nodeVersion: '20',
      electronVersion: null,
      backend: { preferred: 'auto' },
      paths: { home: '/h', db: '/h/db', homeSource: 'default', nextHome: null, nextHasStore: false },
    }),
    'settings.get': record('settings.get', { language: 'zh-CN', theme: 'system', defaultBackend: 'auto', mirrorEndpoint: '' }),
    'settings.set': record('settings.set', { language: 'en', theme: 'system', defaultBackend: 'auto', mirrorEndpoint: '' }),
    'files.list': record('files.list', { path: '/', parent: null, entries: [], truncated: false }),
    'datasets.columns': record('datasets.columns', { columns: ['q', 'a'] }),
    'settings.dataDir': record('settings.dataDir', { home: '/h', db: '/h/db', homeSource: 'settings', nextHome: '/n', nextHasStore: false }),
    'runs.list': record('runs.list', []),
    'runs.get': record('runs.get', null),
    'runs.metrics': record('runs.metrics', []),
    'runs.samples': record('runs.samples', []),
    'runs.rewards': record('runs.rewards', []),
    'runs.logs': record('runs.logs', []),
    'runs.checkpoints': record('runs.checkpoints', []),
    'runs.evals': record('runs.evals', []),
    'models.list': record('models.list', []),
    'datasets.list': record('datasets.list', []),
    'runs.launch': record('runs.launch', { runId: 1 }),
    'runs.control': record('runs.control', null),
    'runs.delete': record('runs.delete', { freedBytes: 0 }),
    'runs.queuePhase': record('runs.queuePhase', null),
    'models.register': () => {
      throw new Error('not used');
    },
    'datasets.inspect': () => {
      throw new Error('not used');
    },
    'datasets.import': record('datasets.import', { id: 1 }),
    'datasets.delete': record('datasets.delete', { runsUnlinked: 0 }),
    'downloads.start': () => {
      throw new Error('not used');
    },
    'downloads.list': record('downloads.list', []),
    'downloads.cancel': record('downloads.cancel', { cancelled: false }),
    'downloads.remove': record('downloads.remove', { removed: false, freedFiles: false }),
    'playground.generate': record('playground.generate', { started: 1 }),
    'playground.stop': record('playground.stop', { stopped: false }),
    'evals.start': () => {
      throw new Error('not used');
    },
    'evals.cancel': record('evals.cancel', { cancelled: false }),
    'evals.active': record('evals.active', null),
    'evals.list': record('evals.list', []),
    'evals.predictions': record('evals.predictions', []),
    'exports.start': () => {
      throw new Error('not used');
    },
    'exports.cancel': record('exports.cancel', { cancelled: false }),
    'exports.list': record('exports.list', []),
    'recipes.export': record('recipes.export', {
      out: '/o',
      to: 'llamafactory',
      yaml: '/o/x.yaml',
      files: [],
      examples: { train: 0, val: 0 },
      notes: [],
      noteFields: [],
    }),
    'runs.import': record('runs.import', { runId: 1, name: 'x', tool: 'llamafactory', steps: 0 }),
    'planner.estimate': () => {
      throw new Error('not used');
    },
    ...overrides,
  };
}

test('a request from a sender that is not ours is dropped before any handler runs', async () => {
  const calls: string[] = [];
  const router = createRouter<{ ok: boolean }>(table(calls), (s) => s.ok);
  const res = await router.dispatch('runs.list', {}, { ok: false });
  assert.deepEqual(res, { ok: false, error: { name: 'ForbiddenSender', message: 'request dropped: the sender is not a Tuneloom window', kind: 'forbidden' } });
  assert.deepEqual(calls, []);
  assert.deepEqual(await router.dispatch('runs.list', {}, { ok: true }), { ok: true, value: [] });
  assert.deepEqual(calls, ['runs.list']);
});

test('unknown channels and invalid payloads never reach a handler', async () => {
  const calls: string[] = [];
  const router = createRouter<null>(table(calls), () => true);
  const unknown = await router.dispatch('fs.readFile', { path: '/etc/passwd' }, null);
  assert.equal(!unknown.ok && unknown.error.kind, 'unknown-channel');
  const proto = await router.dispatch('__proto__', {}, null);
  assert.equal(!proto.ok && proto.error.kind, 'unknown-channel');
  const bad = await router.dispatch('runs.get', { id: 'DROP TABLE runs' }, null);
  assert.equal(!bad.ok && bad.error.kind, 'invalid-payload');
  assert.match(!bad.ok ? bad.error.message : '', /payload\.id must be an integer/);
  assert.deepEqual(calls, []);
});

test('handler errors cross as {name, message, kind}: user errors keep their kind, others are internal', async () => {
  const router = createRouter<null>(
    table([], {
      'runs.get': () => {
        throw new UserError('run 9 does not exist', { hint: 'pick a run from the list' });
      },
      'runs.list': () => {
        throw new TypeError('boom');
      },
    }),
    () => true,
  );
  assert.deepEqual(await router.dispatch('runs.get', { id: 9 }, null), {
    ok: false,
    error: { name: 'UserError', message: 'run 9 does not exist — pick a run from the list', kind: 'user' },
  });
  const internal = await router.dispatch('runs.list', {}, null);
  assert.deepEqual(internal, { ok: false, error: { name: 'TypeError', message: 'boom', kind: 'internal' } });
});

test('Electron sender check: our window, on our origin, with a live frame', () => {
  const ours = (id: number) => id === 1;
  const origin = 'app://tuneloom';
  assert.equal(isTrustedSender({ webContentsId: 1, frameUrl: 'app://tuneloom/index.html#/runs' }, ours, origin), true);
  assert.equal(isTrustedSender({ webContentsId: 2, frameUrl: 'app://tuneloom/index.html' }, ours, origin), false, 'another webContents');
  assert.equal(isTrustedSender({ webContentsId: 1, frameUrl: 'https://evil.example/' }, ours, origin), false, 'navigated away / injected frame');
  assert.equal(isTrustedSender({ webContentsId: 1, frameUrl: 'app://tuneloom.evil/index.html' }, ours, origin), false, 'look-alike host');
  assert.equal(isTrustedSender({ webContentsId: 1, frameUrl: 'file:///etc/passwd' }, ours, origin), false);
  assert.equal(isTrustedSender({ webContentsId: 1, frameUrl: null }, ours, origin), false, 'destroyed frame');
  assert.equal(isTrustedSender({ webContentsId: 1, frameUrl: 'not a url' }, ours, origin), false);
});
