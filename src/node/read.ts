import * as fs from 'node:fs/promises';
import { FormatError } from '../errors.js';

/**
 * Reads a whole file (Node.js only). A missing or unreadable file is a FormatError that starts
 * with `what` and ends with `hint` when given: `CSV: cannot read data.csv: ENOENT …`.
 */
export async function readBytes(path: string, what: string, hint = ''): Promise<Uint8Array> {
  try {
    return await fs.readFile(path);
  } catch (e) {
    throw new FormatError(`${what}: cannot read ${path}: ${(e as Error).message}${hint ? `; ${hint}` : ''}`);
  }
}
