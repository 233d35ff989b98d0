/**
 * Finds the ggml libraries of this platform in the pinned `@node-llama-cpp/<platform>` packages and
 * opens the compute backend a `--backend` choice asks for. `auto` prefers cuda, then metal, then a
 * real (not software) Vulkan GPU, then the CPU, and says why in one line.
 *
 * One process loads one package: the CUDA package carries CPU + CUDA, the Vulkan package CPU + Vulkan,
 * Apple's package CPU + Metal. So the choice is made before loading, from what the machine has.
 */
import koffi from 'koffi';
import '../engine/ggml/ffi';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { UserError } from '../errors';
import { ComputeBackend, formatBytes, listDevices, type GgmlBackendChoice, type GgmlBackendName, type GgmlDevice } from '../engine/ggml/backend';
import { loadGgmlLibrary, loadedGgmlLibrary, type GgmlLibrary, type LibraryFiles } from '../engine/ggml/library';

const require = createRequire(import.meta.url);
const PACKAGE_VERSION = '3.21.1';

type Flavour = 'cpu' | 'vulkan' | 'cuda' | 'metal';

/** Package names per platform and flavour (what node-llama-cpp 3.21.1 publishes). */
function packageFor(flavour: Flavour): string | undefined {
  const p = `${process.platform}-${process.arch}`;
  const table: Record<string, Partial<Record<Flavour, string>>> = {
    'linux-x64': { cpu: 'linux-x64', vulkan: 'linux-x64-vulkan', cuda: 'linux-x64-cuda' },
    'linux-arm64': { cpu: 'linux-arm64' },
    'win32-x64': { cpu: 'win-x64', vulkan: 'win-x64-vulkan', cuda: 'win-x64-cuda' },
    'win32-arm64': { cpu: 'win-arm64' },
    'darwin-arm64': { cpu: 'mac-arm64-metal', metal: 'mac-arm64-metal' },
    'darwin-x64': { cpu: 'mac-x64' },
  };
  const name = table[p]?.[flavour];
  return name ? `@node-llama-cpp/${name}` : undefined;
}

const LIB_EXT = process.platform === 'win32' ? 'dll' : process.platform === 'darwin' ? 'dylib' : 'so';

/** The library folder of a package, or why it is not there. */
export function libraryFiles(flavour: Flavour, override?: string): LibraryFiles | string {
  let dir: string;
  let source: string;
  if (override) {
    dir = override;
    source = override;
  } else {
    const pkg = packageFor(flavour);
    if (!pkg) return `no ${flavour} build of ggml is published for ${process.platform}-${process.arch}`;
    let root: string;
    try {
      // The packages export only dist/index.js, not package.json: resolve it and walk up.
      root = dirname(require.resolve(pkg));
      while (!existsSync(join(root, 'package.json')) && dirname(root) !== root) root = dirname(root);
    } catch {
      return `${pkg} is not installed`;
    }
    const bins = join(root, 'bins');
    const sub = existsSync(bins) ? readdirSync(bins).find((n) => existsSync(join(bins, n))) : undefined;
    if (!sub) return `${pkg} has no bins/ folder`;
    dir = join(bins, sub);
    source = `${pkg} ${PACKAGE_VERSION}`;
  }
  if (!existsSync(dir)) return `${dir} does not exist`;
  const names = readdirSync(dir);
  const base = names.find((n) => n === `libggml-base.${LIB_EXT}` || n === `ggml-base.${LIB_EXT}`);
  const ggml = names.find((n) => /^(lib)?ggml(\.[a-z]+)?(\.v[\d.]+)?\.(so|dylib|dll)$/.test(n) && !n.includes('-'));
  if (!base || !ggml) return `${dir} has no ggml-base/ggml library`;
  return { dir, base: join(dir, base), ggml: join(dir, ggml), source };
}

/** Whether the CUDA user-space libraries ggml-cuda links against can be loaded, and what is missing. */
export function cudaRuntimeProblem(): string | undefined {
  const tryLoad = (names: string[]) =>
    names.some((n) => {
      try {
        koffi.load(n);
        return true;
      } catch {
        return false;
      }
    });
  const win = process.platform === 'win32';
  if (!tryLoad(win ? ['nvcuda.dll'] : ['libcuda.so.1'])) return 'no NVIDIA driver (libcuda) was found';
  if (!tryLoad(win ? ['cudart64_13.dll', 'cudart64_12.dll'] : ['libcudart.so.13', 'libcudart.so.12']))
    return 'the NVIDIA driver is there but the CUDA runtime (libcudart 12 or 13) is not installed';
  if (!tryLoad(win ? ['cublas64_13.dll', 'cublas64_12.dll'] : ['libcublas.so.13', 'libcublas.so.12']))
    return 'the CUDA runtime is there but cuBLAS (libcublas 12 or 13) is not installed';
  return undefined;
}

export interface OpenedBackend {
  backend: ComputeBackend;
  /** One line: the choice, the device and its memory, and why better ones were passed over. */
  reason: string;
}

export interface OpenOptions {
  /** CPU threads (default: every core the OS reports). */
  threads?: number;
  /** CPU threadpool polling level, 0-100 (default 0: workers sleep between computes). */
  poll?: number;
  /** A folder with ggml libraries to use instead of the packages (TUNELOOM_GGML_DIR). */
  libraryDir?: string;
}

function libraryFilesExist(flavour: Flavour): boolean {
  return typeof libraryFiles(flavour) !== 'string';
}

function load(flavour: Flavour, opts: OpenOptions): GgmlLibrary {
  const already = loadedGgmlLibrary();
  if (already) return already;
  const override = opts.libraryDir ?? process.env.TUNELOOM_GGML_DIR;
  const files = libraryFiles(flavour, override);
  if (typeof files === 'string') {
    if (override)
      throw new UserError(
        `TUNELOOM_GGML_DIR=${override} holds no usable ggml libraries: ${files}; point it at a folder with libggml-base and libggml, or unset it`,
      );
    throw new UserError(`the ggml libraries for --backend ${flavour} are missing: ${files}; reinstall Tuneloom (npm ci)`);
  }
  return loadGgmlLibrary(files);
}

function open(lib: GgmlLibrary, device: GgmlDevice, opts: OpenOptions): ComputeBackend {
  return new ComputeBackend(lib, device, Math.max(1, opts.threads ?? availableParallelism()), opts.poll ?? 0);
}

function cpuDevice(lib: GgmlLibrary): GgmlDevice {
  const d = listDevices(lib).find((x) => x.kind === 'cpu');
  if (!d) throw new UserError(`the ggml libraries in ${lib.files.dir} have no CPU backend; reinstall Tuneloom (npm ci)`);
  return d;
}

/** Opens the backend for a choice; `auto` walks cuda -> metal -> vulkan (real GPU) -> cpu. */
export function openBackend(choice: GgmlBackendChoice, opts: OpenOptions = {}): OpenedBackend {
  const say = (b: ComputeBackend, why: string) => ({ backend: b, reason: `${b.name}: ${b.describe()}${why ? `; ${why}` : ''}` });
  if (choice === 'cpu') {
    // The Vulkan package carries the same CPU backends: loading it lets one process (a test, the
    // planner probe) use cpu and vulkan side by side.
    const lib = load(packageFor('vulkan') && libraryFilesExist('vulkan') ? 'vulkan' : 'cpu', opts);
    return say(open(lib, cpuDevice(lib), opts), 'asked for');
  }
  if (choice === 'cuda') {
    const problem = cudaRuntimeProblem();
    if (problem) throw new UserError(`--backend cuda: ${problem}; install the NVIDIA CUDA runtime, or use --backend vulkan (needs only the driver)`);
    const lib = load('cuda', opts);
    const dev = listDevices(lib).find((d) => d.kind === 'cuda');
    if (!dev) throw new UserError('--backend cuda: the CUDA backend found no NVIDIA GPU; use --backend vulkan or cpu');
    return say(open(lib, dev, opts), 'asked for');
  }
  if (choice === 'metal' || choice === 'vulkan') {
    const lib = load(choice, opts);
    const dev = listDevices(lib).find((d) => d.kind === choice);
    if (!dev)
      throw new UserError(`--backend ${choice}: no ${choice === 'vulkan' ? 'Vulkan' : 'Metal'} device was found; update the GPU driver, or use --backend cpu`);
    return say(open(lib, dev, opts), dev.software ? `asked for (software device: slower than --backend cpu)` : 'asked for');
  }
  // auto
  const passed: string[] = [];
  const flavour = (name: GgmlBackendName) => packageFor(name) !== undefined;
  if (!loadedGgmlLibrary() && flavour('cuda')) {
    const problem = cudaRuntimeProblem();
    if (!problem) {
      const lib = load('cuda', opts);
      const dev = listDevices(lib).find((d) => d.kind === 'cuda');
      if (dev) return say(open(lib, dev, opts), 'the best backend found');
      passed.push('cuda: no NVIDIA GPU');
    } else passed.push(`cuda: ${problem}`);
  }
  const lib = load(flavour('metal') ? 'metal' : flavour('vulkan') ? 'vulkan' : 'cpu', opts);
  const devices = listDevices(lib);
  const metal = devices.find((d) => d.kind === 'metal');
  if (metal) return say(open(lib, metal, opts), passed.join('; '));
  const gpus = devices.filter((d) => d.kind === 'vulkan');
  const real = gpus.find((d) => !d.software);
  if (real) return say(open(lib, real, opts), passed.join('; '));
  passed.push(gpus.length ? `vulkan: only a software device (${gpus[0].description})` : 'vulkan: no GPU device');
  return say(open(lib, cpuDevice(lib), opts), passed.join('; '));
}

export { formatBytes };
