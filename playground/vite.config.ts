import { defineConfig } from 'vite';

// The playground's build: a static app in dist/playground that `kiln playground` serves.
// Workers are ES modules (Kiln is imported by the training worker).
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  build: { outDir: '../dist/playground', emptyOutDir: true, target: 'es2022' },
  worker: { format: 'es' },
  resolve: {
    alias: [
      // pngjs needs Node.js streams and zlib; the page never decodes PNG files.
      { find: /^pngjs$/, replacement: new URL('./src/no-pngjs.ts', import.meta.url).pathname },
      // csv-parse's browser build (its default one uses Node's Buffer).
      { find: /^csv-parse\/sync$/, replacement: 'csv-parse/browser/esm/sync' },
    ],
  },
});
