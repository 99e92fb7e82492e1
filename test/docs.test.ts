import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { transformSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { tempDir } from './helpers.js';

// Every ```ts block of the docs runs against the built package; console.assert must hold.
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const entry = (path: string): string => pathToFileURL(join(root, 'dist', path)).href;
const run = promisify(execFile);
const PRELUDE = "console.assert = (ok, ...msg) => { if (!ok) throw new Error('assertion failed ' + msg.join(' ')); };\n";

for (const doc of ['docs/course.md', 'README.md']) {
  const text = readFileSync(join(root, doc), 'utf8');
  const blocks = [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
  describe(`${doc} snippets run`, () => {
    it('has snippets', () => expect(blocks.length).toBeGreaterThan(0));
    blocks.forEach((code, i) => {
      const title = code.split('\n').find((l) => !l.startsWith('import') && l.trim())!.slice(0, 60);
      it(`#${i + 1}: ${title}`, async () => {
        const linked = code.replaceAll("from 'kiln-ml/node'", `from '${entry('node/index.js')}'`).replaceAll("from 'kiln-ml'", `from '${entry('index.js')}'`);
        const js = transformSync(linked, { loader: 'ts', format: 'esm' }).code;
        const dir = tempDir('kiln-doc-');
        const file = join(dir, 'snippet.mjs');
        writeFileSync(file, PRELUDE + js);
        // TMPDIR points inside the test's own directory, so whatever a snippet writes is removed with it.
        await run(process.execPath, [file], { cwd: root, env: { ...process.env, TMPDIR: dir } });
      });
    });
  });
}

describe('the API reference', () => {
  it('builds from the doc comments with no warnings (npm run docs; warnings are errors)', async () => {
    const typedoc = join(root, 'node_modules', 'typedoc', 'bin', 'typedoc');
    const { stdout, stderr } = await run(process.execPath, [typedoc, '--emit', 'none'], { cwd: root });
    expect(`${stdout}${stderr}`).not.toMatch(/warning|error/i);
  }, 120_000);
});
