/**
 * The settings table keeps the CLI contract: every `tuneloom train` flag ../shared/docs/CLI.md names is
 * an option of the command, and every default CLI.md writes (`[--lora-r 8]`) is the table's.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { trainCommand } from '../../cli/commands/train';
import { sharedFixtures } from '../../test-support/paths';
import { TRAIN_DEFAULTS } from './train-config';
import { setting, SETTING_KEYS, settingFlags } from './train-settings';

const cliMd = readFileSync(join(sharedFixtures, '../docs/CLI.md'), 'utf8');
const trainSection = cliMd.slice(cliMd.indexOf('## Train'), cliMd.indexOf('- GRPO:'));

test("every train flag of CLI.md is an option of `tuneloom train`, and its written default is the table's", () => {
  const flags = [...trainSection.matchAll(/--([a-z][a-z0-9-]*)/g)].map((m) => m[1]!);
  assert.ok(flags.length > 30, `found ${flags.length} flags in CLI.md's train section`);
  for (const f of flags) assert.ok(f in trainCommand.options || f === 'json' || f === 'db', `--${f} of CLI.md is not an option`);
  const defaults = [...trainSection.matchAll(/\[--([a-z-]+) ([0-9][0-9.e-]*)[\] ]/g)].map((m) => [m[1]!, Number(m[2])] as const);
  assert.ok(defaults.length >= 10, `found ${defaults.length} defaults`);
  for (const [flag, value] of defaults) {
    const key = SETTING_KEYS.find((k) => setting(k).flag === flag);
    assert.ok(key, `--${flag} is in the table`);
    assert.equal(TRAIN_DEFAULTS[key as keyof typeof TRAIN_DEFAULTS], value, `--${flag}'s default`);
  }
});

test('settings at the CLI defaults need no flag; others are one flag each', () => {
  assert.deepEqual(settingFlags({ ...TRAIN_DEFAULTS }), []);
  assert.deepEqual(settingFlags({ ...TRAIN_DEFAULTS, lr: 1e-4, packing: true, loraTargets: ['q_proj'], useRslora: true, prefixLen: 64 }), [
    ['lora-targets', 'q_proj'],
    ['rslora', null],
    ['lr', '0.0001'],
    ['packing', null],
  ]);
});
