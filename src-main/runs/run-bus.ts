/**
 * Live run events in the shape the app's event bus carries them. The supervisor has one outlet for a
 * recorded event: the run's stream (subscribe: CLI, tests) gets it as is, and the renderer (over IPC
 * or the WebSocket) gets it through this mapping, so both see the same events.
 */
import type { RunStreamEvent } from '../../src-shared/dto/run-stream';
import type { AppEvent } from '../../src-shared/ipc-contract';

/** `logSeq`: the stored log line's sequence number (a line the store refused reaches only the stream). */
export function forwardToBus(bus: (event: AppEvent) => void, e: RunStreamEvent, logSeq?: number): void {
  const { runId } = e;
  switch (e.type) {
    case 'status':
      bus({ type: 'run.status', runId, status: e.status, error: e.error });
      bus({ type: 'runs.changed' });
      return;
    case 'step':
      return bus({ type: 'run.metrics', runId, points: [e.point] });
    case 'sample':
      return bus({ type: 'run.samples', runId, samples: [e.sample] });
    case 'rewards':
      return bus({ type: 'run.rewards', runId, steps: [e.row] });
    case 'eval':
      return bus({ type: 'run.eval', runId, step: e.step, loss: e.loss });
    case 'checkpoint':
      return bus({ type: 'run.checkpoint', runId, step: e.step, path: e.path });
    case 'log':
      if (logSeq !== undefined) bus({ type: 'run.log', runId, line: { seq: logSeq, ts: Date.now(), level: e.level, message: e.message } });
      return;
  }
}
