/**
 * One `tuneloom serve` and one Chromium for a describe block: started before its tests (with an optional
 * setup step between the two, e.g. training a run into the fresh store) and closed after them.
 */
import { after, before } from 'node:test';
import { openBrowser, type BrowserSession } from './browser';
import { startServe, type ServeHandle } from './serve';

export interface ServedApp {
  readonly serve: ServeHandle;
  readonly s: BrowserSession;
}

export function servedApp(opts: { setup?: (serve: ServeHandle) => Promise<void> | void; teardown?: () => Promise<void> | void } = {}): ServedApp {
  let serve: ServeHandle | undefined;
  let s: BrowserSession | undefined;
  before(async () => {
    serve = await startServe();
    await opts.setup?.(serve);
    s = await openBrowser();
  });
  after(async () => {
    await s?.close();
    await serve?.stop();
    await opts.teardown?.();
  });
  return {
    get serve() {
      if (!serve) throw new Error('the served app is not started yet (use it inside a test)');
      return serve;
    },
    get s() {
      if (!s) throw new Error('the browser is not open yet (use it inside a test)');
      return s;
    },
  };
}
