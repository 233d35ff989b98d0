/**
 * The training worker process (dist/worker.js; from source through tsx in development): the worker
 * protocol served around the real training loop. One process per run; it exits when the run ends or
 * when its main process goes away.
 */
import { ignoreBrokenPipe } from '../cli/broken-pipe';
import { realTrainer } from './real-trainer';
import { isTrainConfig } from './protocol';
import { serveWorker } from './worker-runtime';

// When the main process dies its end of our stdout/stderr pipes closes; a log line must not crash the
// worker before it notices that the main process is gone.
ignoreBrokenPipe(process.stdout);
ignoreBrokenPipe(process.stderr);

serveWorker(realTrainer, isTrainConfig);
