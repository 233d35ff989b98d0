/**
 * The dataset-check child process: answers jobs from its parent (dataset-check-client.ts) over the IPC
 * channel, one at a time, keeping the tokenizers it loaded for the next job. It exits with its parent.
 */
import { serializeError, UserError } from '../../errors';
import { runDatasetCheck, type DatasetCheckJob } from './dataset-check';
import type { CheckReply } from './dataset-check-client';

let queue = Promise.resolve();

process.on('message', (msg: { id: number; job: DatasetCheckJob }) => {
  queue = queue.then(async () => {
    let reply: CheckReply;
    try {
      reply = {
        id: msg.id,
        ok: true,
        output: await runDatasetCheck(msg.job, (p) => process.send!({ id: msg.id, progress: { bytesRead: p.bytesRead, totalBytes: p.totalBytes } })),
      };
    } catch (err) {
      reply = { id: msg.id, ok: false, error: { ...serializeError(err), user: err instanceof UserError } };
    }
    process.send!(reply);
  });
});
process.on('disconnect', () => process.exit(0));
