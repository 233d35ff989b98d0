import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { test } from 'node:test';
import { tempDir } from '../../test-support/paths';
import { CliJobError, startCliJob } from './cli-job';
import { JobEventError, JobEventWriter, parseJobEvent, type JobEvent, type JsonObject } from './job-events';

test('job events: what the writer writes, the parser reads back, event for event', () => {
  const out = new PassThrough();
  let text = '';
  out.setEncoding('utf8').on('data', (d: string) => (text += d));
  const w = new JobEventWriter(out);
  w.progress('write', 3, 10);
  w.log('backend cpu (requested)');
  w.emit({ type: 'text', text: '你好' });
  w.emit({ type: 'result', result: { export_id: 4, files: ['a'] } });
  w.emit({ type: 'error', message: 'bad --limit', exit_code: 1 });
  const lines = text.trim().split('\n');
  assert.deepEqual(
    lines.map((l, i) => parseJobEvent(l, i + 1)),
    [
      { type: 'progress', stage: 'write', done: 3, total: 10 },
      { type: 'log', message: 'backend cpu (requested)' },
      { type: 'text', text: '你好' },
      { type: 'result', result: { export_id: 4, files: ['a'] } },
      { type: 'error', message: 'bad --limit', exit_code: 1 },
    ] satisfies JobEvent[],
  );
});

test('job events: a bad line is one JobEventError naming the line and what is wrong, never a crash', () => {
  const cases: [string, RegExp][] = [
    ['writing: 40%', /^line 7 is not JSON: writing: 40%$/],
    ['[1,2]', /^line 7 is not a JSON object/],
    ['{"type":"step","step":1}', /^line 7: unknown event type "step" \(expected progress, log, text, result or error\)/],
    ['{"type":"progress","stage":"train","done":1,"total":2}', /^line 7: progress "stage" must be one of eval, write, check/],
    ['{"type":"progress","stage":"eval","done":-1,"total":2}', /^line 7: progress "done" and "total" must be whole numbers/],
    ['{"type":"log"}', /^line 7: log "message" must be a string/],
    ['{"type":"text","text":3}', /^line 7: text "text" must be a string/],
    ['{"type":"result","result":[1]}', /^line 7: result "result" must be an object/],
    ['{"type":"error","message":"x","exit_code":3}', /^line 7: error "exit_code" must be 1 or 2/],
    [`{"type":"log","message":"${'x'.repeat(200)}`, /^line 7 is not JSON: .{77}\.\.\.$/],
  ];
  for (const [line, expected] of cases) {
    assert.throws(
      () => parseJobEvent(line, 7),
      (e: unknown) => e instanceof JobEventError && expected.test(e.message) && !e.message.includes('\n'),
      line,
    );
  }
});

/** A stand-in for the CLI: a script that prints the given stdout lines, then exits with `code`. */
function standIn(lines: string[], code = 0): { file: string; execArgv: string[] } {
  const file = join(tempDir('tuneloom-cli-job-'), 'stand-in.mjs');
  writeFileSync(
    file,
    `for (const l of ${JSON.stringify(lines)}) process.stdout.write(l + '\\n');\nprocess.stderr.write('tuneloom eval: human text the app no longer reads\\n');\nprocess.exitCode = ${code};\n`,
  );
  return { file, execArgv: [] };
}

const isEvalResult = (r: JsonObject): r is { eval_id: number } => typeof r.eval_id === 'number';

test('startCliJob: progress and log events reach the caller, the result event resolves the job', async () => {
  const seen: JobEvent[] = [];
  const entry = standIn([
    '{"type":"log","message":"backend cpu"}',
    '{"type":"progress","stage":"eval","done":1,"total":2}',
    '{"type":"progress","stage":"eval","done":2,"total":2}',
    '{"type":"result","result":{"eval_id":9}}',
  ]);
  const job = startCliJob(['eval'], { entry, isResult: isEvalResult, onEvent: (e) => seen.push(e) });
  assert.deepEqual(await job.result, { eval_id: 9 });
  assert.deepEqual(
    seen.map((e) => (e.type === 'progress' ? `${e.done}/${e.total}` : e.type)),
    ['log', '1/2', '2/2'],
  );
});

test('startCliJob: an error event rejects with its one line; a bad line or a result without the fields fails the job in one line', async () => {
  const failed = async (lines: string[], code: number) => {
    const err = await startCliJob(['eval'], { entry: standIn(lines, code), isResult: isEvalResult }).result.then(
      () => assert.fail('the job should fail'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof CliJobError);
    assert.ok(!err.message.includes('\n'), err.message);
    return err.message;
  };
  assert.equal(
    await failed(['{"type":"progress","stage":"eval","done":0,"total":3}', '{"type":"error","message":"--limit must be at least 1","exit_code":1}'], 1),
    '--limit must be at least 1',
  );
  assert.match(
    await failed(['{"type":"progress","stage":"eval","done":0,"total":3}', 'eval: 1/3'], 0),
    /^tuneloom eval wrote a line that is not a job event \(line 2 is not JSON: eval: 1\/3\); the job was stopped$/,
  );
  assert.match(await failed(['{"type":"result","result":{"evalId":9}}'], 0), /^tuneloom eval's result event lacks the fields the app reads: \{"evalId":9\}$/);
  assert.equal(await failed(['{"type":"progress","stage":"eval","done":0,"total":3}'], 0), 'tuneloom eval ended without a result event');
});
