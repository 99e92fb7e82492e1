import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { worstRelativeError } from '../helpers.js';

// The README's "past one machine" example, run as a user would (`node examples/node/onnx.mjs`):
// a trained LeNet-5 served by ONNX Runtime with Kiln's answers, its weights loaded by PyTorch
// (where Debian's python3-torch is) with the same outputs as the ONNX file, and the ONNX file
// back in Kiln, training on.

const root = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const run = promisify(execFile);
const ort = createRequire(import.meta.url)('onnxruntime-node') as typeof import('onnxruntime-node');
const torchHere = spawnSync('/usr/bin/python3', ['-c', 'import torch'], { encoding: 'utf8' }).status === 0;

describe('examples/node/onnx.mjs', () => {
  // One folder for both tests: the second reads what the example wrote.
  const out = mkdtempSync(join(tmpdir(), 'kiln-onnx-example-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));
  it('trains LeNet-5, which ONNX Runtime serves with Kiln\'s answers, and imports it back to train on', async () => {
    const { stdout } = await run(process.execPath, [join(root, 'examples', 'node', 'onnx.mjs'), out], { cwd: root });
    const served = /ONNX Runtime on 2004 test digits: ([\d.]+)% right, the same answer as Kiln on (\d+) of 2004/.exec(stdout);
    expect(served, stdout).not.toBeNull();
    expect(Number(served![1])).toBeGreaterThan(90);
    expect(Number(served![2])).toBe(2004);
    expect(Number(/trained one more epoch: ([\d.]+)% right/.exec(stdout)![1])).toBeGreaterThan(90);
  }, 120_000);

  it.runIf(torchHere)('its weights load into the same network in PyTorch, which gives the ONNX file\'s outputs', async () => {
    const x = Float32Array.from({ length: 4 * 784 }, (_, i) => Math.abs(Math.sin(i * 12.9898)) % 1);
    const session = await ort.InferenceSession.create(join(out, 'lenet5.onnx'));
    const onnx = Array.from((await session.run({ input: new ort.Tensor('float32', x, [4, 1, 28, 28]) })).output!.data as Float32Array);
    writeFileSync(join(out, 'x.json'), JSON.stringify(Array.from(x)));
    // What the README shows, with Debian's torch (no safetensors package there: the file is read by
    // the interop script's reader, the format safetensors.torch.load_file reads).
    const python = [
      'import importlib.util, json, sys, torch',
      'from torch import nn',
      `spec = importlib.util.spec_from_file_location('interop', ${JSON.stringify(join(root, 'scripts', 'make-interop-reference.py'))}); m = importlib.util.module_from_spec(spec); spec.loader.exec_module(m)`,
      'model = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),',
      '                      nn.Flatten(), nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))',
      'model.load_state_dict(m.load_safetensors(sys.argv[1] + "/lenet5.safetensors"))',
      'x = torch.tensor(json.load(open(sys.argv[1] + "/x.json"))).reshape(4, 1, 28, 28)',
      'with torch.no_grad(): print(json.dumps(model.eval()(x).flatten().tolist()))',
    ].join('\n');
    const r = spawnSync('/usr/bin/python3', ['-c', python, out], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    const torch = JSON.parse(r.stdout) as number[];
    expect(torch).toHaveLength(40);
    expect(worstRelativeError(onnx, torch)).toBeLessThan(1e-5);
    expect(readFileSync(join(out, 'lenet5.safetensors')).length).toBeGreaterThan(61706 * 4);
  }, 60_000);
});
