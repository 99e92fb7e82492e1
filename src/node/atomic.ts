import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import { FormatError } from '../errors.js';

// Writes that a crash cannot leave half done, and the lock and clean-up that let several writers
// share a directory.

/** A temporary name beside `path` that no other writer uses: the process id and random bytes. */
export function temporaryName(path: string): string {
  return `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
}

/** The process id inside a temporary name, or null when the name is not one. */
function writerOf(name: string): number | null {
  const m = /\.tmp-(\d+)-[0-9a-f]+$/.exec(name);
  return m ? Number(m[1]) : null;
}

/** Whether a process with this id runs on this machine. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** A file-system fault as a FormatError that names the path and what to do. */
export function fileError(what: string, path: string, e: unknown): FormatError {
  const err = e as NodeJS.ErrnoException;
  const hint = {
    EEXIST: 'a file is in the way of a directory: choose another path or move the file',
    ENOTDIR: 'a part of the path is a file, not a directory: choose another path',
    EACCES: 'permission denied: choose a path you can write to',
    EPERM: 'permission denied: choose a path you can write to',
    ENOSPC: 'the disk is full: free some space',
    EROFS: 'the file system is read-only: choose another path',
    EISDIR: 'the path is a directory: give a file name',
  }[err.code ?? ''] ?? 'check the path';
  return new FormatError(`${what}: cannot write ${path}: ${err.code ?? err.message}; ${hint}`);
}

/**
 * Writes a file so that readers see either the old contents or the new, never half: the bytes go
 * to a temporary file of this writer's own beside it, are flushed, and it is renamed into place
 * (concurrent writers each rename a whole file: the last one wins).
 */
export async function writeFileAtomic(path: string, contents: Uint8Array | string, what = 'write'): Promise<void> {
  await renameIntoPlace(await writeTemporary(path, contents, what), path, what);
}

/** Writes and flushes `contents` under a temporary name of this writer's own beside `path`; returns it. */
export async function writeTemporary(path: string, contents: Uint8Array | string, what = 'write'): Promise<string> {
  const bytes = typeof contents === 'string' ? new TextEncoder().encode(contents) : contents;
  const tmp = temporaryName(path);
  try {
    const handle = await fs.open(tmp, 'w');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    return tmp;
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw fileError(what, path, e);
  }
}

/** Renames a temporary file over `path` in one step (removing the temporary if that fails). */
export async function renameIntoPlace(tmp: string, path: string, what = 'write'): Promise<void> {
  try {
    await fs.rename(tmp, path);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw fileError(what, path, e);
  }
}

/** How long a writer waits for another to release a directory before saying so. */
const LOCK_WAIT_MS = 60_000;

/**
 * Runs `fn` while holding `dir`'s lock: a `.kiln-lock` file holding the process id, created whole
 * in one step (written under a temporary name, then hard-linked to the lock's name, which fails if
 * it exists), so a writer killed at any instant leaves either no lock or one that names it. A lock
 * whose process is gone is taken over.
 */
export async function withDirectoryLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const lock = join(dir, '.kiln-lock');
  const mine = await writeTemporary(lock, String(process.pid), 'save');
  const start = Date.now();
  try {
    for (let wait = 1; ; wait = Math.min(wait * 2, 50)) {
      try {
        await fs.link(mine, lock);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw fileError('save', lock, e);
        const holder = Number(await fs.readFile(lock, 'utf8').catch(() => ''));
        if (holder > 0 && !alive(holder)) await fs.rm(lock, { force: true });
        else if (Date.now() - start > LOCK_WAIT_MS) throw new FormatError(`save: ${dir} is locked by process ${holder} (${lock}); wait for it, or remove the lock if no save is running`);
        else await new Promise((r) => setTimeout(r, wait));
      }
    }
  } finally {
    await fs.rm(mine, { force: true });
  }
  try {
    return await fn();
  } finally {
    await fs.rm(lock, { force: true });
  }
}

/**
 * Removes what killed writers left in `dir`: temporary files whose writer is gone, and files that
 * `isGarbage` names (e.g. weights no model.json points to). Call it holding the directory's lock.
 */
export async function removeLeftovers(dir: string, isGarbage: (name: string) => boolean): Promise<void> {
  for (const name of await fs.readdir(dir)) {
    const writer = writerOf(name);
    if ((writer !== null && !alive(writer)) || (writer === null && isGarbage(name))) await fs.rm(join(dir, name), { force: true });
  }
}

/** `path`'s directory, made if missing (a FormatError naming the path when it cannot be). */
export async function ensureDirectory(path: string, what: string): Promise<void> {
  try {
    await fs.mkdir(path, { recursive: true });
  } catch (e) {
    throw fileError(what, path, e);
  }
  const st = await fs.stat(path).catch(() => null);
  if (!st?.isDirectory()) throw fileError(what, path, Object.assign(new Error(), { code: 'ENOTDIR' }));
}

