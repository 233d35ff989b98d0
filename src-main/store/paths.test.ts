import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { UserError } from '../errors';
import { tempDir } from '../test-support/paths';
import { homeInfo, locationFile, resolveStorePath, setPreferredHome } from './paths';

test('the data folder: TUNELOOM_HOME wins, then the Settings choice, then ~/.tuneloom', () => {
  const config = tempDir('tuneloom-config-');
  const env = { TUNELOOM_CONFIG_DIR: config };
  assert.deepEqual(homeInfo(env), { home: join(homedir(), '.tuneloom'), source: 'default' });

  const chosen = join(tempDir('tuneloom-data-'), 'nested', 'data');
  assert.equal(setPreferredHome(chosen, env), chosen);
  assert.deepEqual(homeInfo(env), { home: chosen, source: 'settings' });
  assert.equal(resolveStorePath(undefined, env), join(chosen, 'tuneloom.db'));

  const fromEnv = tempDir('tuneloom-env-home-');
  assert.deepEqual(homeInfo({ ...env, TUNELOOM_HOME: fromEnv }), { home: fromEnv, source: 'env' });

  // A damaged location file falls back to the default instead of failing the start.
  writeFileSync(locationFile(env), '{"home": ');
  assert.equal(homeInfo(env).source, 'default');
});

test('choosing a data folder that cannot be used is one line, and the choice is unchanged', () => {
  const config = tempDir('tuneloom-config-');
  const env = { TUNELOOM_CONFIG_DIR: config };
  const good = tempDir('tuneloom-data-');
  setPreferredHome(good, env);
  assert.throws(
    () => setPreferredHome('relative/data', env),
    (e: unknown) => e instanceof UserError && /must be an absolute path, got "relative\/data"/.test(e.message),
  );
  const file = join(tempDir('tuneloom-file-'), 'a-file');
  writeFileSync(file, 'x');
  assert.throws(
    () => setPreferredHome(join(file, 'sub'), env),
    (e: unknown) => e instanceof UserError && /a-file\/sub: cannot use this path for the data folder: .*a-file is a file, not a folder/.test(e.message),
  );
  assert.deepEqual(homeInfo(env), { home: good, source: 'settings' });
});
