import * as fs from 'node:fs/promises';
import { join } from 'node:path';
import type { Checkpointer } from '../train/checkpoint.js';
import { checkInt, checkOptions } from '../validate.js';
import { ensureDirectory, fileError, writeFileAtomic } from './atomic.js';

/** The checkpoint's file in its directory. */
export const CHECKPOINT_FILE = 'checkpoint.safetensors';

/**
 * `fit`'s checkpoints in a directory: `dir/checkpoint.safetensors`, replaced all or nothing every
 * `every` epochs (default 1). It is a one-file model too: `kiln.load` reads the weights from it.
 * @example await kiln.fit(model, train, { …, checkpoint: kiln.checkpointDir('ckpt'), resume: true });
 */
export function checkpointDir(dir: string, options: { every?: number } = {}): Checkpointer {
  checkOptions('checkpointDir', options, ['every']);
  const every = checkInt('checkpointDir', 'every', options.every ?? 1);
  const file = join(dir, CHECKPOINT_FILE);
  return {
    every,
    async save(bytes) {
      await ensureDirectory(dir, 'checkpoint');
      await writeFileAtomic(file, bytes, 'checkpoint');
    },
    async load() {
      try {
        return new Uint8Array(await fs.readFile(file));
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
        throw fileError('checkpoint', file, e);
      }
    },
  };
}
