import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { externalLinkDecision } from './external-links';
import { repoRoot } from '../test-support/paths';

test('external links: our hosts over https open, other web links ask first, other schemes never open', () => {
  assert.equal(externalLinkDecision('https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct'), 'open');
  assert.equal(externalLinkDecision('https://www.modelscope.cn/models/qwen'), 'open');
  assert.equal(externalLinkDecision('https://hf-mirror.com/'), 'open');
  assert.equal(externalLinkDecision('http://huggingface.co/'), 'ask', 'plain http is not our link');
  assert.equal(externalLinkDecision('https://huggingface.co.evil.example/'), 'ask');
  assert.equal(externalLinkDecision('https://huggingface.co@evil.example/'), 'ask');
  assert.equal(externalLinkDecision('https://huggingface.co:8443/'), 'ask');
  assert.equal(externalLinkDecision('https://example.com/paper.pdf'), 'ask');
  for (const url of ['file:///etc/passwd', 'javascript:alert(1)', 'smb://host/share', 'ms-msdt:/id', 'not a url'])
    assert.equal(externalLinkDecision(url), 'refuse', url);
});

/** The electronFuses block of electron-builder.yml as key -> value (a flat YAML map). */
function fuses(): Record<string, string> {
  const text = readFileSync(join(repoRoot, 'electron-builder.yml'), 'utf8');
  const block = /^electronFuses:\n((?:[ ]+\S.*\n?)+)/m.exec(text);
  assert.ok(block, 'electron-builder.yml has an electronFuses block');
  return Object.fromEntries(
    block[1]!
      .trim()
      .split('\n')
      .map((l) => l.trim().split(/:\s*/) as [string, string]),
  );
}

test('electron fuses: run-as-node kept for the CLI child processes, the others that do not break the app flipped', () => {
  assert.deepEqual(fuses(), {
    runAsNode: 'true',
    enableCookieEncryption: 'true',
    enableNodeOptionsEnvironmentVariable: 'false',
    enableNodeCliInspectArguments: 'false',
    enableEmbeddedAsarIntegrityValidation: 'true',
    onlyLoadAppFromAsar: 'true',
    grantFileProtocolExtraPrivileges: 'false',
  });
  // The children that need runAsNode really use it.
  for (const f of ['src-main/workers/jobs/cli-job.ts', 'src-main/workers/planner/backend-probe.ts'])
    assert.match(readFileSync(join(repoRoot, f), 'utf8'), /ELECTRON_RUN_AS_NODE: '1'/, f);
});
