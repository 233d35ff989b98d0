/**
 * The training worker process (dist/worker.js; from source through tsx in development): the worker
 * protocol served around the real training loop. One process per run; it exits when the run ends or
 * when its main process goes away.
 */
import { realTrainer } from './real-trainer';
import { serveWorker } from './worker-runtime';

serveWorker(realTrainer);
