// Copies what the library reads at run time beside its compiled modules: src/data/digits.kld →
// dist/data/digits.kld (mnist() finds it with new URL('./digits.kld', import.meta.url)).
import { copyFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
for (const file of ['data/digits.kld']) {
  mkdirSync(dirname(join(root, 'dist', file)), { recursive: true });
  copyFileSync(join(root, 'src', file), join(root, 'dist', file));
}
