/**
 * Loads one set of ggml shared libraries (libggml-base + libggml + the backends beside them, all from
 * one folder of an `@node-llama-cpp/<platform>` package) and checks its ABI before anything else runs.
 * A process holds at most one set: ggml keeps global state (the backend registry), and two
 * libggml-base copies would each keep their own.
 */
import koffi, { type LibraryHandle } from 'koffi';
import { UserError } from '../errors';
import { declareBackend, declareBase, GGML_OBJECT_SIZE, TensorStruct, type BackendApi, type BaseApi } from './ffi';

/** The ggml the declarations in ffi.ts were transcribed from (node-llama-cpp 3.21.1). */
export const PINNED_GGML = { version: '0.23.0', commit: '5b4ebc5' } as const;

export interface LibraryFiles {
  /** Folder with the backend libraries (passed to ggml_backend_load_all_from_path). */
  dir: string;
  base: string;
  ggml: string;
  /** Where they came from, for messages: e.g. "@node-llama-cpp/linux-x64-vulkan 3.21.1". */
  source: string;
}

export interface GgmlLibrary {
  base: BaseApi;
  backend: BackendApi;
  files: LibraryFiles;
  version: string;
  commit: string;
}

let loaded: GgmlLibrary | undefined;

function firstLine(e: unknown): string {
  return ((e as Error)?.message ?? String(e)).split('\n')[0];
}

/**
 * The struct layouts ffi.ts reads, checked against ggml's own size functions: a library built with a
 * different GGML_MAX_NAME, GGML_MAX_SRC or field order is refused here, before any field is read.
 */
export function checkAbi(base: BaseApi, files: LibraryFiles): { version: string; commit: string } {
  const version = base.ggml_version();
  const commit = base.ggml_commit();
  const where = `${files.source} (${files.base})`;
  if (version !== PINNED_GGML.version || commit !== PINNED_GGML.commit) {
    throw new UserError(
      `ggml ${version} (${commit}) in ${where} is not the ggml ${PINNED_GGML.version} (${PINNED_GGML.commit}) this build of Tuneloom was written for; reinstall Tuneloom (npm ci) so the pinned @node-llama-cpp packages are used`,
    );
  }
  const tensorSize = Number(base.ggml_tensor_overhead()) - GGML_OBJECT_SIZE;
  if (koffi.sizeof(TensorStruct) !== tensorSize) {
    throw new UserError(
      `ggml_tensor is ${tensorSize} bytes in ${where}, but Tuneloom reads it as ${koffi.sizeof(TensorStruct)}: the library is not the pinned ggml ${PINNED_GGML.version}`,
    );
  }
  const params = base.ggml_threadpool_params_default(1) as { n_threads?: number };
  if (params.n_threads !== 1) {
    throw new UserError(`ggml_threadpool_params in ${where} does not have the layout of ggml ${PINNED_GGML.version} (read n_threads = ${params.n_threads})`);
  }
  return { version, commit };
}

/** Loads one shared library and declares its functions; either failure is one line naming the file. */
function openAndDeclare<A>(path: string, source: string, declare: (lib: LibraryHandle) => A, what: string): [LibraryHandle, A] {
  let lib: LibraryHandle;
  try {
    lib = koffi.load(path);
  } catch (e) {
    throw new UserError(`cannot load the ggml library ${path} (${source}): ${firstLine(e)}; reinstall Tuneloom (npm ci)`);
  }
  try {
    return [lib, declare(lib)];
  } catch (e) {
    throw new UserError(`${path} is not a ggml ${PINNED_GGML.version} ${what} (${firstLine(e)}); reinstall Tuneloom (npm ci)`);
  }
}

/** Loads the libraries (once per process) and registers every backend found beside them. */
export function loadGgmlLibrary(files: LibraryFiles): GgmlLibrary {
  if (loaded) {
    if (loaded.files.dir !== files.dir) {
      throw new UserError(`ggml is already loaded from ${loaded.files.source}; one process cannot load a second set (${files.source})`);
    }
    return loaded;
  }
  const [baseLib, base] = openAndDeclare(files.base, files.source, declareBase, 'library');
  const abi = checkAbi(base, files);
  const [, backend] = openAndDeclare(files.ggml, files.source, declareBackend, 'backend library');
  installLogSink(baseLib);
  backend.ggml_backend_load_all_from_path(files.dir);
  loaded = { base, backend, files, ...abi };
  return loaded;
}

/** ggml's log lines (backend loading, device notes): kept for diagnostics, echoed only when asked. */
const logLines: string[] = [];
let logCallback: unknown;
function installLogSink(baseLib: LibraryHandle): void {
  const proto = koffi.proto('void ggml_log_callback_fn(int level, const char *text, void *user)');
  const setLog = baseLib.func('void ggml_log_set(ggml_log_callback_fn *cb, void *user)');
  const echo = process.env.TUNELOOM_GGML_LOG === '1';
  logCallback = koffi.register((level: number, text: string) => {
    logLines.push(text);
    if (logLines.length > 200) logLines.shift();
    // level 4 = GGML_LOG_LEVEL_ERROR: worth the user's stderr even when not asked for.
    if (echo || level === 4) process.stderr.write(`ggml: ${text}`);
  }, koffi.pointer(proto));
  setLog(logCallback, null);
}

export function ggmlLog(): readonly string[] {
  return logLines;
}

export function loadedGgmlLibrary(): GgmlLibrary | undefined {
  return loaded;
}
