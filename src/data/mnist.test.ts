import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import * as kiln from '../index.js';
import { FormatError } from '../index.js';
import * as kilnNode from '../node/index.js';
import { tempDir } from '../../test/helpers.js';
import { decodeDigits } from './mnist.js';

describe('MNIST digits shipped with Kiln', () => {
  it('has a fixed split of real digits, normalised, NCHW, balanced', async () => {
    const { train, test } = await kiln.data.mnist();
    expect(train.x.shape).toEqual([7996, 1, 28, 28]);
    expect(test.x.shape).toEqual([2004, 1, 28, 28]);
    expect(train.y.dtype).toBe('int32');
    expect(train.x.min().item()).toBe(0);
    expect(train.x.max().item()).toBe(1);
    expect(Array.from(train.y.values.slice(0, 10))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const counts = new Array(10).fill(0);
    for (const v of test.y.values) counts[v]++;
    expect(counts).toEqual([201, 226, 199, 207, 196, 173, 203, 214, 189, 196]);
    // An image is a digit: some ink, mostly background.
    const ink = train.x.narrow(0, 0, 1).gt(0.5).float().mean().item();
    expect(ink).toBeGreaterThan(0.05);
    expect(ink).toBeLessThan(0.4);
    const again = await kiln.data.mnist({ trainSize: 20, testSize: 10 });
    expect(Array.from(again.train.x.values)).toEqual(Array.from(train.x.values.subarray(0, 20 * 784)));
    expect(again.test.length).toBe(10);
  });

  it("puts the first 80% of each digit's images in train and the rest in test", async () => {
    const { train, test } = await kiln.data.mnist();
    const all = await decodeDigits(new Uint8Array(readFileSync(kiln.data.DIGITS_URL)));
    all.forEach((file, d) => {
      const ofDigit = (set: typeof train): number[] => Array.from(set.y.values).flatMap((y, i) => (y === d ? Array.from(set.x.values.subarray(i * 784, (i + 1) * 784)) : []));
      const split = Math.floor(0.8 * (file.length / 784)) * 784;
      expect(ofDigit(train)).toEqual(Array.from(file.subarray(0, split)));
      expect(ofDigit(test)).toEqual(Array.from(file.subarray(split)));
    });
  });

  it('reads the digits file from bytes too, compressed or not, and refuses a damaged one', async () => {
    const packed = new Uint8Array(readFileSync(kiln.data.DIGITS_URL));
    const all = await decodeDigits(packed);
    expect(all.map((d) => d.length / 784)).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    // Pixels are k/255 for whole k: MNIST's 256 grey levels.
    expect(all[3]!.every((v) => Math.abs(v * 255 - Math.round(v * 255)) < 1e-4)).toBe(true);
    const raw = new Uint8Array(gunzipSync(packed));
    const fromRaw = await kiln.data.mnist({ source: raw, trainSize: 30, testSize: 5 });
    const fromDefault = await kiln.data.mnist({ trainSize: 30, testSize: 5 });
    expect(Array.from(fromRaw.train.x.values)).toEqual(Array.from(fromDefault.train.x.values));
    await expect(decodeDigits(raw.subarray(0, raw.length - 1))).rejects.toThrow(/the header lists 1001 \+ 1127 .* but the file has 7840047 bytes \(truncated\?\)/);
    await expect(decodeDigits(packed.subarray(0, 1000))).rejects.toThrow(/compressed data is damaged or truncated/);
    await expect(decodeDigits(new TextEncoder().encode('{"data": [0, 1]}'))).rejects.toThrow('mnist: not a Kiln digits file');
    await expect(kiln.data.mnist({ testSise: 3 } as never)).rejects.toThrow('mnist: unknown option "testSise"; did you mean "testSize"?');
  });
});

describe('IDX reader', () => {
  const idx = (type: number, shape: number[], values: number[], bytesPer = 1): Uint8Array => {
    const out = new Uint8Array(4 + 4 * shape.length + values.length * bytesPer);
    const v = new DataView(out.buffer);
    v.setUint8(2, type);
    v.setUint8(3, shape.length);
    shape.forEach((d, i) => v.setUint32(4 + 4 * i, d, false));
    values.forEach((x, i) => (bytesPer === 1 ? v.setUint8(4 + 4 * shape.length + i, x) : v.setInt32(4 + 4 * shape.length + 4 * i, x, false)));
    return out;
  };

  it('reads images and labels as MNIST ships them, gzipped or not', async () => {
    const dir = tempDir('kiln-idx-');
    const pixels = Array.from({ length: 2 * 3 * 4 }, (_, i) => i * 10);
    writeFileSync(join(dir, 'images-idx3-ubyte'), idx(0x08, [2, 3, 4], pixels));
    writeFileSync(join(dir, 'labels-idx1-ubyte.gz'), gzipSync(idx(0x08, [2], [7, 3])));
    const ds = await kilnNode.data.readIdx(join(dir, 'images-idx3-ubyte'), join(dir, 'labels-idx1-ubyte.gz'));
    expect(ds.x.shape).toEqual([2, 1, 3, 4]);
    expect(ds.x.values[23]).toBeCloseTo(230 / 255, 6);
    expect(Array.from(ds.y.values)).toEqual([7, 3]);
    expect(kiln.data.parseIdx(idx(0x0c, [2], [-5, 70000], 4)).data).toEqual(new Float64Array([-5, 70000]));
  });

  it('refuses truncated, foreign or mismatched files', async () => {
    const dir = tempDir('kiln-idx-');
    const good = idx(0x08, [2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]);
    expect(() => kiln.data.parseIdx(good.subarray(0, good.length - 1))).toThrow(/needs 8 data bytes, the file has 7 \(truncated\?\)/);
    expect(() => kiln.data.parseIdx(new TextEncoder().encode('%PNG....'))).toThrow(FormatError);
    const huge = good.slice();
    new DataView(huge.buffer).setUint32(4, 0xffffffff, false);
    expect(() => kiln.data.parseIdx(huge)).toThrow(/truncated/);
    writeFileSync(join(dir, 'i'), good);
    writeFileSync(join(dir, 'l'), idx(0x08, [3], [1, 2, 3]));
    await expect(kilnNode.data.readIdx(join(dir, 'i'), join(dir, 'l'))).rejects.toThrow('IDX: 2 images but 3 labels');
    writeFileSync(join(dir, 'bad.gz'), new Uint8Array([0x1f, 0x8b, 1, 2, 3]));
    await expect(kilnNode.data.readIdx(join(dir, 'bad.gz'), join(dir, 'l'))).rejects.toThrow(/IDX: .*bad.gz: the compressed data is damaged or truncated/);
  });
});
