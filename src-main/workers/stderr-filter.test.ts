import assert from 'node:assert/strict';
import { test } from 'node:test';
import { once } from 'node:events';
import { PassThrough, Writable } from 'node:stream';
import { forwardStderr } from './stderr-filter';

test("a worker's stderr reaches ours line by line, without Dawn's two limit warnings", async () => {
  const from = new PassThrough();
  let got = '';
  const to = new Writable({
    write(c: Buffer, _e, cb) {
      got += c.toString();
      cb();
    },
  });
  forwardStderr(from, to);
  from.write(
    'Warning: maxDynamicUniformBuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.\nWarning: maxDynamicStorage',
  );
  from.write('BuffersPerPipelineLayout artificially reduced from 1000000 to 16 to fit dynamic offset allocation limit.\ninfo: backend wasm\n');
  from.end('Warning: something else');
  await once(from, 'end');
  assert.equal(got, 'info: backend wasm\nWarning: something else');
});
