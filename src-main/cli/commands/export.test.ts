import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runTuneloom } from '../../test-support/cli';
import { openStore } from '../../store/db';
import { tempDir, tinyQwen2Adapter, tinyQwen2Model } from '../../test-support/paths';

test('tuneloom export --to gguf --gguf-type q8_0: GGUF + Modelfile, self-check passes, one JSON document', async () => {
  const dir = tempDir('tuneloom-cli-export-');
  const out = join(dir, 'gguf');
  const db = join(dir, 'store.db');
  const r = await runTuneloom(['export', '--model', tinyQwen2Model, '--adapter', tinyQwen2Adapter, '--to', 'gguf', '--gguf-type', 'q8_0', '--out', out, '--backend', 'cpu', '--db', db, '--json']);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { export_id: number; to: string; format: string; files: string[]; self_check: { ok: boolean; summary: string; prompts: { identical: boolean }[] } };
  assert.equal(report.to, 'gguf');
  assert.equal(report.format, 'Q8_0');
  assert.deepEqual(report.files, [join(out, 'model-q8_0.gguf'), join(out, 'Modelfile')]);
  assert.ok(report.self_check.ok, report.self_check.summary);
  assert.equal(report.self_check.prompts.length, 3);
  assert.ok(readFileSync(join(out, 'Modelfile'), 'utf8').startsWith('FROM ./model-q8_0.gguf'));
  const store = openStore(db);
  const row = store.prepare('SELECT kind, gguf_type, out_path, self_check_json FROM exports WHERE id = ?').get(report.export_id) as { kind: string; gguf_type: string; out_path: string; self_check_json: string };
  store.close();
  assert.deepEqual([row.kind, row.gguf_type, row.out_path], ['gguf', 'q8_0', out]);
  assert.equal((JSON.parse(row.self_check_json) as { ok: boolean }).ok, true);
});

test('tuneloom export refuses an existing folder and bad flags in one line (exit 1)', async () => {
  const out = join(tempDir('tuneloom-cli-export-'), 'taken');
  mkdirSync(out);
  writeFileSync(join(out, 'notes.txt'), 'keep me');
  const r = await runTuneloom(['export', '--model', tinyQwen2Model, '--adapter', tinyQwen2Adapter, '--to', 'merged', '--out', out, '--backend', 'cpu']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /already exists and is not empty .*--force/);
  assert.equal(r.stderr.trim().split('\n').filter((l) => !l.startsWith('backend:')).length, 1);
  assert.ok(existsSync(join(out, 'notes.txt')));

  const bad = await runTuneloom(['export', '--model', tinyQwen2Model, '--adapter', tinyQwen2Adapter, '--to', 'onnx', '--out', out]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--to must be one of merged, gguf/);
});
