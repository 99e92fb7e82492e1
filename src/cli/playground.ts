import { existsSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server, ServerResponse } from 'node:http';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';
import { DIGITS_FILE, DIGITS_URL } from '../data/mnist.js';
import { ValueError } from '../errors.js';

// `kiln playground`: serves the built browser app (dist/playground, from `npm run build`) on this
// machine only, unless asked otherwise. The headers make the page cross-origin isolated (so the
// training worker gets shared memory and threads) and forbid fetching anything from elsewhere.

const APP = fileURLToPath(new URL('../playground', import.meta.url));
/** The package's one copy of the digits (dist/data), served at the app's root for its digits tab. */
const DIGITS_PATH = `/${DIGITS_FILE}`;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

const HEADERS: Record<string, string> = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Content-Security-Policy': [
    "default-src 'self'", "script-src 'self' 'wasm-unsafe-eval' blob:", "worker-src 'self' blob:",
    "style-src 'self' 'unsafe-inline'", "img-src 'self' data: blob:", "connect-src 'self'",
  ].join('; '),
  'X-Content-Type-Options': 'nosniff',
};

function sendDigits(res: ServerResponse, digits: Uint8Array): void {
  for (const [k, v] of Object.entries(HEADERS)) res.setHeader(k, v);
  res.setHeader('Content-Type', 'application/octet-stream');
  res.setHeader('Content-Length', digits.length);
  res.setHeader('Cache-Control', 'max-age=86400');
  res.end(digits);
}

export interface PlaygroundOptions { port: number; host: string; allowRemote: boolean }

/** Starts the server; resolves once it listens, with its address and a way to stop it. */
export async function servePlayground(o: PlaygroundOptions): Promise<{ url: string; server: Server }> {
  if (!LOOPBACK.has(o.host) && !o.allowRemote) {
    throw new ValueError(`playground: refusing to listen on ${o.host}: it serves this machine only (127.0.0.1); add --allow-remote to open it to other machines`);
  }
  if (!existsSync(`${APP}/index.html`)) throw new ValueError(`playground: the app is not built (no ${APP}/index.html); run npm run build`);
  const files = sirv(APP, { dev: false, etag: true, setHeaders: (res) => { for (const [k, v] of Object.entries(HEADERS)) res.setHeader(k, v); } });
  const digits = await readFile(DIGITS_URL);
  const server = createServer((req, res) => req.url === DIGITS_PATH ? sendDigits(res, digits) : files(req, res, () => {
    res.statusCode = 404;
    for (const [k, v] of Object.entries(HEADERS)) res.setHeader(k, v);
    res.end('not found');
  }));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(e.code === 'EADDRINUSE' ? new ValueError(`playground: port ${o.port} on ${o.host} is in use; choose another with --port`) : e));
    server.listen(o.port, o.host, resolve);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : o.port;
  const shown = o.host.includes(':') ? `[${o.host}]` : o.host;
  return { url: `http://${shown}:${port}/`, server };
}

export async function playgroundCommand(o: PlaygroundOptions): Promise<void> {
  const { url } = await servePlayground(o);
  console.log(`Kiln playground: ${url}  (Ctrl+C stops it)`);
}
