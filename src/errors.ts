/**
 * Kiln's errors. Every error Kiln throws is a `KilnError`; its kind says what went wrong and its
 * message names the op, what it got and what it expected, e.g.
 * `matmul: cannot multiply [64, 784] by [128, 10]: inner sizes 784 and 128 differ`.
 */
export class KilnError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** A tensor had the wrong number of dimensions or sizes that do not fit together. */
export class ShapeError extends KilnError {}

/** A tensor had a dtype the op cannot take (e.g. float labels where int32 class indices are needed). */
export class DTypeError extends KilnError {}

/** A value is out of range or not finite: a negative learning rate, NaN in data, a label ≥ classes. */
export class ValueError extends KilnError {}

/** A file or text is not in the expected format: a broken CSV, a truncated or hostile model file. */
export class FormatError extends KilnError {}

/** Formats a shape the way messages show it: `[64, 784]`. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
