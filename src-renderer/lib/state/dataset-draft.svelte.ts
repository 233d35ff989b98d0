/**
 * A dataset being checked before import: the typed path and choices, what the preview shows, and the last
 * inspection. It lives as long as its owner (the wizard, the Datasets page), not as long as the component
 * that shows it, so leaving the wizard's Dataset step and coming back keeps the check and does not inspect
 * the same file again. An inspection runs only when what it depends on changed.
 */
import { mappingFromRecord } from '../../../src-shared/column-mapping';
import type { ColumnMapping } from '../../../src-shared/ipc-contract';
import type { DatasetRecord } from '../../../src-shared/dto/library';
import { DATA_FORMAT_CHOICES, ENCODING_CHOICES, type DataFormatChoice, type DatasetPreview, type EncodingChoiceDto } from '../../../src-shared/dto/dataset-preview';
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

export class DatasetDraft {
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
  #seq = 0;
  /** The inputs of the preview shown (or of the error), so the same check is not run twice. */
  #inspected = '';

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

  /** Inspects the source unless the preview already shows it with these settings. */
  async ensure(ctx: InspectContext): Promise<void> {
    const src = this.source;
    if (!api || !src) return;
    const key = JSON.stringify([src, ctx.modelId, ctx.maxLen, ctx.valSplit]);
    if (key === this.#inspected) return;
    this.#inspected = key;
    const mine = ++this.#seq;
    this.busy = true;
    this.error = null;
    try {
      const p = await api.call('datasets.inspect', { path: src.path, format: src.format, encoding: src.encoding, valSplit: ctx.valSplit, maxLen: ctx.maxLen, ...(ctx.modelId != null ? { modelId: ctx.modelId } : {}), ...(src.map ? { map: src.map } : {}) });
      if (mine !== this.#seq) return;
      this.preview = p;
      this.name ||= p.name;
    } catch (err) {
      if (mine !== this.#seq) return;
      this.preview = null;
      this.error = (err as Error).message;
    } finally {
      if (mine === this.#seq) this.busy = false;
    }
  }

  /** Imports the checked source; resolves to the dataset id, or null (the error is shown). */
  async importIt(ctx: InspectContext): Promise<number | null> {
    const src = this.source;
    if (!api || !src) return null;
    this.busy = true;
    this.error = null;
    try {
      const { id } = await api.call('datasets.import', {
        path: src.path,
        format: src.format,
        encoding: src.encoding,
        valSplit: ctx.valSplit,
        maxLen: ctx.maxLen,
        ...(ctx.modelId != null ? { modelId: ctx.modelId } : {}),
        ...(src.map ? { map: src.map } : {}),
        ...(this.name.trim() ? { name: this.name.trim() } : {}),
      });
      if (this.source === src) this.imported = id;
      return id;
    } catch (err) {
      this.error = (err as Error).message;
      return null;
    } finally {
      this.busy = false;
    }
  }
}
