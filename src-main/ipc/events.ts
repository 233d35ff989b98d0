/**
 * The app's event stream to the renderer: services publish here (the run supervisor publishes status,
 * metric batches, samples and logs), and each transport (Electron windows, serve's WebSockets) subscribes
 * once and forwards. Publishing never throws: one broken listener must not stop a training run.
 *
 *   import { publishEvent } from '../ipc/events';
 *   publishEvent({ type: 'run.metrics', runId, points });
 */
import type { AppEvent } from '../../src-shared/ipc-contract';

export type AppEventListener = (event: AppEvent) => void;

export class EventBus {
  readonly #listeners = new Set<AppEventListener>();

  publish(event: AppEvent): void {
    for (const listener of this.#listeners) {
      try {
        listener(event);
      } catch (err) {
        process.stderr.write(`tuneloom: an event listener failed on ${event.type}: ${(err as Error).message}\n`);
      }
    }
  }

  subscribe(listener: AppEventListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  get size(): number {
    return this.#listeners.size;
  }
}

/** The process-wide bus: main has one store and one set of windows/sockets. */
export const appEvents = new EventBus();

export function publishEvent(event: AppEvent): void {
  appEvents.publish(event);
}
