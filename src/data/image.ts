import { convertIndexedToRgb, decode } from 'fast-png';
import { FormatError, ShapeError } from '../errors.js';
import { noGrad } from '../autograd/tape.js';
import { adaptiveAvgPool2d } from '../ops/pool.js';
import { Tensor } from '../tensor/tensor.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** A grayscale image: `pixels` row-major in [0, 1], 0 black. */
export interface GrayImage { width: number; height: number; pixels: Float32Array }

/**
 * Decodes a PNG (any bit depth or colour type, palettes included, via fast-png: the same code in
 * Node.js and browsers) to grayscale in [0, 1]. Transparent pixels are composited over white, as
 * viewers show them.
 * @example const img = kiln.data.decodePng(new Uint8Array(await file.arrayBuffer()), file.name);
 */
export function decodePng(bytes: Uint8Array, what = 'image'): GrayImage {
  if (bytes.length < 8 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) {
    throw new FormatError(`${what}: not a PNG file (it does not start with the PNG signature); convert it to PNG first`);
  }
  let png: ReturnType<typeof decode>;
  try {
    png = decode(bytes);
  } catch (e) {
    throw new FormatError(`${what}: the PNG is damaged or truncated: ${(e as Error).message}`);
  }
  const { width, height } = png;
  // Indexed colour becomes RGB(A); then channels are gray, gray+alpha, RGB or RGBA at 8 or 16 bits.
  const data = png.palette ? convertIndexedToRgb(png) : png.data;
  const channels = png.palette ? data.length / (width * height) : png.channels;
  const max = png.palette ? 255 : 2 ** png.depth - 1;
  const n = width * height;
  if (data.length < n * channels) throw new FormatError(`${what}: the PNG is damaged or truncated: ${data.length} samples for ${width}×${height}×${channels}`);
  const pixels = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const at = i * channels;
    const gray = channels >= 3
      ? (0.299 * data[at]! + 0.587 * data[at + 1]! + 0.114 * data[at + 2]!) / max
      : data[at]! / max;
    const alpha = channels === 2 || channels === 4 ? data[at + channels - 1]! / max : 1;
    pixels[i] = gray * alpha + (1 - alpha);
  }
  return { width, height, pixels };
}

/**
 * An image as a model input [1, 1, H, W] in MNIST's convention, white ink on black: it is
 * shrunk by area averaging to H×W (it must be at least that large), and inverted when its
 * background is light (dark ink on paper).
 */
export function imageToInput(img: GrayImage, [H, W]: readonly [number, number]): Tensor {
  if (img.width < W || img.height < H) {
    throw new ShapeError(`image: it is ${img.width}×${img.height}; the model needs ${W}×${H} or larger (larger images are shrunk)`);
  }
  let sum = 0;
  for (const v of img.pixels) sum += v;
  const lightBackground = sum / img.pixels.length > 0.5;
  const pixels = lightBackground ? img.pixels.map((v) => 1 - v) : img.pixels;
  const t = new Tensor(pixels, [1, 1, img.height, img.width]);
  return noGrad(() => adaptiveAvgPool2d(t, [H, W]));
}
