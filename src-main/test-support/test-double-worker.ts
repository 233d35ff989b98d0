/**
 * TEST DOUBLE worker entry: the real worker runtime serving the deterministic stand-in trainer
 * (test-double-trainer.ts). Supervisor tests spawn this instead of workers/worker-entry.ts.
 */
import { serveWorker } from '../workers/worker-runtime';
import { isTestDoubleConfig, testDoubleTrainer } from './test-double-trainer';

serveWorker(testDoubleTrainer, isTestDoubleConfig);
