/**
 * The wizard's dataset check against `tuneloom data inspect` (issue 15: 67-90 s in the wizard, 1.0 s in
 * the CLI, for a 3.4 MB GB18030 medical CSV of 7,644 rows). Writes such a file, then times in this process:
 * the CLI's import (no model), and the `datasets.inspect` handler with the demo model chosen (lengths in
 * its tokens through the chat template), as the wizard calls it.
 *   npm run bench:inspect [-- --mb 3.4]
 */
import { rmSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { importDataset } from '../../src-main/data/import-dataset';
import { libraryHandlers } from '../../src-main/ipc/library-handlers';
import { ensureDemoAssets } from '../../src-main/models/demo/ensure-demo';
import { openStore } from '../../src-main/store/db';
import { writeCsv } from './data-import';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const mbAt = args.indexOf('--mb');
  const mb = mbAt >= 0 ? Number(args[mbAt + 1]) : 3.4;
  const dir = await mkdtemp(join(tmpdir(), 'tuneloom-bench-inspect-'));
  try {
    const file = join(dir, 'medical-gb18030.csv');
    const written = await writeCsv(file, mb * 1e6, 500);
    console.log(`wrote ${(written.bytes / 1e6).toFixed(1)} MB, ${written.rows} rows (GB18030)`);
    const db = openStore(join(dir, 'tuneloom.db'));
    const { model } = await ensureDemoAssets(dir, { db });
    const h = libraryHandlers({ db, dbPath: join(dir, 'tuneloom.db'), home: dir, electronVersion: null });
    const time = async (label: string, f: () => unknown) => {
      const t0 = performance.now();
      await f();
      const s = (performance.now() - t0) / 1000;
      console.log(`${label}: ${s.toFixed(2)} s`);
      return s;
    };
    await time('cli data inspect (no model)', () => importDataset(file, { encoding: 'auto' }));
    await time('wizard inspect, no model', () => h['datasets.inspect']({ path: file, valSplit: 0.05, maxLen: 512 }));
    await time('wizard inspect, demo model (first: loads the tokenizer)', () =>
      h['datasets.inspect']({ path: file, valSplit: 0.05, maxLen: 512, modelId: model.id }),
    );
    await time('wizard inspect, demo model (again)', () => h['datasets.inspect']({ path: file, valSplit: 0.05, maxLen: 512, modelId: model.id }));
    // The wizard's flow: check with the model, then Import the same thing (the check's result is reused).
    const req = { path: file, valSplit: 0.05, maxLen: 512, modelId: model.id, progressKey: 'bench' };
    await time('wizard check + import, demo model', async () => {
      await h['datasets.inspect'](req);
      await h['datasets.import'](req);
    });
    // Typing a max length (5, 51, 512): each keystroke asks again; the older checks stop at their next chunk.
    await time('three checks in a row with one key (max length typed)', () =>
      Promise.allSettled([5, 51, 513].map((maxLen) => h['datasets.inspect']({ ...req, maxLen }))),
    );
    console.log(`load average ${loadavg()[0].toFixed(1)}`);
    db.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
