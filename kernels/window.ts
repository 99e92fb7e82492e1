// The geometry of a 2-D window (convolution or pooling) over NCHW data, as one struct of i32
// fields in the kernels' memory: what src/backend/wasm/window.ts writes from a Window2d, in the
// same order (its test checks the count against windowFields()). Kernels take one pointer to it
// instead of a dozen scalars (as XNNPACK's params do).

export const enum Win { N, C, H, W, KH, KW, OH, OW, SH, SW, PH, PW, DH, DW, SIZE }

/** Field `f` of the window at `g`. */
// @ts-ignore: decorator
@inline
export function win(g: usize, f: Win): i32 {
  return load<i32>(g + (<usize>f << 2));
}

/** How many i32 fields a window has. */
export function windowFields(): i32 {
  return Win.SIZE;
}
