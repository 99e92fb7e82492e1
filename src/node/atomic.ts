import * as fs from 'node:fs/promises';

/**
 * Writes a file so that readers see either the old contents or the new, never half: the bytes go
 * to a temporary file beside it, are flushed, and the temporary file is renamed into place.
 */
export async function writeFileAtomic(path: string, contents: Uint8Array | string): Promise<void> {
  const bytes = typeof contents === 'string' ? new TextEncoder().encode(contents) : contents;
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  try {
    const handle = await fs.open(tmp, 'w');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(tmp, path);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}
