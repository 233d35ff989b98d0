/**
 * A dataset being checked before import: the typed path and choices, what the preview shows, and the last
 * inspection. It lives as long as its owner (the wizard, the Datasets page), not as long as the component
 * that shows it, so leaving the wizard's Dataset step and coming back keeps the check and does not inspect
 * the same file again. An inspection runs only when what it depends on changed.
 *
 * With a model chosen a check has two passes: first as `tuneloom data inspect` does it (characters, about
 * a second for a few MB), so the preview, Import and Next are there at once; then the lengths in the
 * model's tokens through its chat template, which takes far longer (a few ms a row), with progress and an
 * ETA. Import during the second pass waits for it in main instead of tokenizing the file again.
 */
import { errorText } from '../error-text';
import { mappingFromRecord } from '../../../src-shared/column-mapping';
import type { ColumnMapping } from '../../../src-shared/ipc-contract';
import type { DatasetRecord } from '../../../src-shared/dto/library';
import {
  DATA_FORMAT_CHOICES,
  ENCODING_CHOICES,
  type DataFormatChoice,
  type DatasetPreview,
  type EncodingChoiceDto,
} from '../../../src-shared/dto/dataset-preview';
import { api } from '../api/index';

/** What the preview shows: a typed path, or the files of an imported dataset. */
export interface DraftSource {
  path: string;
  format: DataFormatChoice;
  encoding: EncodingChoiceDto;
  /** The user's column roles (format csv); absent: the detected or chosen format. */
  map?: ColumnMapping[];
}

/** What an inspection depends on besides the source. */
export interface InspectContext {
  modelId: number | null;
  maxLen: number;
  valSplit: number;
}

/** The dataset row that holds the source's files (a folder source covers the files under it). */
export function coveringDataset(datasets: DatasetRecord[], src: DraftSource): DatasetRecord | undefined {
  const dir = src.path.replace(/[\\/]+$/, '') + '/';
  return datasets.find((d) => d.sourcePaths.some((p) => p === src.path || p.startsWith(dir)));
}

/** The source that previews an imported dataset again: its files, format, encoding and column roles. */
export function sourceOf(d: DatasetRecord): DraftSource {
  return {
    ...(d.format === 'csv' && d.mapping ? { map: mappingFromRecord(d.mapping) } : {}),
    path: d.sourcePaths[0] ?? '',
    format: (DATA_FORMAT_CHOICES as readonly string[]).includes(d.format) ? (d.format as DataFormatChoice) : 'auto',
    encoding: (ENCODING_CHOICES as readonly string[]).includes(d.encoding ?? '') ? (d.encoding as EncodingChoiceDto) : 'auto',
  };
}

let drafts = 0;

/** A check's progress as main reports it (datasets.progress), with when it began for the ETA. */
export interface DraftProgress {
  bytesRead: number;
  totalBytes: number;
  startedAt: number;
  at: number;
}

export class DatasetDraft {
  /** This draft's key for datasets.progress events; a newer check under it stops the older one in main. */
  readonly key = `draft-${++drafts}-${Date.now().toString(36)}`;
  path = $state('');
  format = $state<DataFormatChoice>('auto');
  encoding = $state<EncodingChoiceDto>('auto');
  name = $state('');
  source = $state<DraftSource | null>(null);
  preview = $state<DatasetPreview | null>(null);
  busy = $state(false);
  error = $state<string | null>(null);
  /** The column-role editor is open. */
  mapping = $state(false);
  /** The dataset row the source was imported as (or shown from); null: not imported in this draft. */
  imported = $state<number | null>(null);
  /** The second pass (lengths in the model's tokens) is running; the preview shown is in characters. */
  counting = $state(false);
  progress = $state<DraftProgress | null>(null);
  #seq = 0;
  /** The inputs of the preview shown (or of the error), so the same check is not run twice. */
  #inspected = '';
  #inspectedChars = '';

  /** Follows main's progress reports for this draft; returns the unsubscribe (call it from an $effect). */
  listen(): () => void {
    if (!api) return () => {};
    return api.on('datasets.progress', (e) => {
      if (e.key !== this.key) return;
      const now = Date.now();
      const startedAt = this.progress && e.bytesRead >= this.progress.bytesRead ? this.progress.startedAt : now;
      this.progress = { bytesRead: e.bytesRead, totalBytes: e.totalBytes, startedAt, at: now };
    });
  }

  /** Checks the typed path with the chosen format and encoding (the Inspect button). */
  checkTyped(): void {
    const path = this.path.trim();
    if (!path) return;
    this.name = '';
    this.#inspected = '';
    this.setSource({ path, format: this.format, encoding: this.encoding });
  }

  /** A new thing to check (a typed path, or the same file with column roles): not imported yet. */
  setSource(src: DraftSource): void {
    this.source = src;
    this.imported = null;
  }

  /** Shows an imported dataset (its preview is inspected on the next `ensure`). */
  show(d: DatasetRecord): void {
    this.source = sourceOf(d);
    this.imported = d.id;
    this.name = d.name;
  }

  clear(): void {
    this.source = null;
    this.preview = null;
    this.error = null;
    this.mapping = false;
    this.imported = null;
    this.#inspected = '';
  }

  /** A checked file that no dataset row holds yet: the user has to import it before it can be used. */
  pending(datasets: DatasetRecord[]): boolean {
    return this.source !== null && this.imported === null && coveringDataset(datasets, this.source) === undefined;
  }

  /** Inspects the source unless the preview already shows it with these settings (in two passes with a model). */
  async ensure(ctx: InspectContext): Promise<void> {
    const src = this.source;
    if (!api || !src) return;
    const key = JSON.stringify([src, ctx.modelId, ctx.maxLen, ctx.valSplit]);
    if (key === this.#inspected) return;
    this.#inspected = key;
    const mine = ++this.#seq;
    const charsKey = JSON.stringify([src, ctx.valSplit]);
    this.error = null;
    if (ctx.modelId == null || charsKey !== this.#inspectedChars) {
      this.busy = true;
      this.counting = false;
      this.progress = null;
      // Without a model the max length is in characters, as the CLI counts; with one it waits for the tokens.
      const first = await this.#inspect(src, { ...ctx, modelId: null, maxLen: ctx.modelId == null ? ctx.maxLen : undefined }, mine);
      if (mine !== this.#seq) return;
      this.busy = false;
      if (!first) return;
      this.#inspectedChars = charsKey;
    }
    if (ctx.modelId == null) return;
    this.counting = true;
    this.progress = null;
    await this.#inspect(src, ctx, mine);
    if (mine === this.#seq) this.counting = false;
  }

  /** One pass; false when it failed (the error is shown) or a newer check took over. */
  async #inspect(src: DraftSource, ctx: { modelId: number | null; maxLen: number | undefined; valSplit: number }, mine: number): Promise<boolean> {
    try {
      const p = await api!.call('datasets.inspect', this.#request(src, ctx));
      if (mine !== this.#seq) return false;
      this.preview = p;
      this.name ||= p.name;
      return true;
    } catch (err) {
      if (mine !== this.#seq) return false;
      this.preview = null;
      this.error = errorText(err);
      this.busy = false;
      this.counting = false;
      // The same inputs may be checked again (after the user fixes the file).
      this.#inspected = '';
      this.#inspectedChars = '';
      return false;
    }
  }

  #request(src: DraftSource, ctx: { modelId: number | null; maxLen: number | undefined; valSplit: number }) {
    return {
      path: src.path,
      format: src.format,
      encoding: src.encoding,
      valSplit: ctx.valSplit,
      progressKey: this.key,
      ...(ctx.maxLen !== undefined ? { maxLen: ctx.maxLen } : {}),
      ...(ctx.modelId != null ? { modelId: ctx.modelId } : {}),
      ...(src.map ? { map: src.map } : {}),
    };
  }

  /** Imports the checked source; resolves to the dataset id, or null (the error is shown). */
  async importIt(ctx: InspectContext): Promise<number | null> {
    const src = this.source;
    if (!api || !src) return null;
    this.busy = true;
    this.error = null;
    try {
      // The same request as the check's (key included), so main registers that check's result.
      const { id } = await api.call('datasets.import', { ...this.#request(src, ctx), ...(this.name.trim() ? { name: this.name.trim() } : {}) });
      if (this.source === src) this.imported = id;
      return id;
    } catch (err) {
      this.error = errorText(err);
      return null;
    } finally {
      this.busy = false;
    }
  }
}
