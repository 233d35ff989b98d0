import assert from 'node:assert/strict';
import { test } from 'node:test';
import { emitYaml, parseYaml, YamlError, type YamlMap } from './yaml';

test('emitYaml writes block mappings, sequences and scalars that read back to the same value', () => {
  const doc: YamlMap = {
    model_name_or_path: 'Qwen/Qwen2.5-0.5B-Instruct',
    learning_rate: 2e-4,
    tiny_lr: 1e-7,
    num_train_epochs: 3,
    bf16: false,
    resume: null,
    lora_target: 'q_proj,v_proj',
    yes_word: 'yes',
    number_word: '1e3',
    empty: '',
    colon: 'a: b',
    hash: 'x #y',
    zh: '你好，世界',
    multi: 'line one\nline two',
    datasets: [
      { path: 'data/train.jsonl', type: 'chat_template', roles_to_train: ['assistant'], message_property_mappings: { role: 'role', content: 'content' } },
    ],
    list: ['a', 'b'],
    nothing: [],
  };
  const text = emitYaml(doc, { header: ['made by a test'] });
  assert.match(text, /^# made by a test\n/);
  assert.match(text, /^tiny_lr: 1\.0e-7$/m, 'PyYAML reads a float exponent only with a dot');
  assert.match(text, /^yes_word: "yes"$/m, 'a YAML 1.1 boolean word stays a string');
  assert.match(text, /^datasets:\n {2}- path: data\/train\.jsonl\n {4}type: chat_template\n {4}roles_to_train:\n {6}- assistant$/m);
  assert.deepEqual(parseYaml(text), doc);
});

test('parseYaml reads PyYAML safe_dump output and reports a bad line by number', () => {
  const dumped =
    "cutoff_len: 1024\ndataset: identity,alpaca_en_demo\nlearning_rate: 5.0e-05\nlora_target: all\nquoted: 'it''s'\n# comment\nreport_to: none  # choices\n";
  assert.deepEqual(parseYaml(dumped), {
    cutoff_len: 1024,
    dataset: 'identity,alpaca_en_demo',
    learning_rate: 5e-5,
    lora_target: 'all',
    quoted: "it's",
    report_to: 'none',
  });
  assert.throws(
    () => parseYaml('a: 1\na: 2\n'),
    (e: unknown) => e instanceof YamlError && e.line === 2,
  );
  assert.throws(
    () => parseYaml('a: 1\n   b: 2\n'),
    (e: unknown) => e instanceof YamlError && e.line === 2,
  );
});
