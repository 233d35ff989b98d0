/**
 * Whether `--backend auto` should try WebGPU in this process, asked of a short child process first.
 * Opening a WebGPU adapter makes Dawn print two "artificially reduced" limit warnings from native code
 * straight to our stderr (Mesa lavapipe reports huge dynamic-buffer limits), which no JS code can
 * filter; and auto passes a software adapter over anyway. The child's stderr is ours to drop, so a
 * user sees the warnings only when they ask for webgpu on such a device themselves.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/** The adapter's flags as the child reports them. */
interface AdapterFacts {
  found: boolean;
  software: boolean;
  name: string;
}

const CHILD = `
const webgpu = await import(process.argv[1]);
const gpu = webgpu.create([]);
const a = await gpu.requestAdapter();
const info = a?.info ?? {};
process.stdout.write(JSON.stringify({ found: !!a, software: !!(info.isFallbackAdapter ?? a?.isFallbackAdapter), name: info.device || info.description || '' }));
process.exit(0);
`;

let cached: Promise<string | null> | undefined;

/** Null when a hardware adapter is there (try it); else why auto should pass WebGPU over. Cached per process. */
export function webgpuPassOverReason(timeoutMs = 20_000): Promise<string | null> {
  cached ??= new Promise((resolve) => {
    let entry: string;
    try {
      entry = pathToFileURL(createRequire(import.meta.url).resolve('webgpu')).href;
    } catch {
      return resolve('the webgpu package is not installed');
    }
    const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD, entry], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
    let out = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', () => resolve(null));
    child.on('close', () => {
      clearTimeout(timer);
      try {
        const facts = JSON.parse(out) as AdapterFacts;
        resolve(!facts.found ? 'no WebGPU adapter found' : facts.software ? `only a software WebGPU adapter found (${facts.name || 'fallback adapter'})` : null);
      } catch {
        // The check itself failed: let the in-process attempt decide, as before.
        resolve(null);
      }
    });
  });
  return cached;
}
