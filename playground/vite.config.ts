import { defineConfig } from 'vite';

// The playground's build: a static app in dist/playground that `kiln playground` serves. It imports
// Kiln by its package name, as any app would, with no aliases. Workers are ES modules (Kiln is
// imported by the training worker).
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  build: { outDir: '../dist/playground', emptyOutDir: true, target: 'es2022' },
  worker: { format: 'es' },
});
