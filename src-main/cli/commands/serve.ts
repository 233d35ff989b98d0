/** `tuneloom serve`: the app's UI in a browser, on the same store (see server/serve.ts). */
import { str, type CliCommand } from '../command';
import { parseNumberFlag } from '../parse-number';
import { exposureWarning, startServer } from '../../server/serve';
import { resolveStorePath } from '../../store/paths';

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: "Serve the app's UI in a browser, on the same store.",
  help: `Usage: tuneloom serve [--host 127.0.0.1] [--port 5179] [--allow-host NAME,...] [--db FILE]

Serves the Tuneloom UI over HTTP and its API over a WebSocket on the same port, and prints the URL to
open. The URL carries a token made for this launch; the API refuses connections without it.

Options:
  --host HOST   address to bind (default 127.0.0.1; anything else exposes the UI to your network,
                over plain http, and prints a warning: put a TLS reverse proxy in front, see README)
  --port N      port (default 5179; 0 picks a free one)
  --allow-host NAME,...
                more Host names to answer to (a reverse proxy's public name); by default only the
                bound names are (loopback names; with 0.0.0.0 also this machine's name and addresses)
  --db FILE     the experiment store (default $TUNELOOM_HOME/tuneloom.db)

Stop it with Ctrl+C.
`,
  options: { host: { type: 'string' }, port: { type: 'string' }, 'allow-host': { type: 'string' } },
  async run(ctx) {
    const port = parseNumberFlag(str(ctx, 'port'), 'port', { integer: true, min: 0, fallback: 5179 })!;
    const host = str(ctx, 'host') ?? '127.0.0.1';
    const allowHosts = (str(ctx, 'allow-host') ?? '')
      .split(',')
      .map((h) => h.trim())
      .filter(Boolean);
    const warning = exposureWarning(host);
    if (warning) ctx.stderr.write(`${warning}\n`);
    const server = await startServer({ host, port, dbPath: resolveStorePath(str(ctx, 'db')), allowHosts });
    ctx.stdout.write(`Tuneloom is serving at ${server.url}\n`);
    await new Promise<void>((resolve) => {
      const stop = () => {
        process.off('SIGINT', stop);
        process.off('SIGTERM', stop);
        void server.close().then(resolve);
      };
      process.on('SIGINT', stop);
      process.on('SIGTERM', stop);
    });
    return 0;
  },
};
