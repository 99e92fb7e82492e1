import { encode } from 'fast-png';

/** A PNG of `pixels` (row-major, 0 = black … 1 = white), grayscale or with an alpha channel. */
export function makePng(width: number, height: number, pixels: ArrayLike<number>, alpha?: ArrayLike<number>): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    const v = Math.round(pixels[i]! * 255);
    data[4 * i] = data[4 * i + 1] = data[4 * i + 2] = v;
    data[4 * i + 3] = alpha ? Math.round(alpha[i]! * 255) : 255;
  }
  return encode({ width, height, data, channels: 4, depth: 8 });
}
