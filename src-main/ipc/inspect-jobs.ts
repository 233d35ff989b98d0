/**
 * Dataset checks from the UI as jobs: what made the wizard's check of a 3.4 MB medical CSV take 67-90 s
 * where `tuneloom data inspect` takes 1 s was not one pass but several at once. Every change of the model
 * or max length started another full tokenized pass while the older ones kept running (they share the
 * main process, so each ran as slowly as all of them together), and Import read and tokenized the whole
 * file once more. Here:
 * - a check carries its owner's key (one per draft in the renderer); a newer check with the same key stops
 *   the older one at its next chunk;
 * - progress goes out as `datasets.progress` events (bytes read of the total), a few per second;
 * - the result of a finished check of a file is kept, so importing exactly what was just checked
 *   registers that result instead of reading the file again (the file's size and mtime are part of the
 *   key, so an edited file is read again); an Import while that check still runs waits for it.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { AppEvent, DatasetInspectRequest } from '../../src-shared/ipc-contract';
import type { ImportOptions, ImportProgress, ImportResult } from '../data/import-dataset';
import { UserError } from '../errors';

const RECENT = 4;
const PROGRESS_EVERY_MS = 200;

export class InspectSuperseded extends UserError {
  constructor() {
    super('a newer check of this dataset replaced this one');
  }
}

/** What makes two checks give the same result: the request (less its key) and the file's size and mtime. */
async function resultKey(req: DatasetInspectRequest): Promise<string | null> {
  const st = await stat(req.path).catch(() => null);
  // A folder's mtime does not change when a file in it is edited, so folders are always read again.
  if (!st?.isFile()) return null;
  const { path, format, encoding, valSplit, maxLen, modelId, map } = req;
  return JSON.stringify([resolve(path), st.size, st.mtimeMs, format ?? 'auto', encoding ?? 'auto', valSplit ?? null, maxLen ?? null, modelId ?? null, map ?? null]);
}

type Run = (opts: ImportOptions, onProgress: (p: ImportProgress) => void) => Promise<ImportResult>;

export class InspectJobs {
  readonly #publish: ((e: AppEvent) => void) | undefined;
  /** Per key, the check that may go on; an older one stops at its next chunk. */
  readonly #current = new Map<string, symbol>();
  /** Checks under way by result key: an identical request (Import of what is being checked) joins it. */
  readonly #inflight = new Map<string, { me: symbol; key: string | undefined; promise: Promise<ImportResult> }>();
  readonly #recent = new Map<string, ImportResult>();

  constructor(publish: ((e: AppEvent) => void) | undefined) {
    this.#publish = publish;
  }

  /** Runs a check (or an import's read) for `req`, reporting progress under its key and stopping when superseded. */
  async run(req: DatasetInspectRequest, opts: ImportOptions, importIt: Run): Promise<ImportResult> {
    const key = req.progressKey;
    // Claimed before anything is awaited, so requests supersede each other in the order they came.
    const me = Symbol(key);
    if (key !== undefined) this.#current.set(key, me);
    const rkey = await resultKey(req);
    const same = rkey ? this.#inflight.get(rkey) : undefined;
    if (same) {
      if (key !== undefined && key === same.key && this.#current.get(key) === me) this.#current.set(key, same.me);
      return same.promise;
    }
    let last = 0;
    const onProgress = (p: ImportProgress) => {
      if (key === undefined) return;
      if (this.#current.get(key) !== me) throw new InspectSuperseded();
      const now = Date.now();
      if (now - last < PROGRESS_EVERY_MS && p.bytesRead < p.totalBytes) return;
      last = now;
      this.#publish?.({ type: 'datasets.progress', key, bytesRead: p.bytesRead, totalBytes: p.totalBytes, examples: p.examples });
    };
    const promise = importIt(opts, onProgress);
    if (rkey) this.#inflight.set(rkey, { me, key, promise });
    try {
      const result = await promise;
      if (rkey) {
        this.#recent.delete(rkey);
        this.#recent.set(rkey, result);
        while (this.#recent.size > RECENT) this.#recent.delete(this.#recent.keys().next().value!);
      }
      return result;
    } finally {
      if (rkey && this.#inflight.get(rkey)?.me === me) this.#inflight.delete(rkey);
      if (key !== undefined && this.#current.get(key) === me) this.#current.delete(key);
    }
  }

  /** The result of a finished check with exactly these inputs, if the file has not changed since. */
  async recent(req: DatasetInspectRequest): Promise<ImportResult | undefined> {
    const rkey = await resultKey(req);
    return rkey ? this.#recent.get(rkey) : undefined;
  }
}
