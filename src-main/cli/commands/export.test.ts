import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runTuneloom } from '../../test-support/cli';
import { openStore } from '../../store/db';
import { tempDir, tinyQwen2Adapter, tinyQwen2Model } from '../../test-support/paths';
import { parseJobEvent } from '../../workers/jobs/job-events';

test('tuneloom export --to gguf --gguf-type q8_0: GGUF + Modelfile, self-check passes, one JSON document', async () => {
  const dir = tempDir('tuneloom-cli-export-');
  const out = join(dir, 'gguf');
  const db = join(dir, 'store.db');
  const r = await runTuneloom([
    'export',
    '--model',
    tinyQwen2Model,
    '--adapter',
    tinyQwen2Adapter,
    '--to',
    'gguf',
    '--gguf-type',
    'q8_0',
    '--out',
    out,
    '--backend',
    'cpu',
    '--db',
    db,
    '--json',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as {
    export_id: number;
    to: string;
    format: string;
    files: string[];
    self_check: { ok: boolean; summary: string; prompts: { identical: boolean }[] };
  };
  assert.equal(report.to, 'gguf');
  assert.equal(report.format, 'Q8_0');
  assert.deepEqual(report.files, [join(out, 'model-q8_0.gguf'), join(out, 'Modelfile')]);
  assert.ok(report.self_check.ok, report.self_check.summary);
  assert.equal(report.self_check.prompts.length, 3);
  assert.ok(readFileSync(join(out, 'Modelfile'), 'utf8').startsWith('FROM ./model-q8_0.gguf'));
  const store = openStore(db);
  const row = store.prepare('SELECT kind, gguf_type, out_path, self_check_json FROM exports WHERE id = ?').get(report.export_id) as {
    kind: string;
    gguf_type: string;
    out_path: string;
    self_check_json: string;
  };
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
  assert.equal(
    r.stderr
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith('backend:')).length,
    1,
  );
  assert.ok(existsSync(join(out, 'notes.txt')));

  const bad = await runTuneloom(['export', '--model', tinyQwen2Model, '--adapter', tinyQwen2Adapter, '--to', 'onnx', '--out', out]);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--to must be one of adapter, merged, gguf/);
});

test('tuneloom export --to adapter: the two PEFT files and a README, byte-equal, recorded; --force never replaces the data folder (issue 15 #6, 16 #1)', async () => {
  const dir = tempDir('tuneloom-cli-export-');
  const home = join(dir, 'home');
  const db = join(home, 'tuneloom.db');
  const env = { TUNELOOM_HOME: home };
  const out = join(dir, 'adapter-export');
  const r = await runTuneloom(['export', '--adapter', tinyQwen2Adapter, '--to', 'adapter', '--out', out, '--json'], { env });
  assert.equal(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { to: string; out: string; files: string[]; export_id: number; self_check: { ok: boolean } };
  assert.deepEqual([report.to, report.out, report.self_check.ok], ['adapter', out, true]);
  assert.deepEqual(
    report.files.map((f) => f.slice(out.length + 1)),
    ['adapter_config.json', 'adapter_model.safetensors', 'README.md'],
  );
  for (const f of ['adapter_config.json', 'adapter_model.safetensors'])
    assert.ok(readFileSync(join(out, f)).equals(readFileSync(join(tinyQwen2Adapter, f))), f);
  const store = openStore(db);
  const row = store.prepare('SELECT kind, out_path FROM exports WHERE id = ?').get(report.export_id) as { kind: string; out_path: string };
  store.close();
  assert.deepEqual([row.kind, row.out_path], ['adapter', out]);

  // Again with --force: the previous export is replaced; the data folder (holding the live store) never is.
  assert.equal((await runTuneloom(['export', '--adapter', tinyQwen2Adapter, '--to', 'adapter', '--out', out, '--force'], { env })).code, 0);
  for (const target of [home, dir]) {
    const refused = await runTuneloom(['export', '--adapter', tinyQwen2Adapter, '--to', 'adapter', '--out', target, '--force'], { env });
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr.trim(), /data folder or store .* choose a new folder for the export$/);
    assert.equal(refused.stderr.trim().split('\n').length, 1);
  }
  assert.ok(existsSync(db) && readdirSync(dir).includes('adapter-export'));
});

test('tuneloom export --events: job events on stdout (write progress, then the --json document as the result); a failure is an error event plus its one stderr line', async () => {
  const dir = tempDir('tuneloom-cli-export-');
  const out = join(dir, 'merged');
  const r = await runTuneloom([
    'export',
    '--model',
    tinyQwen2Model,
    '--adapter',
    tinyQwen2Adapter,
    '--to',
    'merged',
    '--out',
    out,
    '--no-self-check',
    '--backend',
    'cpu',
    '--db',
    join(dir, 'store.db'),
    '--events',
  ]);
  assert.equal(r.code, 0, r.stderr);
  const events = r.stdout
    .trim()
    .split('\n')
    .map((l, i) => parseJobEvent(l, i + 1));
  const writes = events.flatMap((e) => (e.type === 'progress' && e.stage === 'write' ? [e.done / e.total] : []));
  assert.ok(writes.length >= 2 && writes.at(-1) === 1, `write progress: ${writes.join(', ')}`);
  const last = events.at(-1)!;
  assert.ok(last.type === 'result', r.stdout);
  assert.deepEqual([last.result.to, last.result.out, typeof last.result.export_id], ['merged', out, 'number']);
  assert.doesNotMatch(r.stderr, /writing: /, 'the human progress lines are not written with --events');

  const bad = await runTuneloom(['export', '--model', tinyQwen2Model, '--adapter', tinyQwen2Adapter, '--to', 'onnx', '--out', out, '--events']);
  assert.equal(bad.code, 1);
  const lines = bad.stdout.trim().split('\n');
  assert.equal(lines.length, 1, bad.stdout);
  assert.deepEqual(parseJobEvent(lines[0]!, 1), { type: 'error', message: '--to must be one of adapter, merged, gguf, got "onnx"', exit_code: 1 });
  assert.equal(bad.stderr.trim(), 'tuneloom export: --to must be one of adapter, merged, gguf, got "onnx"');
});
