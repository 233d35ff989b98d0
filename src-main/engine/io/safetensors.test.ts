import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decodeToFloat32, float32ToBf16Bits } from './dtype';
import { bufferSource, readSafetensorsHeader, readTensorFloat32, serializeSafetensors } from './safetensors';

/** A safetensors file with one tensor of raw bytes in the given dtype (built by hand, not by our writer). */
function handMade(dtype: string, shape: number[], bytes: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify({ x: { dtype, shape, data_offsets: [0, bytes.byteLength] } }));
  const out = new Uint8Array(8 + json.byteLength + bytes.byteLength);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  out.set(bytes, 8 + json.byteLength);
  return out;
}

async function readX(file: Uint8Array): Promise<Float32Array> {
  const src = bufferSource(file);
  const { tensors } = await readSafetensorsHeader(src);
  return readTensorFloat32(src, tensors.get('x')!);
}

test('every stored dtype decodes to the right float32 values', async () => {
  const values = [1.5, -2, 0, 65504, 3.140625];
  assert.deepEqual([...(await readX(handMade('F64', [5], new Uint8Array(Float64Array.from(values).buffer))))], values);
  assert.deepEqual([...(await readX(handMade('F32', [5], new Uint8Array(Float32Array.from(values).buffer))))], values);
  // bf16 / f16 bit patterns written out by hand: 1.5 = 0x3fc0 (bf16) / 0x3e00 (f16), -2 = 0xc000 / 0xc000.
  assert.deepEqual([...(await readX(handMade('BF16', [2], new Uint8Array(Uint16Array.from([0x3fc0, 0xc000]).buffer))))], [1.5, -2]);
  assert.deepEqual([...(await readX(handMade('F16', [3], new Uint8Array(Uint16Array.from([0x3e00, 0xc000, 0x7bff]).buffer))))], [1.5, -2, 65504]);
  assert.deepEqual([...(await readX(handMade('F16', [1], new Uint8Array(Uint16Array.from([0x0001]).buffer))))], [2 ** -24]);
  assert.deepEqual([...(await readX(handMade('I64', [2], new Uint8Array(BigInt64Array.from([7n, -3n]).buffer))))], [7, -3]);
  assert.deepEqual([...(await readX(handMade('I32', [2], new Uint8Array(Int32Array.from([7, -3]).buffer))))], [7, -3]);
});

test('bf16 encoding rounds to nearest even and round-trips through decode', () => {
  const x = Float32Array.from([1, 1 + 2 ** -8, 1 + 3 * 2 ** -9, -0.1]);
  const bits = float32ToBf16Bits(x);
  assert.equal(bits[0], 0x3f80);
  assert.equal(bits[1], 0x3f80); // exactly half-way: ties to even (down)
  assert.equal(bits[2], 0x3f81); // 3/4 of an ulp: rounds up
  const back = decodeToFloat32(new Uint8Array(bits.buffer), 'BF16');
  assert.ok(Math.abs(back[3] + 0.1) < 1e-3);
});

test('writer output reads back (F32 and BF16, header 8-byte aligned, metadata kept)', async () => {
  const a = Float32Array.from({ length: 6 }, (_, i) => i / 4);
  const file = serializeSafetensors(
    [
      { name: 'b.w', shape: [2, 3], data: a },
      { name: 'a.w', shape: [6], data: a, dtype: 'BF16' },
    ],
    { format: 'pt' },
  );
  const headerLen = Number(new DataView(file.buffer).getBigUint64(0, true));
  assert.equal((8 + headerLen) % 8, 0);
  const src = bufferSource(file);
  const h = await readSafetensorsHeader(src);
  assert.deepEqual(h.metadata, { format: 'pt' });
  assert.deepEqual(h.tensors.get('b.w')!.shape, [2, 3]);
  assert.deepEqual([...(await readTensorFloat32(src, h.tensors.get('b.w')!))], [...a]);
  assert.deepEqual([...(await readTensorFloat32(src, h.tensors.get('a.w')!))], [...a]); // quarters are exact in bf16
});

test('a truncated file is one clear line', async () => {
  const file = serializeSafetensors([{ name: 'w', shape: [64], data: new Float32Array(64) }]);
  await assert.rejects(readSafetensorsHeader(bufferSource(file.subarray(0, file.length - 10), 'm.safetensors')), (e: Error) => {
    assert.match(e.message, /^m\.safetensors: truncated or corrupt safetensors file/);
    assert.ok(!e.message.includes('\n'));
    return true;
  });
  await assert.rejects(readSafetensorsHeader(bufferSource(file.subarray(0, 5), 'm.safetensors')), /truncated/);
});

test('the writer stores F16 (round to nearest even) and reads it back; header sizes follow the dtype', async () => {
  // 1 + 2^-11 is exactly between two halves: ties to even gives 1; 1 + 3·2^-11 rounds up to 1 + 2^-9.
  const data = Float32Array.from([1.5, -2, 65504, 1 + 2 ** -11, 1 + 3 * 2 ** -11]);
  const file = serializeSafetensors([{ name: 'x', shape: [5], data, dtype: 'F16' }], { format: 'pt' });
  const { tensors } = await readSafetensorsHeader(bufferSource(file));
  assert.equal(tensors.get('x')!.dtype, 'F16');
  const headerLen = Number(new DataView(file.buffer, file.byteOffset).getBigUint64(0, true));
  assert.equal(file.byteLength - 8 - headerLen, 5 * 2, 'two bytes a value');
  assert.deepEqual([...(await readX(file))], [1.5, -2, 65504, 1, 1 + 2 ** -9]);
});

/** A file from a raw header object and `dataBytes` zero bytes of data (offsets are not checked here). */
function rawFile(header: unknown, dataBytes: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.byteLength + dataBytes);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.byteLength), true);
  out.set(json, 8);
  return out;
}

test('hostile headers are refused before any value is read: one line naming the tensor and the field', async () => {
  const t = (data_offsets: unknown, shape: unknown = [2], dtype = 'F32') => ({ dtype, shape, data_offsets });
  const cases: [string, unknown, number, RegExp][] = [
    ['negative offsets', { a: t([-8, 0]) }, 8, /a\.data_offsets must be two non-negative integers/],
    ['fractional offsets', { a: t([0.5, 8.5]) }, 9, /a\.data_offsets must be two non-negative integers/],
    ['fractional shape', { a: t([0, 8], [2.5]) }, 8, /a\.shape must be a list of non-negative integers/],
    ['negative shape', { a: t([0, 8], [-2, -1]) }, 8, /a\.shape must be a list of non-negative integers/],
    ['string offsets', { a: t(['0', '8']) }, 8, /a\.data_offsets must be two/],
    ['overlapping tensors', { a: t([0, 8]), b: t([4, 12]) }, 12, /b\.data_offsets overlap the tensor before it/],
    ['the same bytes twice', { a: t([0, 8]), b: t([0, 8]) }, 8, /overlap/],
    ['a gap between tensors', { a: t([0, 8]), b: t([16, 24]) }, 24, /b\.data_offsets leave a gap of 8 bytes/],
    ['out-of-range end', { a: t([0, 8]) }, 4, /a ends at byte/],
    ['bytes after the last tensor', { a: t([0, 8]) }, 16, /8 bytes after the last tensor/],
    ['offsets that end before they begin', { a: t([8, 0], [0]) }, 8, /end before they begin/],
    ['a span that does not match the shape', { a: t([0, 12]) }, 12, /12 bytes for shape \[2\] F32, which needs 8/],
    ['an astronomically large shape', { a: t([0, 8], [2 ** 30, 2 ** 30, 2 ** 30]) }, 8, /shape .* is too large/],
    ['an array header', [1, 2], 0, /header is not a JSON object/],
    ['a non-object entry', { a: 5 }, 0, /a: the entry is not an object/],
    ['non-string metadata', { __metadata__: { k: 1 }, a: t([0, 8]) }, 8, /__metadata__ must be an object of strings/],
    ['an unknown dtype', { a: t([0, 8], [2], 'Q4') }, 8, /dtype Q4/],
  ];
  for (const [what, header, dataBytes, reason] of cases) {
    await assert.rejects(
      readSafetensorsHeader(bufferSource(rawFile(header, dataBytes), 'w.safetensors')),
      (e: Error) => e.name === 'UserError' && e.message.startsWith('w.safetensors: ') && reason.test(e.message) && !e.message.includes('\n'),
      what,
    );
  }
  // The same layouts, when valid, read.
  const ok = await readSafetensorsHeader(bufferSource(rawFile({ a: t([0, 8]), b: t([8, 16]), z: t([16, 16], [0]) }, 16)));
  assert.deepEqual([...ok.tensors.keys()], ['a', 'b', 'z']);
});
