import { describe, expect, it } from 'vitest';
import * as kiln from '../index.js';
import { FormatError, ShapeError } from '../index.js';
import { encode } from 'fast-png';
import { makePng } from '../../test/png.js';

describe('PNG input for predict', () => {
  it('decodes grayscale, composites transparency over white', () => {
    const img = kiln.data.decodePng(makePng(2, 1, [0, 1], [1, 0]));
    expect([img.width, img.height]).toEqual([2, 1]);
    expect(Array.from(img.pixels)).toEqual([0, 1]);
    const half = kiln.data.decodePng(makePng(1, 1, [0], [0.5]));
    expect(half.pixels[0]).toBeCloseTo(0.5, 2);
  });

  it('decodes every colour type the same way: 16-bit gray, RGB, and a palette', () => {
    const gray16 = encode({ width: 2, height: 1, data: new Uint16Array([0, 65535]), channels: 1, depth: 16 });
    expect(Array.from(kiln.data.decodePng(gray16).pixels)).toEqual([0, 1]);
    // Pure red, green and blue weigh 0.299, 0.587 and 0.114 (ITU-R BT.601 luma).
    const rgb = encode({ width: 3, height: 1, data: new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255]), channels: 3, depth: 8 });
    const luma = Array.from(kiln.data.decodePng(rgb).pixels);
    [0.299, 0.587, 0.114].forEach((w, i) => expect(luma[i]).toBeCloseTo(w, 6));
    const indexed = encode({ width: 2, height: 2, data: new Uint8Array([0, 1, 1, 0]), channels: 1, depth: 8, palette: [[0, 0, 0], [255, 255, 255]] });
    expect(Array.from(kiln.data.decodePng(indexed).pixels)).toEqual([0, 1, 1, 0]);
  });

  it('shrinks by area averaging and inverts dark ink on light paper to MNIST\'s white on black', () => {
    // 4×4 white page with a black 2×2 block top-left → 2×2 input with one bright cell.
    const px = [0, 0, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1];
    const x = kiln.data.imageToInput(kiln.data.decodePng(makePng(4, 4, px)), [2, 2]);
    expect(x.shape).toEqual([1, 1, 2, 2]);
    expect(x.toArray()).toEqual([[[[1, 0], [0, 0]]]]);
    // Already white on black: left as is.
    const y = kiln.data.imageToInput(kiln.data.decodePng(makePng(2, 2, [1, 0, 0, 0])), [2, 2]);
    expect(y.toArray()).toEqual([[[[1, 0], [0, 0]]]]);
  });

  it('refuses files that are not PNG, damaged PNGs and images smaller than the model', () => {
    expect(() => kiln.data.decodePng(new TextEncoder().encode('GIF89a…'), 'cat.gif')).toThrow('cat.gif: not a PNG file (it does not start with the PNG signature); convert it to PNG first');
    const png = makePng(4, 4, new Array(16).fill(0.5));
    expect(() => kiln.data.decodePng(png.subarray(0, 40))).toThrow(FormatError);
    expect(() => kiln.data.imageToInput(kiln.data.decodePng(makePng(20, 20, new Array(400).fill(0))), [28, 28])).toThrow(ShapeError);
    expect(() => kiln.data.imageToInput(kiln.data.decodePng(makePng(20, 20, new Array(400).fill(0))), [28, 28])).toThrow('image: it is 20×20; the model needs 28×28 or larger (larger images are shrunk)');
  });
});
