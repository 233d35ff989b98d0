import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { WebSocket } from 'ws';
import { WS_MAX_FRAME_BYTES, WS_MAX_REQUEST_BYTES, type WsServerFrame } from '../../src-shared/ipc-contract';
import { EventBus } from '../ipc/events';
import { openStore } from '../store/db';
import { insertRun } from '../store/queries/runs';
import { tempDir } from '../test-support/paths';
import { allowedHostNames, hostAllowed } from './host-check';
import { exposureWarning, startServer, type RunningServer } from './serve';
import { checkUpgrade } from './ws-transport';

const TOKEN = 'test-token-0123456789abcdef';
let server: RunningServer;
let dbPath: string;
const events = new EventBus();

before(async () => {
  const dir = tempDir();
  const renderer = join(dir, 'renderer');
  (await import('node:fs')).mkdirSync(renderer);
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>t</title>');
  dbPath = join(dir, 't.db');
  server = await startServer({ host: '127.0.0.1', port: 0, dbPath, rendererDir: renderer, token: TOKEN, events });
});
after(() => server.close());

/** Resolves with the HTTP status the upgrade was refused with, or 101 when the socket opened. */
function upgradeStatus(path: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${server.port}${path}`, { headers });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => {});
  });
}

function connect(): Promise<{ ws: WebSocket; call: (channel: string, payload: unknown) => Promise<unknown>; events: unknown[] }> {
  const ws = new WebSocket(`ws://127.0.0.1:${server.port}/ws?token=${TOKEN}`);
  const pending = new Map<number, (v: unknown) => void>();
  const seen: unknown[] = [];
  let next = 1;
  ws.on('message', (data) => {
    const frame = JSON.parse(String(data)) as WsServerFrame;
    if ('event' in frame) seen.push(frame.event);
    else pending.get(frame.id)?.(frame.result);
  });
  return new Promise((resolve, reject) => {
    ws.on('open', () =>
      resolve({
        ws,
        events: seen,
        call: (channel, payload) =>
          new Promise((r) => {
            const id = next++;
            pending.set(id, r);
            ws.send(JSON.stringify({ id, channel, payload }));
          }),
      }),
    );
    ws.on('error', reject);
  });
}

test('the WebSocket refuses a missing or wrong token, a cross-site origin, and other paths', async () => {
  assert.equal(await upgradeStatus('/ws'), 401);
  assert.equal(await upgradeStatus('/ws?token=nope'), 401);
  assert.equal(await upgradeStatus(`/ws?token=${TOKEN}x`), 401);
  assert.equal(await upgradeStatus(`/ws?token=${TOKEN}`, { Origin: 'http://evil.example' }), 403);
  assert.equal(await upgradeStatus(`/other?token=${TOKEN}`), 404);
  assert.equal(await upgradeStatus(`/ws?token=${TOKEN}`, { Origin: `http://127.0.0.1:${server.port}` }), 101);
  assert.equal(await upgradeStatus(`/ws?token=${TOKEN}`), 101, 'non-browser clients send no Origin');
});

test('checkUpgrade is strict about the token and origin', () => {
  const req = (url: string, headers: Record<string, string> = {}) => ({ url, headers: { host: 'localhost:1', ...headers } });
  assert.deepEqual(checkUpgrade(req('/ws?token=abc'), 'abc'), { ok: true });
  assert.equal(checkUpgrade(req('/ws?token=ab'), 'abc').ok, false);
  assert.equal(checkUpgrade(req('/ws?token=abc', { origin: 'http://localhost:2' }), 'abc').ok, false);
  assert.equal(checkUpgrade(req('/ws?token=abc', { origin: 'garbage' }), 'abc').ok, false);
});

test('the contract runs over the socket: reads the store, validates payloads, pushes events', async () => {
  const db = openStore(dbPath);
  const id = insertRun(db, { name: 'over-ws', method: 'lora', modelPath: '/m', config: {}, seed: 1, appVersion: '0', outDir: '/o' });
  db.close();
  const c = await connect();
  const info = (await c.call('app.info', {})) as { ok: true; value: { name: string; paths: { db: string } } };
  assert.equal(info.value.name, 'Tuneloom');
  assert.equal(info.value.paths.db, dbPath);
  const list = (await c.call('runs.list', { sort: 'newest' })) as { ok: true; value: { id: number; name: string }[] };
  assert.deepEqual(
    list.value.map((r) => [r.id, r.name]),
    [[id, 'over-ws']],
  );
  assert.deepEqual(await c.call('runs.get', { id: 'x' }), {
    ok: false,
    error: { name: 'PayloadError', message: 'payload.id must be an integer, got string', kind: 'invalid-payload' },
  });
  const set = (await c.call('settings.set', { language: 'en' })) as { ok: true; value: { language: string } };
  assert.equal(set.value.language, 'en');
  events.publish({ type: 'runs.changed' });
  // Wait for the pushed event itself (the test runner bounds the wait), not a wall-clock budget.
  while (c.events.length === 0) await new Promise((r) => setTimeout(r, 10));
  assert.deepEqual(c.events, [{ type: 'runs.changed' }]);
  c.ws.close();
});

test('static files: CSP on every response, no escaping the renderer folder', async () => {
  const get = (path: string) =>
    new Promise<{ status: number; csp: string | undefined; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, path, method: 'GET' }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, csp: res.headers['content-security-policy'] as string | undefined, body }));
      });
      req.on('error', reject);
      req.end();
    });
  const home = await get('/');
  assert.equal(home.status, 200);
  assert.match(home.csp ?? '', /script-src 'self'/);
  assert.match(home.csp ?? '', /default-src 'none'/);
  for (const path of ['/../../package.json', '/%2e%2e/%2e%2e/package.json', '/..%2f..%2fpackage.json']) {
    const r = await get(path);
    assert.ok(!r.body.includes('"name"'), `${path} must not leak files outside the renderer`);
  }
});

/** Resolves with the close code once the server ends this socket. */
const closed = (ws: WebSocket): Promise<number> => new Promise((resolve) => ws.once('close', (code) => resolve(code)));

async function stillAnswers(): Promise<void> {
  const c = await connect();
  const info = (await c.call('app.info', {})) as { ok: boolean };
  assert.equal(info.ok, true, 'serve still answers');
  c.ws.close();
}

test(
  'a frame over the limit gets a structured error and the socket stays usable; one beyond the socket cap closes that socket only (issue 16 #2)',
  { timeout: 60_000 },
  async () => {
    const c = await connect();
    const reply = new Promise<WsServerFrame>((resolve) => c.ws.once('message', (d) => resolve(JSON.parse(String(d)) as WsServerFrame)));
    c.ws.send(JSON.stringify({ id: 7, channel: 'app.info', payload: { pad: 'x'.repeat(WS_MAX_REQUEST_BYTES) } }));
    const frame = await reply;
    assert.ok('id' in frame && frame.id === 7 && !frame.result.ok);
    assert.equal(frame.result.ok ? '' : frame.result.error.kind, 'invalid-payload');
    assert.match(frame.result.ok ? '' : frame.result.error.message, /request is \d+ bytes; the limit is 16777216/);
    assert.equal(((await c.call('app.info', {})) as { ok: boolean }).ok, true, 'the same socket still works');
    const end = closed(c.ws);
    c.ws.on('error', () => {});
    c.ws.send(Buffer.alloc(WS_MAX_FRAME_BYTES + 1, 0x20), { binary: false });
    assert.equal(await end, 1009);
    await stillAnswers();
  },
);

test('a frame with invalid UTF-8 closes that socket (1007), not serve (issue 16 #2)', async () => {
  const c = await connect();
  const end = closed(c.ws);
  c.ws.on('error', () => {});
  c.ws.send(Buffer.from([0x7b, 0xff, 0xfe, 0x7d]), { binary: false });
  assert.equal(await end, 1007);
  await stillAnswers();
});

test('a valid 2.1 MB playground request is answered, and serve stays up (issue 16 #2)', { timeout: 60_000 }, async () => {
  const c = await connect();
  const content = '请'.repeat(11_000); // 33 KB of UTF-8 per message
  const payload = {
    sessionId: 's1',
    columns: [{ key: 'a', modelPath: '/nonexistent/model' }],
    messages: Array.from({ length: 64 }, () => ({ role: 'user', content })),
    maxNewTokens: 4,
  };
  assert.ok(Buffer.byteLength(JSON.stringify(payload)) > 2_100_000);
  const r = (await c.call('playground.generate', payload)) as { ok: boolean; error?: { kind: string } };
  assert.equal(typeof r.ok, 'boolean', 'a structured answer');
  c.ws.close();
  await stillAnswers();
});

test('DNS rebinding: a Host that is not a bound name is refused over HTTP (421) and for the socket (403), even with the token (issue 16 #11)', async () => {
  const status = (host: string) =>
    new Promise<number>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: server.port, path: '/', method: 'GET', headers: { host } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
  assert.equal(await status('evil.example'), 421);
  assert.equal(await status(`evil.example:${server.port}`), 421);
  assert.equal(await status(`localhost:${server.port}`), 200);
  assert.equal(await status(`127.0.0.1:${server.port}`), 200);
  const rebound = { Host: `evil.example:${server.port}`, Origin: `http://evil.example:${server.port}` };
  assert.equal(await upgradeStatus(`/ws?token=${TOKEN}`, rebound), 403);
  assert.equal(await upgradeStatus(`/ws?token=${TOKEN}`, { Host: `localhost:${server.port}`, Origin: `http://localhost:${server.port}` }), 101);
});

test('the Host allow-list follows the bind; a non-loopback bind gets a one-line warning', () => {
  const loop = allowedHostNames('127.0.0.1');
  assert.ok(hostAllowed('localhost:5179', loop) && hostAllowed('[::1]:5179', loop) && hostAllowed('127.0.0.1', loop));
  assert.ok(!hostAllowed('192.168.1.9:5179', loop) && !hostAllowed(undefined, loop) && !hostAllowed('a b', loop));
  const proxied = allowedHostNames('127.0.0.1', ['tuneloom.example.org']);
  assert.ok(hostAllowed('tuneloom.example.org', proxied) && hostAllowed('TUNELOOM.example.org:443', proxied));
  assert.equal(exposureWarning('127.0.0.1'), null);
  assert.equal(exposureWarning('localhost'), null);
  const w = exposureWarning('0.0.0.0');
  assert.ok(w && !w.includes('\n') && /not loopback.*reverse proxy/.test(w), String(w));
});

/** A GET of `path` with these headers: status and headers. */
function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined> }> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port: server.port, path, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers }));
    })
      .on('error', reject)
      .end();
  });
}

test('a visit with the token sets an HttpOnly, SameSite=Strict session cookie that opens the socket without the token', async () => {
  const first = await get(`/?token=${TOKEN}`);
  const cookie = ([] as string[]).concat(first.headers['set-cookie'] ?? [])[0] ?? '';
  assert.match(cookie, /^tuneloom_session=[^;]+; HttpOnly; SameSite=Strict; Path=\/$/);
  assert.doesNotMatch(cookie, /Max-Age|Expires/i, 'a session cookie: it ends with the browser session');
  assert.equal((await get('/')).headers['set-cookie'], undefined, 'no cookie without the token');
  assert.equal((await get('/?token=wrong')).headers['set-cookie'], undefined);
  const jar = cookie.split(';')[0]!;
  assert.equal((await get('/session', { cookie: jar })).status, 204);
  assert.equal((await get('/session')).status, 401);
  assert.equal((await get('/session', { cookie: 'tuneloom_session=nope' })).status, 401);
  assert.equal(await upgradeStatus('/ws', { cookie: jar }), 101, 'a reopened tab: the cookie alone');
  assert.equal(await upgradeStatus('/ws', { cookie: 'tuneloom_session=nope' }), 401);
});
