/**
 * The columns (fields) of a dataset, for the wizard's column-to-role mapping: a CSV's header, or the keys
 * of the first JSON/JSONL record that is an object. Reads only as far as that record (a folder: its
 * first file), so it is cheap on a 790k-row file.
 */
import type { EncodingChoice } from './encoding/decode-file';
import { resolveInput } from './list-files';
import { openRecords } from './readers/read-records';

export async function peekColumns(input: string, encoding?: EncodingChoice): Promise<string[]> {
  const { files } = await resolveInput(input);
  const reader = await openRecords(files[0]!, { encoding });
  if (reader.header) {
    await reader.batches.return(); // stop reading: the header is all we need
    return reader.header;
  }
  if (reader.container === 'text') {
    await reader.batches.return();
    return [];
  }
  try {
    for await (const batch of reader.batches) {
      for (const rec of batch) {
        if ('value' in rec && rec.value !== null && typeof rec.value === 'object' && !Array.isArray(rec.value)) return Object.keys(rec.value);
      }
    }
  } finally {
    await reader.batches.return();
  }
  return [];
}
