/** Export: the public surface the CLI and the app's IPC handlers use. */
export { runExport, type ExportRequest, type ExportReport } from './run-export';
export { exportMerged, type MergedExportOptions, type MergedExportResult, type ExportDtype } from './merged-export';
export { exportGguf, type GgufExportOptions, type GgufExportResult } from './gguf-export';
export { buildModelfile, chatMlTemplate, type ModelfileResult } from './ollama-modelfile';
export { greedySelfCheck, type SelfCheckResult, type ExportFormat } from './self-check';
export { parseGguf, readGgufTensor, type GgufFile } from './gguf-reader';
