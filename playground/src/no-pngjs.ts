// Stands in for the `pngjs` package in the playground's bundle (see vite.config.ts): pngjs needs
// Node.js streams and zlib, and the page never decodes PNG files (drawings come from a canvas).
export default {
  PNG: {
    sync: {
      read(): never {
        throw new Error('PNG decoding needs Node.js; in the browser, draw the image on a canvas and use its pixels');
      },
    },
  },
};
