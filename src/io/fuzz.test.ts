import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REFERENCE_DIR } from '../../test/helpers.js';
import * as kiln from '../index.js';
import { KilnError } from '../index.js';

// A seeded fuzzer over model files: thousands of mutants of a saved directory (model.json and its
// weights) and of a one-file model — bit flips, truncations, insertions, and edits of the
// safetensors header and of model.json's fields. Each load must give a model or a KilnError: never
// another error type, a crash, a hang, or an allocation far beyond the file's size.

const { nn } = kiln;
const g = new kiln.Generator(2026);
const int = (n: number): number => g.int(0, n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;

kiln.manualSeed(0);
const model = new nn.Sequential(new nn.Conv2d(1, 2, 3), new nn.BatchNorm2d(2), new nn.ReLU(), new nn.Flatten(), new nn.Linear(8, 3), new nn.PReLU(3));
const oneFile = kiln.serializeModelFile(model, { note: 'fuzz' });
const { json, weights } = kiln.serializeModel(model, { note: 'fuzz' });

/** Bytes with random damage: flipped bits, a cut, or inserted bytes. */
function damageBytes(b: Uint8Array): Uint8Array {
  const out = b.slice();
  switch (int(3)) {
    case 0: for (let k = 1 + int(8); k > 0; k--) { const i = int(out.length); out[i] = out[i]! ^ (1 << int(8)); } return out;
    case 1: return out.subarray(0, int(out.length));
    default: {
      const at = int(out.length), extra = Uint8Array.from({ length: 1 + int(16) }, () => int(256));
      const res = new Uint8Array(out.length + extra.length);
      res.set(out.subarray(0, at)); res.set(extra, at); res.set(out.subarray(at), at + extra.length);
      return res;
    }
  }
}

/** Values that break things: huge, negative, fractional, wrong types, deep. */
const NASTY: unknown[] = [0, -1, 1e9, 2 ** 53, 1e400, 0.5, NaN, '3', null, [], {}, true, [1e9, 1e9], 'Linear', 'Sequential', '../../etc/passwd', 'http://x/w'];

/** A JSON document with one field, somewhere inside, replaced by a nasty value (or removed). */
function editJson(doc: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(doc)) as Record<string, unknown>;
  const paths: [Record<string, unknown> | unknown[], string | number][] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach((x, i) => { paths.push([v, i]); walk(x); });
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) { paths.push([v as Record<string, unknown>, k]); walk(x); }
  };
  walk(copy);
  const [parent, key] = pick(paths);
  if (int(6) === 0 && !Array.isArray(parent)) delete (parent as Record<string, unknown>)[key as string];
  else (parent as Record<string | number, unknown>)[key] = pick(NASTY);
  return copy;
}

/** A one-file model whose safetensors header (or its embedded model.json) was edited. */
function editHeader(bytes: Uint8Array): Uint8Array {
  const n = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, unknown>;
  let edited: unknown;
  if (int(2) === 0) {
    const meta = header.__metadata__ as Record<string, string>;
    edited = { ...header, __metadata__: { ...meta, 'kiln.model': JSON.stringify(editJson(JSON.parse(meta['kiln.model']!))) } };
  } else {
    edited = editJson(header);
  }
  const text = new TextEncoder().encode(JSON.stringify(edited));
  const out = new Uint8Array(8 + text.length + (bytes.length - 8 - n));
  new DataView(out.buffer).setBigUint64(0, BigInt(text.length), true);
  out.set(text, 8);
  out.set(bytes.subarray(8 + n), 8 + text.length);
  return out;
}

/** Runs one load: a model or a KilnError, and nothing allocated far beyond the file. */
function tryLoad(load: () => unknown, size: number): 'ok' | 'refused' {
  const before = process.memoryUsage().arrayBuffers;
  try {
    load();
    return 'ok';
  } catch (e) {
    if (!(e instanceof KilnError)) throw new Error(`a load threw ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    return 'refused';
  } finally {
    // A successful load holds a model as large as its weights; anything far beyond the file is a leak.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024 + 16 * size);
  }
}

describe('the model-file fuzzer', () => {
  it('loads each of 3,000 mutants or refuses it with a KilnError', () => {
    const outcomes = { ok: 0, refused: 0 };
    for (let k = 0; k < 3000; k++) {
      const kind = k % 4;
      let r: 'ok' | 'refused';
      if (kind === 0) { const b = damageBytes(oneFile); r = tryLoad(() => kiln.deserializeModelFile(b, 'm'), b.length); }
      else if (kind === 1) { const b = editHeader(oneFile); r = tryLoad(() => kiln.deserializeModelFile(b, 'm'), b.length); }
      else if (kind === 2) { const t = JSON.stringify(editJson(JSON.parse(json))); r = tryLoad(() => kiln.deserializeModel(t, weights), t.length + weights.length); }
      else { const w = damageBytes(weights); r = tryLoad(() => kiln.deserializeModel(json, w), json.length + w.length); }
      outcomes[r]++;
    }
    console.log(`fuzzer: ${outcomes.ok} mutants loaded, ${outcomes.refused} refused with a KilnError`);
    // Most mutants are refused; some survive (a flipped bit in a weight's value is a valid model).
    expect(outcomes.refused).toBeGreaterThan(1500);
    expect(outcomes.ok).toBeGreaterThan(0);
  }, 120_000);
});

describe('the ONNX fuzzer', () => {
  it('imports each of 1,500 mutants of PyTorch-exported files, or refuses it with a KilnError', async () => {
    const files = ['every-op-opset13.onnx', 'tiny-resnet-opset17.onnx'].map((f) => new Uint8Array(readFileSync(join(REFERENCE_DIR, 'interop', f))));
    const outcomes = { ok: 0, refused: 0 };
    for (let k = 0; k < 1500; k++) {
      const b = damageBytes(files[k % 2]!);
      try {
        const { model } = await kiln.importOnnx(b, 'm');
        expect(model.parameters().reduce((n, p) => n + p.size, 0)).toBeLessThan(64 * b.length);
        outcomes.ok++;
      } catch (e) {
        if (!(e instanceof KilnError)) throw new Error(`mutant ${k}: ${(e as Error).constructor.name}: ${(e as Error).message}`);
        outcomes.refused++;
      }
    }
    console.log(`ONNX fuzzer: ${outcomes.ok} mutants imported, ${outcomes.refused} refused with a KilnError`);
    expect(outcomes.refused).toBeGreaterThan(500);
  }, 120_000);
});
