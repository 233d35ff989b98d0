import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import iconv from 'iconv-lite';
import { UserError } from '../../errors';
import { tempDir } from '../../test-support/paths';
import { importDataset } from '../import-dataset';
import { parseEncoding } from './decode-file';
import { firstInvalidBig5 } from './validate';

const TW =
  'department,title,ask,answer\n內科,高血壓能吃黨參嗎？,我有高血壓，可以喝黨參泡水嗎？,可以適量服用，請遵醫囑。\n兒科,發燒三天,孩子發燒三天不退怎麼辦？,請儘快就醫檢查血常規。\n';

test('Big5 (Traditional Chinese) is an encoding choice: the file reads as written, bad bytes are refused at their line', async () => {
  assert.equal(parseEncoding('big5'), 'big5');
  assert.equal(parseEncoding('CP950'), 'big5');
  const dir = tempDir('tuneloom-big5-');
  const file = join(dir, 'tw.csv');
  writeFileSync(file, iconv.encode(TW, 'big5'));
  const r = await importDataset(file, { encoding: 'big5' });
  assert.equal(r.encoding, 'big5');
  assert.equal(r.examples, 2);
  assert.deepEqual(r.sample[0], {
    messages: [
      { role: 'user', content: '我有高血壓，可以喝黨參泡水嗎？' },
      { role: 'assistant', content: '可以適量服用，請遵醫囑。' },
    ],
    meta: { department: '內科' },
  });

  const bad = join(dir, 'bad.csv');
  const bytes = iconv.encode(TW, 'big5');
  const cut = bytes.indexOf(0x0a, bytes.indexOf(0x0a) + 1) - 3; // near the end of the first data row, line 2
  bytes[cut] = 0xff;
  writeFileSync(bad, bytes);
  await assert.rejects(
    importDataset(bad, { encoding: 'big5' }),
    (e: unknown) => e instanceof UserError && /bad\.csv:2/.test(e.message) && /not valid big5/.test(e.message),
  );
  assert.equal(firstInvalidBig5(Buffer.from([0x41, 0xa4]), true), -(1 + 2), 'a lead byte at the end of a chunk waits for its trail');
});
