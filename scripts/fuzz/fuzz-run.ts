/**
 * `npm run fuzz [-- --n 2000 --seed 16 --hostile-transport]`: the fuzz corpus at full size (the test run
 * uses a small one); --hostile-transport adds oversized and invalid-UTF-8 frames (see fuzz-frames.ts).
 * Splits n inputs over the three families (datasets, model folders, WebSocket frames to a `tuneloom
 * serve` it starts on 127.0.0.1), prints each family's counts as JSON and exits 1 on any failure.
 */
import { parseArgs } from 'node:util';
import { runFuzz } from './fuzz-all';

const { values } = parseArgs({
  options: { n: { type: 'string', default: '2000' }, seed: { type: 'string', default: '16' }, 'hostile-transport': { type: 'boolean', default: false } },
});
const counts = await runFuzz({
  n: Number(values.n),
  seed: Number(values.seed),
  hostileTransport: values['hostile-transport'],
  onProgress: (line) => process.stderr.write(line + '\n'),
});
process.stdout.write(JSON.stringify(counts, null, 2) + '\n');
process.exit(counts.some((c) => c.failures.length) ? 1 : 0);
