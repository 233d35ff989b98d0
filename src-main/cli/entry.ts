/** Process entry of the `tuneloom` binary. */
import { ignoreBrokenPipe } from './broken-pipe';
import { runCli } from './main';

ignoreBrokenPipe(process.stdout);
ignoreBrokenPipe(process.stderr);

runCli(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`tuneloom: internal error: ${(err as Error)?.stack ?? String(err)}\n`);
    process.exitCode = 2;
  },
);
