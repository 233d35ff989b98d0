/**
 * Streaming decode of a text file: reads it in 1 MiB chunks (never the whole file as one string), feeds
 * every byte to an optional hash (so registering needs no second pass), and yields decoded text with
 * partial characters carried across chunk boundaries by the decoders themselves.
 * UTF-8/UTF-16 go through TextDecoder in fatal mode; GB18030 through our strict table decoder built from
 * iconv-lite's mapping (gb18030-decoder.ts). Any byte that does not
 * decode stops the import with one line naming the file, line and byte offset: no silent mojibake.
 * Detection looks at the first 1 MiB; when that is pure ASCII (a long English header, say) the choice
 * between UTF-8 and GB18030 waits for the first chunk with other bytes, since ASCII reads the same in both.
 */
import type { Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { UserError } from '../../errors';
import type { EncodingName } from '../types';
import { bomOf, detectEncoding, utf16WithoutBom } from './detect';
import { makeDecoder } from './chunk-decoder';
import { binaryMarker, firstInvalidBig5, firstInvalidGb18030, firstInvalidUtf16, firstInvalidUtf8 } from './validate';

const CHUNK = 1 << 20;
/** Detection reads this much of the head; the rest is still validated as it streams. */
const SAMPLE = 1 << 20;

export type EncodingChoice = 'auto' | EncodingName;

export interface DecodeOptions {
  encoding?: EncodingChoice;
  hash?: Hash;
  /** Called after each chunk with the bytes read so far. */
  onBytes?: (bytesRead: number) => void;
  /** Read and detection sizes; tests shrink them to push every boundary case through small files. */
  chunkBytes?: number;
  sampleBytes?: number;
}

/** A piece of decoded text; `structural`, when the decoder provides it, lists where , " LF CR sit in it. */
export interface DecodedChunk {
  text: string;
  structural?: Int32Array;
}

export interface DecodedText {
  /** May change while streaming: a head of pure ASCII leaves UTF-8 vs GB18030 open until the first other byte. */
  encoding: EncodingName;
  confidence: number;
  size: number;
  chunks: AsyncGenerator<DecodedChunk, void, undefined>;
}

export function parseEncoding(raw: string | undefined): EncodingChoice {
  if (raw === undefined || raw === 'auto') return 'auto';
  const v = raw.toLowerCase().replace(/_/g, '-');
  if (v === 'utf-8' || v === 'utf8') return 'utf-8';
  if (v === 'gb18030' || v === 'gbk' || v === 'gb2312' || v === 'cp936') return 'gb18030';
  if (v === 'utf-16le' || v === 'utf16le') return 'utf-16le';
  if (v === 'utf-16be' || v === 'utf16be') return 'utf-16be';
  if (v === 'big5' || v === 'cp950' || v === 'big5-hkscs') return 'big5';
  throw new UserError(`unknown --encoding "${raw}"`, { hint: 'use auto, utf-8, gb18030 or big5 (gbk and gb2312 read as gb18030)' });
}

const hex = (b: number) => '0x' + b.toString(16).toUpperCase().padStart(2, '0');

async function readHead(path: string, size: number, sampleBytes = SAMPLE): Promise<Buffer> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.allocUnsafe(Math.min(size, sampleBytes));
    let got = 0;
    while (got < buf.length) {
      const { bytesRead } = await fh.read(buf, got, buf.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return buf.subarray(0, got);
  } finally {
    await fh.close();
  }
}

async function byteAt(path: string, offset: number): Promise<number> {
  const fh = await open(path, 'r');
  try {
    const one = Buffer.alloc(1);
    await fh.read(one, 0, 1, offset);
    return one[0];
  } finally {
    await fh.close();
  }
}

/** 1-based line holding byte `offset` (the error path only: streams the file up to there). */
export async function lineAtOffset(path: string, offset: number): Promise<number> {
  let line = 1;
  for await (const chunk of createReadStream(path, { end: Math.max(0, offset - 1), highWaterMark: CHUNK }) as AsyncIterable<Buffer>) {
    for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) line++;
  }
  return offset === 0 ? 1 : line;
}

function validatorFor(enc: EncodingName): (b: Uint8Array, truncatedOk: boolean) => number {
  if (enc === 'utf-8') return firstInvalidUtf8;
  if (enc === 'gb18030') return firstInvalidGb18030;
  if (enc === 'big5') return firstInvalidBig5;
  return (b, t) => firstInvalidUtf16(b, enc === 'utf-16le', t);
}

/** Offset of the first byte of `path` that `enc` cannot decode, or -1; streams with carried-over tails. */
export async function firstInvalidInFile(path: string, enc: EncodingName): Promise<number> {
  const validate = validatorFor(enc);
  let base = 0;
  let carry: Uint8Array = new Uint8Array(0);
  for await (const chunk of createReadStream(path, { highWaterMark: CHUNK }) as AsyncIterable<Buffer>) {
    const buf = carry.length ? Buffer.concat([carry, chunk]) : chunk;
    const r = validate(buf, true);
    if (r >= 0) return base + r;
    const keepFrom = r === -1 ? buf.length : -r - 2;
    carry = buf.subarray(keepFrom);
    base += keepFrom;
  }
  return carry.length ? base : -1;
}

async function refuseUndecodable(
  path: string,
  offset: number,
  byte: number,
  enc: EncodingName,
  choice: EncodingChoice,
  sampleLooksGb: boolean,
): Promise<never> {
  const line = await lineAtOffset(path, offset);
  const where = `${path}:${line}`;
  const at = `byte ${hex(byte)} at offset ${offset}`;
  if (choice === 'auto') {
    throw new UserError(`${at} does not decode as ${enc} (detected from the head of the file), nor as any other encoding we read`, {
      where,
      hint:
        enc === 'utf-8'
          ? 'if the file is GBK/GB18030 pass --encoding gb18030; otherwise re-save it as UTF-8'
          : 'fix or remove the damaged bytes, or re-save the file as UTF-8',
    });
  }
  const other = enc === 'utf-8' && sampleLooksGb ? ' this file looks like gb18030:' : '';
  throw new UserError(`not valid ${enc}: ${at}, and --encoding ${enc} was given`, {
    where,
    hint: `${other} pass --encoding ${enc === 'utf-8' ? 'gb18030' : 'utf-8'} or --encoding auto`.trim(),
  });
}

export async function openText(path: string, opts: DecodeOptions = {}): Promise<DecodedText> {
  const choice = opts.encoding ?? 'auto';
  let size: number;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new UserError('is a folder, not a file', { where: path });
    // A FIFO, socket or device would block the read (or never end): only regular files are datasets.
    if (!st.isFile()) throw new UserError('is not a regular file (a pipe, socket or device)', { where: path, hint: 'choose a CSV, JSON, JSONL or TXT file' });
    size = st.size;
  } catch (err) {
    if (err instanceof UserError) throw err;
    throw new UserError(`cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`, {
      where: path,
      hint: 'check the path and its permissions',
    });
  }
  const head = await readHead(path, size, opts.sampleBytes);
  const bom = bomOf(head);
  if (size === 0 || (bom && size === bom.bomLength)) {
    throw new UserError('the file is empty', { where: path, hint: 'choose a file that holds the dataset' });
  }
  // UTF-16 holds zero bytes by nature: the binary check applies to 8-bit text only.
  if (!bom?.encoding.startsWith('utf-16') && !utf16WithoutBom(head, head.length === size)) {
    const bin = binaryMarker(head);
    if (bin >= 0) {
      const line = await lineAtOffset(path, bin);
      throw new UserError(`this is a binary file, not a text dataset (byte ${hex(head[bin])} at offset ${bin})`, {
        where: `${path}:${line}`,
        hint: 'choose a CSV, JSON, JSONL or TXT file',
      });
    }
  }
  const atEof = head.length === size;
  const detected = detectEncoding(head, atEof);
  let encoding: EncodingName;
  let confidence: number;
  if (choice === 'auto') {
    if ('invalidAt' in detected) {
      const line = await lineAtOffset(path, detected.invalidAt);
      throw new UserError(`byte ${hex(head[detected.invalidAt])} at offset ${detected.invalidAt} decodes as neither utf-8 nor gb18030`, {
        where: `${path}:${line}`,
        hint: 're-save the file as UTF-8, or pass the right --encoding',
      });
    }
    encoding = detected.encoding;
    confidence = detected.confidence;
  } else {
    encoding = choice;
    confidence = 1;
    const utf8Text = bom?.encoding === 'utf-8' || ('encoding' in detected && detected.encoding === 'utf-8' && detected.confidence < 1);
    if (choice === 'gb18030' && utf8Text) {
      throw new UserError(
        '--encoding gb18030 was given, but the file is utf-8 (a UTF-8 byte-order mark, or valid UTF-8 non-ASCII text): reading it as gb18030 would garble every character',
        {
          where: path,
          hint: 'pass --encoding utf-8 or --encoding auto',
        },
      );
    }
    const bad = validatorFor(choice)(head, !atEof);
    if (bad >= 0) {
      const looksGb = firstInvalidGb18030(head, !atEof) < 0;
      await refuseUndecodable(path, bad, head[bad], choice, choice, looksGb);
    }
  }
  // Pure ASCII reads the same in every candidate; the first non-ASCII bytes decide (see decodeChunks).
  // (detection gives UTF-8 without a BOM a confidence of 1 only when it saw no multi-byte character)
  const undecided = choice === 'auto' && !bom && !atEof && encoding === 'utf-8' && confidence === 1;
  const out: DecodedText = { encoding, confidence, size, chunks: undefined as unknown as DecodedText['chunks'] };
  out.chunks = decodeChunks(path, head, out, choice, undecided, opts);
  return out;
}

async function* decodeChunks(
  path: string,
  head: Buffer,
  target: DecodedText,
  choice: EncodingChoice,
  undecided: boolean,
  opts: DecodeOptions,
): AsyncGenerator<DecodedChunk, void, undefined> {
  let decode = makeDecoder(target.encoding);
  let asciiSoFar = undecided;
  const checked = async (text: string | undefined, neither = false): Promise<string> => {
    if (text !== undefined) return text;
    const encoding = target.encoding;
    // Neither candidate decodes: name the byte where the one that read further stopped (see detect.ts).
    const at = neither
      ? Math.max(await firstInvalidInFile(path, 'utf-8'), await firstInvalidInFile(path, 'gb18030'))
      : decode.invalidAt() >= 0
        ? decode.invalidAt()
        : await firstInvalidInFile(path, encoding);
    if (at < 0) throw new Error(`${path}: the ${encoding} decoder failed but no invalid byte was found`);
    const byte = await byteAt(path, at);
    return refuseUndecodable(path, at, byte, encoding, choice, false);
  };
  const step = (chunk: Uint8Array): Promise<string> => {
    if (!asciiSoFar) return checked(decode.write(chunk));
    const text = decode.write(chunk);
    if (text !== undefined) {
      // UTF-8 decodes to as many code units as bytes exactly when every byte is ASCII.
      if (text.length !== chunk.length) {
        asciiSoFar = false;
        const d = detectEncoding(chunk, false);
        if ('encoding' in d) target.confidence = d.confidence;
      }
      return Promise.resolve(text);
    }
    // Not UTF-8 after an all-ASCII start: GB18030 is the other candidate, and ASCII reads the same in it.
    asciiSoFar = false;
    const gb = makeDecoder('gb18030');
    const asGb = gb.write(chunk);
    if (asGb === undefined) return checked(undefined, true);
    const d = detectEncoding(chunk, false);
    decode = gb;
    target.encoding = 'gb18030';
    target.confidence = 'encoding' in d && d.encoding === 'gb18030' ? d.confidence : 0.5;
    return Promise.resolve(asGb);
  };
  let read = head.length;
  opts.hash?.update(head);
  let text = await step(head);
  opts.onBytes?.(read);
  if (text) yield { text, structural: decode.structural() };
  const chunkBytes = opts.chunkBytes ?? CHUNK;
  const fh = await open(path, 'r');
  // Two buffers: the next chunk is read while this one is decoded and parsed.
  const bufs = [Buffer.allocUnsafe(chunkBytes), Buffer.allocUnsafe(chunkBytes)];
  let which = 0;
  let pending: Promise<{ bytesRead: number }> | undefined = fh.read(bufs[0], 0, chunkBytes, read);
  try {
    for (;;) {
      const { bytesRead } = await pending;
      pending = undefined;
      if (bytesRead === 0) break;
      const chunk = bufs[which].subarray(0, bytesRead);
      read += bytesRead;
      which ^= 1;
      pending = fh.read(bufs[which], 0, chunkBytes, read);
      opts.hash?.update(chunk);
      text = await step(chunk);
      opts.onBytes?.(read);
      if (text) yield { text, structural: decode.structural() };
    }
  } finally {
    if (pending) await pending.catch(() => undefined);
    await fh.close();
  }
  text = await checked(decode.end());
  if (text) yield { text };
}
