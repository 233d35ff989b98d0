import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Writable } from 'node:stream';
import { isLiveTerminal, isMilestone, ProgressWriter } from './progress';

function sink(isTTY: boolean): Writable & { text: string; isTTY: boolean } {
  const s = new Writable({
    write(chunk: Buffer, _enc, cb) {
      s.text += chunk.toString();
      cb();
    },
  }) as Writable & { text: string; isTTY: boolean };
  s.text = '';
  s.isTTY = isTTY;
  return s;
}

test('a terminal is live, a pipe, a CI log or TERM=dumb is not', () => {
  assert.equal(isLiveTerminal(sink(true), {}), true);
  assert.equal(isLiveTerminal(sink(false), {}), false);
  assert.equal(isLiveTerminal(sink(true), { CI: 'true' }), false);
  assert.equal(isLiveTerminal(sink(true), { TERM: 'dumb' }), false);
});

test('off a terminal: no \\r and no escape codes, only milestone updates, each on its own line', () => {
  const out = sink(false);
  const p = new ProgressWriter(out, isLiveTerminal(out, {}));
  p.line('training lora on 4 example(s)');
  for (let step = 1; step <= 40; step++) p.update(`step ${step}/40`, isMilestone(step, 40));
  p.line('eval loss at step 40: 1.2345');
  p.end();
  // eslint-disable-next-line no-control-regex -- the test looks for the terminal's escape character
  assert.doesNotMatch(out.text, /[\r\x1b]/);
  assert.deepEqual(
    out.text.split('\n').filter((l) => l.startsWith('step')),
    [
      'step 2/40',
      'step 4/40',
      'step 6/40',
      'step 8/40',
      'step 10/40',
      'step 12/40',
      'step 14/40',
      'step 16/40',
      'step 18/40',
      'step 20/40',
      'step 22/40',
      'step 24/40',
      'step 26/40',
      'step 28/40',
      'step 30/40',
      'step 32/40',
      'step 34/40',
      'step 36/40',
      'step 38/40',
      'step 40/40',
    ],
  );
  assert.ok(!out.text.includes('\n\n'), 'no blank lines');
});

test('in a terminal: one line redrawn in place, and a message starts on a fresh line', () => {
  const out = sink(true);
  const p = new ProgressWriter(out, true);
  p.update('step 1/3', false);
  p.update('step 2/3', false);
  p.line('checkpoint: /tmp/x');
  p.update('step 3/3', true);
  p.end();
  assert.equal(out.text, '\r\x1b[Kstep 1/3\r\x1b[Kstep 2/3\ncheckpoint: /tmp/x\n\r\x1b[Kstep 3/3\n');
});
