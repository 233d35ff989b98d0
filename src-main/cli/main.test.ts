import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { runTuneloom } from '../test-support/cli';
import { repoRoot, tempDir } from '../test-support/paths';
import { openStore } from '../store/db';
import { commands } from './commands/index';

test('--help lists every command of CLI.md', async () => {
  const r = await runTuneloom(['--help']);
  assert.equal(r.code, 0);
  for (const name of [
    'tokenize',
    'inspect logits',
    'generate',
    'data inspect',
    'train',
    'eval',
    'metrics',
    'runs list',
    'runs show',
    'runs compare',
    'runs resume',
    'export',
    'serve',
  ]) {
    assert.match(r.stdout, new RegExp(`^  ${name}\\b`, 'm'), `missing ${name}`);
  }
});

test('--version prints the package version', async () => {
  const r = await runTuneloom(['--version']);
  const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string };
  assert.equal(r.stdout.trim(), pkg.version);
});

test('an unknown command is one line on stderr and exit 1', async () => {
  const r = await runTuneloom(['frobnicate']);
  assert.equal(r.code, 1);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /unknown command "frobnicate"/);
});

test('an unknown flag is one line on stderr and exit 1', async () => {
  const r = await runTuneloom(['runs', 'list', '--bogus']);
  assert.equal(r.code, 1);
  assert.equal(r.stderr.trim().split('\n').length, 1);
  assert.match(r.stderr, /--bogus/);
});

/** Runs the CLI with its stdout pipe closed by the reader before the first write, as `| head -1` does. */
function withStdoutClosed(args: string[], env: Record<string, string>): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'src-main/cli/entry.ts'), ...args], {
      cwd: repoRoot,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

test('a reader that goes away (`tuneloom runs list | head -1`) is no crash, on every command', async () => {
  const home = tempDir();
  const env = { TUNELOOM_HOME: home };
  const db = openStore(join(home, 'tuneloom.db'));
  db.close();
  const cases = [['--help'], ['runs', 'list'], ['runs', 'list', '--json'], ...commands.map((c) => [...c.name.split(' '), '--help'])];
  for (const args of cases) {
    const r = await withStdoutClosed(args, env);
    assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /EPIPE|Error/, args.join(' '));
  }
});

test('`tuneloom runs --help` and `models --help` list their commands', async () => {
  for (const group of ['runs', 'models']) {
    const r = await runTuneloom([group, '--help']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`^Usage: tuneloom ${group} <command>`));
    for (const c of commands.filter((x) => x.name.startsWith(group + ' ')))
      assert.match(r.stdout, new RegExp(`^  ${c.name}\\b.*${c.summary.slice(0, 10)}`, 'm'));
  }
});
