import pngjs from 'pngjs';

/** A PNG of `pixels` (row-major, 0 = black … 1 = white), grayscale or with an alpha channel. */
export function makePng(width: number, height: number, pixels: ArrayLike<number>, alpha?: ArrayLike<number>): Uint8Array {
  const png = new pngjs.PNG({ width, height });
  for (let i = 0; i < width * height; i++) {
    const v = Math.round(pixels[i]! * 255);
    png.data[4 * i] = png.data[4 * i + 1] = png.data[4 * i + 2] = v;
    png.data[4 * i + 3] = alpha ? Math.round(alpha[i]! * 255) : 255;
  }
  return pngjs.PNG.sync.write(png);
}
