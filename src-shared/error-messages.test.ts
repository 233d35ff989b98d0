import assert from 'node:assert/strict';
import { test } from 'node:test';
import { en } from '../src-renderer/lib/i18n/en';
import { zhCN } from '../src-renderer/lib/i18n/zh-CN';
import { ERROR_KEYS, explainError, FIELD_LABELS, FLAG_LABELS, withFieldNames, type ErrorView } from './error-messages';

const DICTS = { 'zh-CN': zhCN as Record<string, string>, en: en as Record<string, string> };

/** What the renderer's errorText does, against a dictionary (no Svelte runtime needed). */
function render(v: ErrorView, dict: Record<string, string>, quote: (s: string) => string): string {
  const params: Record<string, string | number> = { ...v.params };
  for (const p of v.labelParams ?? []) params[p] = dict[params[p] as string] ?? params[p]!;
  if (v.key === 'err.other') params.message = withFieldNames(String(params.message), (k) => dict[k] ?? k, quote);
  return dict[v.key]!.replace(/\{(\w+)\}/g, (_, n: string) => String(params[n]));
}
const zh = (e: { kind?: string; message: string }) => render(explainError(e), DICTS['zh-CN'], (s) => `「${s}」`);
const english = (e: { kind?: string; message: string }) => render(explainError(e), DICTS.en, (s) => `“${s}”`);

test('every error key and every field label it names exists in zh-CN and en', () => {
  for (const [lang, dict] of Object.entries(DICTS)) {
    for (const k of [...ERROR_KEYS, ...Object.values(FIELD_LABELS), ...Object.values(FLAG_LABELS)]) assert.ok(k in dict, `${lang} lacks ${k}`);
  }
});

test("contract, Node and CLI-worded errors become the UI's words, in both languages", () => {
  const lr = { kind: 'invalid-payload', message: 'payload.lr must be at most 1' };
  assert.equal(zh(lr), '「学习率」不能大于 1，请改小后再试。');
  assert.equal(english(lr), '“Learning rate” can be at most 1; lower it and try again.');
  const missing = { kind: 'user', message: '/data/x.jsonl: cannot read it (ENOENT) — check the path' };
  assert.match(zh(missing), /^找不到 \/data\/x\.jsonl：/);
  assert.match(english(missing), /^\/data\/x\.jsonl was not found/);
  assert.doesNotMatch(zh(missing) + english(missing), /ENOENT/);
  const enc = {
    kind: 'user',
    message: '/d/a.csv:3: not valid utf-8: byte 0xB8 at offset 40, and --encoding utf-8 was given — pass --encoding gb18030 or --encoding auto',
  };
  assert.equal(zh(enc), '/d/a.csv:3：这个文件不是 utf-8 编码（偏移 40 处的字节 0xB8）。请在「编码」里换一种，或选「自动识别」。');
  assert.doesNotMatch(english(enc), /--encoding/);
  const fmt = {
    kind: 'user',
    message:
      '/d/faq.csv:1: cannot tell the dataset format from its fields (topic, q, a) — pass --format FORMAT, or --map col=role,... (e.g. --map question=user,answer=assistant)',
  };
  assert.match(zh(fmt), /无法从字段（topic, q, a）判断数据集格式。请在「格式」中选择，或点「自己映射列」/);
  assert.match(english(fmt), /cannot tell the dataset format from its fields \(topic, q, a\)\. Choose a “Format”, or “Map columns myself”/);
  // Anything else keeps its text, with CLI flags named as the UI's fields.
  assert.equal(
    english({ kind: 'user', message: 'a max length in tokens needs a tokenizer — give a model, or pass --format/--map' }),
    'a max length in tokens needs a tokenizer — give a model, or pass “Format” / “Map columns myself”',
  );
  assert.equal(english({ kind: 'user', message: 'unknown --frobnicate' }), 'unknown --frobnicate', 'a flag with no UI field stays as it is');
});

test("a dataset that changed since its import is said in the UI's language, not in raw English (issue 19)", () => {
  // The line engine-node/node-train-io.ts throws (UserError: "where: what — hint").
  const changed = {
    kind: 'user',
    message: '/data/handbook.jsonl: the dataset changed since it was imported (sha256 differs) — import it again on the Datasets page, then start the run',
  };
  assert.equal(explainError(changed).key, 'err.dataset.changed');
  assert.equal(zh(changed), '/data/handbook.jsonl 在导入后被修改过（内容与导入时不一致）。请在「数据集」页重新导入，再开始训练。');
  assert.equal(
    english(changed),
    '/data/handbook.jsonl changed since it was imported (its contents no longer match). Import it again on the Datasets page, then start the run.',
  );
  assert.doesNotMatch(zh(changed), /sha256|changed/);
});
