import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../helpers.js';

// kill -9 during training, then --resume: on the js backend with the same seed, the resumed run
// ends with the same weights, bit for bit, as a run that was never interrupted.

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'dist', 'cli', 'main.js');
const kiln = (await import(join(root, 'dist', 'node', 'index.js'))) as typeof import('../../src/node/index.js');
const ARGS = ['train', 'moons', '--epochs', '60', '--batch-size', '1', '--hidden', '8', '--keep-prob', '0.9', '--lr-decay', '0.05', '--test-split', '0.2'];

/** Runs the CLI on the js backend; resolves with its exit code (null when killed). */
function train(extra: string[], killWhen?: () => boolean): Promise<number | null> {
  const child = spawn(process.execPath, [cli, ...ARGS, ...extra], { env: { ...process.env, KILN_BACKEND: 'js' }, stdio: 'ignore' });
  if (killWhen) {
    const poll = setInterval(() => { if (killWhen()) { clearInterval(poll); child.kill('SIGKILL'); } }, 5);
    child.once('exit', () => clearInterval(poll));
  }
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** The epoch a checkpoint file holds, or 0 while there is none. */
function checkpointEpoch(dir: string): number {
  const file = join(dir, kiln.CHECKPOINT_FILE);
  if (!existsSync(file)) return 0;
  const { metadata } = kiln.deserializeModelFile(new Uint8Array(readFileSync(file)));
  return (metadata['kiln.checkpoint'] as { epoch: number }).epoch;
}

const weightsOf = async (dir: string): Promise<number[]> => (await kiln.load(dir)).parameters().flatMap((p) => Array.from(p.values));

describe('resume after a crash', () => {
  it('a run killed with -9 and resumed from its checkpoint ends with the uninterrupted run\'s weights, bit for bit', async () => {
    const dir = tempDir('kiln-resume-');
    expect(await train(['--save', join(dir, 'whole')])).toBe(0);
    const ckpt = join(dir, 'ckpt');
    expect(await train(['--checkpoint', ckpt], () => checkpointEpoch(ckpt) >= 5)).toBeNull(); // killed
    const at = checkpointEpoch(ckpt);
    expect(at).toBeGreaterThanOrEqual(5);
    expect(at).toBeLessThan(60);
    expect(await train(['--checkpoint', ckpt, '--resume', '--save', join(dir, 'resumed')])).toBe(0);
    expect(checkpointEpoch(ckpt)).toBe(60);
    expect(await weightsOf(join(dir, 'resumed'))).toEqual(await weightsOf(join(dir, 'whole')));
  }, 180_000);
});
