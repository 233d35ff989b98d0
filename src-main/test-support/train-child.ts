/**
 * Runs one training job in this process, straight through runTraining (no supervisor, no store),
 * printing its events as JSON lines: lets tests SIGKILL the very process that runs the loop.
 * Usage: node --import tsx src-main/test-support/train-child.ts '<TrainConfig JSON>' [backend]
 */
import type { TrainConfig } from '../engine/train/train-config';
import { runTraining } from '../engine-node/run-training';

const config = JSON.parse(process.argv[2]) as TrainConfig;
runTraining(config, { emit: (e) => process.stdout.write(JSON.stringify(e) + '\n') }, { backend: process.argv[3] ?? 'cpu' }).then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  },
);
