import { FormatError } from '../errors.js';

/**
 * Where bytes can come from, on every platform: bytes in memory, a `Blob` or `File` (an upload, a
 * drop), a fetch `Response`, or a URL (a string is a URL too: relative to the page in a browser).
 * `file:` URLs are read from disk in Node.js; file paths are the Node entry's (`kiln-ml/node`).
 */
export type ByteSource = Uint8Array | ArrayBuffer | Blob | Response | URL | string;

/** A URL in `source`'s own form, or null when it is not a URL (bytes, a Blob, a Response). */
export function sourceUrl(source: ByteSource): URL | string | null {
  return source instanceof URL || typeof source === 'string' ? source : null;
}

/** A name for `source` in messages: its URL, a File's name, or what it is. */
export function describeSource(source: ByteSource): string {
  if (source instanceof URL) return source.href;
  if (typeof source === 'string') return source;
  if (typeof File !== 'undefined' && source instanceof File) return source.name;
  if (source instanceof Uint8Array || source instanceof ArrayBuffer) return `${source.byteLength} bytes`;
  return source instanceof Response ? `a response from ${source.url || 'fetch'}` : 'a Blob';
}

/**
 * The whole content of `source`. `what` starts each message (`load`, `CSV`): a URL that cannot be
 * fetched, a failed response or an unreadable file is a FormatError that names it.
 */
export async function readSource(source: ByteSource, what: string): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (typeof Blob !== 'undefined' && source instanceof Blob) return new Uint8Array(await source.arrayBuffer());
  if (typeof Response !== 'undefined' && source instanceof Response) return responseBytes(source, what);
  const url = sourceUrl(source);
  if (url === null) {
    throw new FormatError(`${what}: cannot read ${Object.prototype.toString.call(source)}; pass bytes (Uint8Array or ArrayBuffer), a Blob or File, a Response or a URL`);
  }
  if (fileUrl(url)) return readFileUrl(new URL(url), what);
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    const hint = globalThis.process?.versions?.node
      ? '; to read a file by path in Node.js, import the same function from "kiln-ml/node"'
      : '';
    throw new FormatError(`${what}: cannot fetch ${String(url)}: ${(e as Error).message}${hint}`);
  }
  return responseBytes(response, what);
}

function fileUrl(url: URL | string): boolean {
  return url instanceof URL ? url.protocol === 'file:' : url.startsWith('file:');
}

async function responseBytes(response: Response, what: string): Promise<Uint8Array> {
  if (!response.ok) throw new FormatError(`${what}: fetching ${response.url || 'the URL'} failed: ${response.status} ${response.statusText}`.trimEnd());
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * A `file:` URL's bytes, through Node's fs reached at run time (process.getBuiltinModule), so that
 * no bundle for the browser sees an import of a Node module.
 */
async function readFileUrl(url: URL, what: string): Promise<Uint8Array> {
  const fs = globalThis.process?.getBuiltinModule?.('node:fs/promises') as typeof import('node:fs/promises') | undefined;
  if (!fs) throw new FormatError(`${what}: cannot read ${url.href}: file: URLs are read in Node.js 20.16 or later only; serve the file and pass its http(s) URL`);
  try {
    return new Uint8Array(await fs.readFile(url));
  } catch (e) {
    throw new FormatError(`${what}: cannot read ${url.href}: ${(e as Error).message}`);
  }
}

/** gzip's first two bytes. */
const GZIP_MAGIC = [0x1f, 0x8b] as const;

/**
 * `bytes` inflated when they are gzip (by the platform's DecompressionStream, in browsers and Node
 * alike), else as they are: a server may already have undone the compression in transit.
 */
export async function gunzipIfCompressed(bytes: Uint8Array, what: string): Promise<Uint8Array> {
  if (bytes[0] !== GZIP_MAGIC[0] || bytes[1] !== GZIP_MAGIC[1]) return bytes;
  try {
    const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (e) {
    throw new FormatError(`${what}: the compressed data is damaged or truncated: ${(e as Error).message}`);
  }
}
