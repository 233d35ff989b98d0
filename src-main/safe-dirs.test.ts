import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { UserError } from './errors';
import { checkDirPath, makeDirs } from './safe-dirs';
import { runTuneloom } from './test-support/cli';
import { repoRoot, tempDir, tinyQwen2Model } from './test-support/paths';

const c = { what: 'the test folder', hint: 'pick another' };
const linux = process.platform === 'linux';
const oneLine = (e: unknown, re: RegExp) => e instanceof UserError && !e.message.includes('\n') && re.test(e.message);

test('kernel file systems and /dev are refused before anything is created', { skip: linux ? false : 'needs /proc and /sys (Linux)' }, () => {
  for (const p of ['/proc/self/x/y', '/proc/tuneloom', '/sys/tuneloom/data', '/dev/tuneloom', '/proc']) {
    assert.throws(
      () => makeDirs(p, c),
      (e: unknown) => oneLine(e, /cannot use this path for the test folder: .*(system folder of the kernel|file system of the kernel)/),
      p,
    );
  }
});

test('makeDirs creates missing folders one by one; a file in the way, a NUL or a path too deep is one line', () => {
  const dir = tempDir('tuneloom-safe-dirs-');
  const deep = join(dir, 'a', 'b', 'c');
  assert.equal(makeDirs(deep, c), deep);
  assert.ok(statSync(deep).isDirectory());
  assert.equal(makeDirs(deep, c), deep, 'an existing folder is fine');
  writeFileSync(join(dir, 'f'), 'x');
  assert.throws(
    () => makeDirs(join(dir, 'f'), c),
    (e: unknown) => oneLine(e, /it is a file, not a folder/),
  );
  assert.throws(
    () => makeDirs(join(dir, 'f', 'sub'), c),
    (e: unknown) => oneLine(e, /f is a file, not a folder/),
  );
  assert.throws(
    () => checkDirPath(join(dir, 'a\0b'), c),
    (e: unknown) => oneLine(e, /NUL/),
  );
  assert.throws(
    () => checkDirPath(join(dir, ...Array.from({ length: 200 }, () => 'd')), c),
    (e: unknown) => oneLine(e, /more than 128 folders deep/),
  );
  assert.ok(!existsSync(join(dir, 'd')));
});

/** Runs a snippet of TypeScript in a child (a hang there must not hang the test runner). */
function runSnippet(code: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

test(
  'TUNELOOM_HOME, --db and the Settings data folder under /proc are one line, not a hang (issue 16 #3)',
  { skip: linux ? false : 'needs /proc (Linux)', timeout: 180_000 },
  async () => {
    const home = await runTuneloom(['runs', 'list'], { env: { TUNELOOM_HOME: '/proc/self/tuneloom-home' }, timeoutMs: 60_000 });
    assert.equal(home.code, 1, `exit ${home.code} (a SIGKILL after the timeout means it hung): ${home.stderr}`);
    assert.match(home.stderr.trim(), /\/proc\/self\/tuneloom-home: cannot use this path for the store folder: \/proc is a system folder/);
    assert.equal(home.stderr.trim().split('\n').length, 1);

    const db = await runTuneloom(['runs', 'list', '--db', '/proc/self/x/t.db'], { timeoutMs: 60_000 });
    assert.equal(db.code, 1, db.stderr);
    assert.match(db.stderr, /cannot use this path for the store folder/);

    const settings = await runSnippet(
      `import { setPreferredHome } from './src-main/store/paths.ts';
     try { setPreferredHome('/proc/self/x/data', { TUNELOOM_CONFIG_DIR: ${JSON.stringify(tempDir('tuneloom-config-'))} }); console.log('created'); }
     catch (e) { console.log('refused: ' + e.message); }`,
    );
    assert.equal(settings.code, 0, `exit ${settings.code} (null: killed after hanging): ${settings.out}`);
    assert.match(settings.out, /^refused: \/proc\/self\/x\/data: cannot use this path for the data folder/);
  },
);

test(
  'train --out under /proc is refused in one line before anything starts (issue 16 #3)',
  { skip: linux ? false : 'needs /proc (Linux)', timeout: 120_000 },
  async () => {
    const dir = tempDir('tuneloom-safe-dirs-');
    const data = join(dir, 'd.jsonl');
    writeFileSync(
      data,
      JSON.stringify({
        messages: [
          { role: 'user', content: 'hi' },
          { role: 'assistant', content: 'yo' },
        ],
      }) + '\n',
    );
    const r = await runTuneloom(['train', '--model', tinyQwen2Model, '--data', data, '--out', '/proc/self/x/out', '--db', join(dir, 't.db')], {
      timeoutMs: 60_000,
    });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr.trim(), /\/proc\/self\/x\/out: cannot use this path for --out/);
  },
);
