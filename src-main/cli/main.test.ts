import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runTuneloom } from '../test-support/cli';
import { repoRoot } from '../test-support/paths';

test('--help lists every command of CLI.md', async () => {
  const r = await runTuneloom(['--help']);
  assert.equal(r.code, 0);
  for (const name of ['tokenize', 'inspect logits', 'generate', 'data inspect', 'train', 'eval', 'metrics', 'runs list', 'runs show', 'runs compare', 'runs resume', 'export', 'serve']) {
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
