import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openStore } from '../store/db';
import { tempDir } from '../test-support/paths';
import { appHandlers } from './app-handlers';

// The handlers read the process environment (as the app does); restore it afterwards.
const saved = { home: process.env.TUNELOOM_HOME, config: process.env.TUNELOOM_CONFIG_DIR };
after(() => {
  for (const [k, v] of [
    ['TUNELOOM_HOME', saved.home],
    ['TUNELOOM_CONFIG_DIR', saved.config],
  ] as const) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

test('settings.dataDir: the next start uses the chosen folder; app.info says whether a store is already there', async () => {
  const home = tempDir('tuneloom-running-');
  delete process.env.TUNELOOM_HOME;
  process.env.TUNELOOM_CONFIG_DIR = join(home, 'config');
  const db = openStore(join(home, 'tuneloom.db'));
  try {
    const h = appHandlers({ db, dbPath: join(home, 'tuneloom.db'), home, electronVersion: null });
    const empty = join(tempDir('tuneloom-next-'), 'data');
    const paths = await h['settings.dataDir']({ path: empty });
    assert.deepEqual(paths, { home, db: join(home, 'tuneloom.db'), homeSource: 'settings', nextHome: empty, nextHasStore: false });

    const withStore = tempDir('tuneloom-next-store-');
    mkdirSync(withStore, { recursive: true });
    writeFileSync(join(withStore, 'tuneloom.db'), '');
    await h['settings.dataDir']({ path: withStore });
    const info = await h['app.info']({});
    assert.equal(info.paths.nextHome, withStore);
    assert.equal(info.paths.nextHasStore, true);

    // Choosing the running folder again clears the pending change.
    assert.equal((await h['settings.dataDir']({ path: home })).nextHome, null);
  } finally {
    db.close();
  }
});
