import assert from 'node:assert/strict';
import { test } from 'node:test';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../test-support/paths';
import { runTuneloom } from '../test-support/cli';
import { importDataset } from './import-dataset';

test('JSON numbers and booleans where text belongs are kept as text and reported with line and field', async () => {
  const p = join(tempDir('tuneloom-coerce-'), 'math.jsonl');
  writeFileSync(
    p,
    [
      { instruction: 'What is 2 + 3?', output: 5 },
      { instruction: 'Is water wet?', output: true },
      { instruction: 'Say hi', output: 'hi' },
    ]
      .map((r) => JSON.stringify(r))
      .join('\n') + '\n',
  );
  const r = await importDataset(p);
  assert.equal(r.examples, 3, 'nothing is dropped');
  assert.equal(r.coercedTotal, 2);
  assert.deepEqual(
    r.coerced.map((c) => c.line),
    [1, 2],
  );
  assert.match(r.coerced[0]!.reason, /"output" is the number 5/);
  assert.match(r.coerced[1]!.reason, /"output" is the boolean true/);
  const cli = await runTuneloom(['data', 'inspect', p, '--json']);
  assert.equal(cli.code, 0, cli.stderr);
  const json = JSON.parse(cli.stdout) as { coerced_total: number; coerced: { line: number }[] };
  assert.equal(json.coerced_total, 2);
  const human = await runTuneloom(['data', 'inspect', p]);
  assert.match(human.stdout, /numbers or true\/false read as text {2}2\n {4}line 1: read as text: "output" is the number 5/);
});
