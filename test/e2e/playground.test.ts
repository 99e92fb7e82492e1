import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAVE_CHROMIUM, launchChromium } from '../browser.js';
import { tempDir } from '../helpers.js';
import { STATED_ACCURACY, STATED_EPOCHS, STATED_LOSS } from '../playground-defaults.js';

// The playground in a real Chromium (Debian's, installed by .ci/run), served by `kiln playground`
// from the built app, driven by Playwright.

const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = join(root, 'dist', 'cli', 'main.js');
const kiln = (await import(join(root, 'dist', 'node', 'index.js'))) as typeof import('../../src/node/index.js');

let server: ChildProcess;
let url = '';
let browser: Browser;

/** A fresh page at the playground with these query parameters, failing the test on any page error. */
async function open(query = '', viewport = { width: 1400, height: 1000 }): Promise<Page> {
  const page = await browser.newPage({ viewport, acceptDownloads: true });
  page.on('pageerror', (e) => { throw e; });
  await page.goto(`${url}${query}`);
  return page;
}

/** Plays until the epoch counter reaches `epochs`, then pauses; returns the first and last training loss. */
async function trainTo(page: Page, epochs: number): Promise<[number, number]> {
  await page.selectOption('#speed', '10');
  await page.click('#play');
  await page.waitForFunction((n) => Number(document.getElementById('epoch')!.dataset.epoch) >= n, epochs, { timeout: 60_000 });
  await page.click('#play');
  const d = await page.locator('#loss-chart').evaluate((el) => [Number(el.dataset.firstLoss), Number(el.dataset.lastLoss)]);
  return d as [number, number];
}

describe.runIf(HAVE_CHROMIUM)('the playground in Chromium', () => {
  beforeAll(async () => {
    server = spawn(process.execPath, [cli, 'playground', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    url = await new Promise<string>((resolve, reject) => {
      server.stdout!.on('data', (d: Buffer) => { const m = /http:\/\/\S+/.exec(String(d)); if (m) resolve(m[0]); });
      server.once('exit', (code) => reject(new Error(`kiln playground exited with ${code}`)));
    });
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    server?.kill();
  });

  it('serves a cross-origin-isolated page that fetches nothing from elsewhere', async () => {
    const page = await open();
    const requested: string[] = [];
    page.on('request', (r) => requested.push(r.url()));
    await page.reload();
    await page.waitForSelector('#plot svg[data-chart="curve"]');
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    // Kiln runs in the worker on the wasm backend, with its thread pool working.
    await page.waitForFunction(() => document.getElementById('backend')!.textContent !== '');
    expect(await page.textContent('#backend')).toMatch(/^Kiln wasm: SIMD( \+ relaxed SIMD)?, \d+ threads?$/);
    expect(requested.filter((u) => !u.startsWith(url) && !u.startsWith('blob:') && !u.startsWith('data:'))).toEqual([]);
    await page.close();
  });

  it("trains the beans as the course does: 5,000 epochs, redrawn every 100, then it stops; the curve fits them", async () => {
    const page = await open();
    await page.waitForSelector('#plot svg[data-chart="curve"]');
    expect(await page.inputValue('#speed')).toBe('100');
    expect(await page.inputValue('#epochs')).toBe('5000');
    expect(await page.isVisible('#noise')).toBe(false); // the beans have no noise setting
    const headerBefore = await page.locator('header').boundingBox();
    await page.click('#play');
    // Pause, in a glyph every system font has (⏸ drew a missing-glyph box), and a header that keeps its layout.
    await page.waitForFunction(() => Number(document.getElementById('epoch')!.dataset.epoch) > 0);
    expect(await page.textContent('#play')).toBe('▮▮ Pause');
    expect((await page.locator('header').boundingBox())!.height).toBe(headerBefore!.height);
    // Play stops by itself at the course's 5,000 epochs.
    await page.waitForFunction(() => document.getElementById('epoch')!.dataset.epoch === '5000' && /Play/.test(document.getElementById('play')!.textContent!), undefined, { timeout: 90_000 });
    const [first, last] = await page.locator('#loss-chart').evaluate((el) => [Number(el.dataset.firstLoss), Number(el.dataset.lastLoss)]);
    expect(last).toBeLessThan(first / 2);
    expect(await page.locator('#plot svg[data-chart="curve"] path').getAttribute('d')).toMatch(/^M[\d.]+,[\d.]+(L[\d.]+,[\d.]+){100,}/);
    expect(await page.locator('#plot svg circle').count()).toBe(100);
    expect(await page.textContent('#data-info')).toBe("100 training examples, no test set (the test figures are the training set's), 2 classes");
    // the views that follow training: neurons, weights, activation, explain
    expect(await page.locator('#neurons canvas').count()).toBe(2);
    expect(await page.locator('#network line.edge').count()).toBe(4);
    expect(await page.locator('#activation svg[data-chart="activation"] path').count()).toBeGreaterThanOrEqual(2);
    // The explain panel: each equation typeset (MathML), then its numbers; the mini-batch view has m columns.
    const equations = await page.locator('#explain math').allTextContents();
    expect(equations).toContain('Z[1]=W[1]X+b[1]');
    expect(equations).toContain('dZ[2]=2(A[2]−Y)∗g[2]′(Z[2])\u00a0(sigmoid′)');
    expect(equations).toContain('dW[1]=1mdZ[1]XT');
    expect(equations).toContain('dZ[1]=W[2]TdZ[2]∗g[1]′(Z[1])\u00a0(sigmoid′)');
    expect(await page.textContent('#explain p')).toMatch(/training example 1 \(m = 1\)/);
    await page.fill('#explain-example', '7');
    await page.dispatchEvent('#explain-example', 'change');
    await page.waitForFunction(() => /training example 7 \(m = 1\)/.test(document.querySelector('#explain p')!.textContent!));
    await page.selectOption('#explain-of', 'batch');
    await page.waitForFunction(() => /the first mini-batch, m = 1 examples/.test(document.querySelector('#explain p')!.textContent!));
    await page.close();
  });

  it('fits a 390 px phone: the controls above the views, nothing wider than the screen, while it trains', async () => {
    const page = await open('?dataset=flower', { width: 390, height: 844 });
    await page.waitForSelector('#plot svg[data-chart="boundary"]');
    await page.click('#play');
    await page.waitForFunction(() => Number(document.getElementById('epoch')!.dataset.epoch) > 50);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    const [controls, views] = [await page.locator('#controls').boundingBox(), await page.locator('#views').boundingBox()];
    expect(views!.y).toBeGreaterThan(controls!.y + controls!.height - 1);
    await page.click('#play');
    await page.close();
  });

  it('keeps drawing frames while an 8-8-8 network trains on the spirals', async () => {
    const page = await open('?dataset=spirals&hidden=8t-8t-8t');
    await page.waitForSelector('#plot svg[data-chart="boundary"]');
    await page.selectOption('#speed', '10');
    await page.click('#play');
    await page.waitForFunction(() => Number(document.getElementById('epoch')!.dataset.epoch) > 20);
    const count = async (): Promise<[number, number, number]> => [
      Number(await page.getAttribute('#plot', 'data-frames')), Number(await page.getAttribute('#plot', 'data-draws')), Number(await page.getAttribute('#epoch', 'data-epoch')),
    ];
    const [f0, d0, e0] = await count();
    await page.waitForTimeout(3000);
    const [f1, d1, e1] = await count();
    await page.click('#play');
    console.log(`playground, 8-8-8 on the spirals: ${f1 - f0} frames and ${d1 - d0} boundary redraws in 3 s while ${e1 - e0} epochs trained`);
    // Frames keep coming and the boundary keeps moving while it trains (no rate is asserted).
    expect(f1 - f0).toBeGreaterThan(10);
    expect(d1 - d0).toBeGreaterThan(5);
    expect(e1).toBeGreaterThan(e0);
    await page.close();
  });

  it("each data set's defaults reach the README's figures in the page: test accuracy, or test loss for regression", async () => {
    const reached: Record<string, number> = {};
    for (const ds of [...Object.keys(STATED_ACCURACY), ...Object.keys(STATED_LOSS)]) {
      // epochs=N: Play stops by itself after N epochs.
      const page = await open(`?dataset=${ds}&epochs=${STATED_EPOCHS}`);
      await page.waitForSelector('#plot svg[data-chart="boundary"]');
      await page.selectOption('#speed', '10');
      await page.click('#play');
      await page.waitForFunction((n) => Number(document.getElementById('epoch')!.dataset.epoch) === n && /Play/.test(document.getElementById('play')!.textContent!), STATED_EPOCHS, { timeout: 60_000 });
      reached[ds] = Number(await page.getAttribute(ds in STATED_LOSS ? '#test-loss' : '#test-acc', 'data-value'));
      await page.close();
    }
    for (const [ds, acc] of Object.entries(STATED_ACCURACY)) expect(reached[ds], ds).toBeGreaterThanOrEqual(acc - 1e-9);
    for (const [ds, loss] of Object.entries(STATED_LOSS)) expect(reached[ds], ds).toBeLessThanOrEqual(loss);
  }, 240_000);

  it('trains the flower with the settings in the URL, drawing the decision boundary', async () => {
    const page = await open('?dataset=flower&samples=400&hidden=5t-3r&optimizer=adam&lr=0.03&batch=mini&batchSize=64&l1=0.01');
    await page.waitForSelector('#plot svg[data-chart="boundary"]');
    expect(await page.isVisible('#noise')).toBe(true);
    expect(await page.inputValue('#l1')).toBe('0.01'); // L1 beside L2, in the URL like every setting
    // the 80 held-out points (20% of 400) drawn as rings, apart from the 320 filled training points
    expect(await page.locator('#plot svg circle.test').count()).toBe(80);
    expect(await page.locator('#plot svg circle:not(.test)').count()).toBe(320);
    expect(await page.locator('#layers .layer').count()).toBe(2);
    expect(await page.inputValue('#layers .layer:nth-child(2) .units')).toBe('3');
    // one activation chart (g and g′) per activation the layers use: tanh and ReLU
    expect(await page.locator('#activation svg[data-chart="activation"]').count()).toBe(2);
    const [first, last] = await trainTo(page, 100);
    expect(last).toBeLessThan(first * 0.75);
    // The boundary: a canvas shaded by the model's confidence (white where unsure), both classes' colours on it.
    const colours = (): Promise<number> => page.locator('#boundary').evaluate((c) => {
      const cv = c as HTMLCanvasElement;
      const d = cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data;
      const seen = new Set<number>();
      for (let i = 0; i < d.length; i += 4) seen.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
      return seen.size;
    });
    expect(await page.isVisible('#boundary')).toBe(true);
    expect(await colours()).toBeGreaterThan(50);
    const [left, right] = await page.locator('#boundary').evaluate((c) => {
      const cv = c as HTMLCanvasElement;
      const px = (x: number) => Array.from(cv.getContext('2d')!.getImageData(x, cv.height >> 1, 1, 1).data.subarray(0, 3));
      return [px(4), px(cv.width >> 1)];
    });
    expect(left).not.toEqual(right);
    // The network diagram: a heatmap in each input and hidden unit (2 + 5 + 3), enlarged on hover;
    // an edge shows its weight on hover, and a click sets it (training paused: the diagram redraws with it).
    expect(await page.locator('#network canvas.node').count()).toBe(10);
    await page.hover('#network canvas.node >> nth=3');
    await page.waitForFunction(() => /matrix\(4,/.test(getComputedStyle(document.querySelectorAll('#network canvas.node')[3]!).transform));
    expect(await page.locator('#network g.edge-hit >> nth=0').locator('title').textContent()).toMatch(/^W\[1\]\[1,1\] = -?[\d.]+(e-?\d+)? \(click or Enter to change\)$/);
    await page.mouse.move(0, 0); // the enlarged unit shrinks back, uncovering the edges
    await page.waitForFunction(() => Number(/matrix\(([\d.]+)/.exec(getComputedStyle(document.querySelectorAll('#network canvas.node')[3]!).transform)?.[1] ?? 1) < 1.01);
    await page.locator('#network g.edge-hit >> nth=0').click({ force: true });
    await page.fill('#network input.weight-edit', '2.5');
    await page.press('#network input.weight-edit', 'Enter');
    await page.waitForFunction(() => document.querySelector<SVGGElement>('#network g.edge-hit')!.dataset.value === '2.5');
    // By keyboard: Tab reaches the edges, Enter opens the editor, Enter sets it; the focus comes back to the edge.
    await page.focus('#network g.edge-hit >> nth=1');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Control+a');
    await page.keyboard.type('-1.5');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelectorAll<SVGGElement>('#network g.edge-hit')[1]!.dataset.value === '-1.5');
    await page.waitForFunction(() => (document.activeElement as HTMLElement | null)?.dataset?.value === '-1.5');
    // Discretize: every pixel is one of the classes' two colours; Show test data off: no rings. Both in the URL.
    await page.click('#discretize');
    await page.waitForFunction(() => location.search.includes('discretize=true'));
    await page.waitForFunction(async () => {
      const cv = document.getElementById('boundary') as HTMLCanvasElement;
      const d = cv.getContext('2d')!.getImageData(0, 0, cv.width, cv.height).data;
      const seen = new Set<number>();
      for (let i = 0; i < d.length; i += 4) seen.add((d[i]! << 16) | (d[i + 1]! << 8) | d[i + 2]!);
      return seen.size === 2;
    });
    await page.click('#show-test');
    await page.waitForFunction(() => location.search.includes('showTest=false'));
    expect(await page.locator('#plot svg circle.test').first().isVisible()).toBe(false);
    expect(await page.locator('#plot svg circle:not(.test)').first().isVisible()).toBe(true);
    expect(Number((await page.textContent('#train-acc'))!.replace('%', ''))).toBeGreaterThan(75);
    // The course's bias/variance reading of train and test error, in words.
    expect(await page.textContent('#bias-variance')).toMatch(/^Bias\/variance: train error [\d.]+%, test error [\d.]+%: (high bias|high variance|high bias and high variance|low bias and low variance); .+\.$/);
    // Noise, test share and batch size are sliders that show their value; letting go restarts with it.
    await page.locator('#noise').evaluate((el) => { (el as HTMLInputElement).value = '0.35'; el.dispatchEvent(new Event('input')); el.dispatchEvent(new Event('change')); });
    await page.waitForFunction(() => location.search.includes('noise=0.35'));
    expect(await page.textContent('output[for="noise"]')).toBe('0.35');
    // A change of settings lands in the URL, so the set-up can be shared.
    await page.click('#add-layer');
    await page.waitForFunction(() => location.search.includes('hidden=5t-3r-3r'));
    await page.close();
  });

  it('gives the network features (x₁², x₂² fit the circles with no hidden layer) and fits a regression set', async () => {
    const page = await open('?dataset=circles&features=x1sq,x2sq&hidden=');
    await page.waitForSelector('#plot svg[data-chart="boundary"]');
    expect(await page.locator('#features input:checked').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).dataset.feature))).toEqual(['x1sq', 'x2sq']);
    expect(await page.locator('#network text').allTextContents()).toEqual(['x₁²', 'x₂²']);
    await trainTo(page, 200);
    expect(Number((await page.textContent('#test-acc'))!.replace('%', ''))).toBeGreaterThanOrEqual(95);
    // Ticking a feature restarts with it as an input, and the URL follows.
    await page.check('#features input[data-feature="x1x2"]');
    await page.waitForFunction(() => location.search.includes('features=x1sq%2Cx2sq%2Cx1x2'));
    await page.waitForFunction(() => document.querySelectorAll('#network text').length === 3);
    await page.close();
  });

  it('fits a regression set: real targets, a linear output with squared error, no accuracy', async () => {
    const page = await open('?dataset=flower');
    await page.waitForSelector('#plot svg[data-chart="boundary"]');
    await page.selectOption('#dataset', 'plane');
    await page.waitForFunction(() => /real targets \(regression\)/.test(document.getElementById('data-info')!.textContent!));
    expect(await page.inputValue('#output')).toBe('linear');
    expect(await page.inputValue('#loss')).toBe('mse');
    const [first, last] = await trainTo(page, 100);
    expect(last).toBeLessThan(first / 5);
    expect(await page.textContent('#test-acc')).toBe('—');
    await page.close();
  });

  it('trains side by side: the same network with zeros initialisation stays stuck where random initialisation learns', async () => {
    const page = await open('?dataset=circles&hidden=6t&compare=init:zeros');
    await page.waitForSelector('#plot-b svg[data-chart="boundary"]');
    expect(await page.textContent('#compare-caption')).toBe('B: zeros initialisation');
    expect(await page.inputValue('#compare')).toBe('init:zeros');
    await trainTo(page, 150);
    await page.waitForFunction(() => document.getElementById('compare-stats')!.dataset.testLossB !== '');
    const [a, b] = await page.locator('#compare-stats').evaluate((el) => [Number(el.dataset.testLossA), Number(el.dataset.testLossB)]);
    // Zeros make every hidden unit the same: B cannot fit the circles; A (He) does.
    expect(a).toBeLessThan(0.2);
    expect(b).toBeGreaterThan(0.6);
    expect(await page.textContent('#compare-stats')).toMatch(/^epoch \d+: test loss A [\d.e-]+, B [\d.e-]+; test accuracy A [\d.]+%, B [\d.]+%$/);
    // Both boundaries drawn; the loss chart holds both networks' curves.
    expect(Number(await page.getAttribute('#plot-b', 'data-draws'))).toBeGreaterThan(0);
    expect(await page.locator('#loss-chart svg path').count()).toBe(4);
    // Off again: one network, and B's figure gone.
    await page.selectOption('#compare', '');
    await page.waitForFunction(() => !location.search.includes('compare='));
    await page.waitForFunction(() => document.getElementById('compare-box')!.hidden);
    await page.close();
  });

  it('takes a CSV of 2-D points, and says what is wrong with a malformed one', async () => {
    const page = await open('?dataset=csv');
    const rows = ['x1,x2,label', ...Array.from({ length: 60 }, (_, i) => `${(i % 10) / 10},${Math.floor(i / 10) / 6},${i % 10 >= 5 ? 1 : 0}`)];
    await page.setInputFiles('#csv-file', { name: 'points.csv', mimeType: 'text/csv', buffer: Buffer.from(rows.join('\n')) });
    await page.waitForSelector('#plot svg[data-chart="boundary"]');
    expect(await page.textContent('#data-info')).toBe('48 training and 12 test examples, 2 classes');
    await page.click('#step');
    await page.waitForFunction(() => document.getElementById('epoch')!.dataset.epoch === '1');
    await page.setInputFiles('#csv-file', { name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from('x1,x2,label\n0.1,0.2,1\n0.3,oops,0\n') });
    await page.waitForFunction(() => /oops/.test(document.getElementById('message')!.textContent!));
    expect(await page.textContent('#message')).toMatch(/Cannot use these settings: CSV: .*row 3.*oops|oops.*row 3/);
    await page.close();
  });

  it('exports the trained model, which kiln.load reads in Node', async () => {
    const page = await open('?dataset=moons');
    await page.waitForSelector('#plot svg[data-chart="boundary"]');
    await trainTo(page, 30);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export')]);
    const file = join(tempDir('kiln-playground-'), download.suggestedFilename());
    await download.saveAs(file);
    expect(download.suggestedFilename()).toBe('kiln-model.safetensors');
    const { model, metadata } = await kiln.loadWithMetadata(file);
    expect((metadata.playground as { dataset: string }).dataset).toBe('moons');
    const p = await kiln.predict(model, kiln.tensor([[0, 0], [1, -0.5], [-1, 1]]));
    expect(p.shape).toEqual([3, 1]);
    for (const v of p.values) expect(v).toBeGreaterThanOrEqual(0), expect(v).toBeLessThanOrEqual(1);
    // ...and loads back into the page.
    await page.setInputFiles('#import', file);
    await page.waitForFunction(() => /Loaded the model file/.test(document.getElementById('message')!.textContent!));
    await page.close();
  });

  it('switched to from the beans, the digits say what they are (not the beans\' text), and Train before Load loads them first', async () => {
    const page = await open();
    await page.waitForSelector('#plot svg[data-chart="curve"]');
    await page.selectOption('#dataset', 'digits');
    expect(await page.textContent('#data-info')).toMatch(/^MNIST digits: 10,000 real handwritten digits/);
    await page.click('#test-digit');
    expect(await page.textContent('#pad-note')).toBe('load the digits first (Load, or Train)');
    await page.fill('#digits-epochs', '1');
    await page.click('#digits-train');
    await page.waitForSelector('#digits-status[data-ready="1"]', { timeout: 60_000 });
    await page.waitForFunction(() => /^epoch 1: batch/.test(document.getElementById('digits-status')!.textContent!), undefined, { timeout: 60_000 });
    await page.click('#digits-stop');
    await page.close();
  });

  it('loads the digits, trains LeNet-5 briefly, and predicts a drawn digit with probabilities that sum to 1', async () => {
    const page = await open('?dataset=digits');
    // The digits have their own controls: the network's (play, step, data size) are hidden.
    expect(await page.isVisible('#play')).toBe(false);
    expect(await page.isVisible('#samples')).toBe(false);
    await page.click('#digits-load');
    await page.waitForSelector('#digits-status[data-ready="1"]', { timeout: 60_000 });
    expect(await page.textContent('#digits-status')).toMatch(/7996 training and 2004 test digits loaded/);
    expect(await page.textContent('#data-info')).toBe('7,996 training and 2,004 test digits (a fixed split), 10 classes');
    await page.fill('#digits-epochs', '1');
    await page.click('#digits-train');
    await page.waitForFunction(() => document.getElementById('digits-accuracy')!.dataset.accuracy !== '', undefined, { timeout: 110_000 });
    expect(Number(await page.locator('#digits-accuracy').getAttribute('data-accuracy'))).toBeGreaterThan(0.8);
    // This browser has no GPU: the digits fall back to wasm and say why. LeNet-5's convolutions are
    // big enough to go to the worker threads: none failed to start.
    expect(await page.getAttribute('#digits-backend', 'data-backend')).toBe('wasm');
    expect(await page.textContent('#digits-backend')).toMatch(/^Runs on wasm: SIMD( \+ relaxed SIMD)?, \d+ threads? \(no WebGPU here: setBackend\('webgpu'\): /);
    expect(await page.locator('#filters canvas').count()).toBe(6);
    expect(await page.locator('#feature-maps canvas').count()).toBe(7);
    // The confusion matrix counts every test digit, its diagonal the right answers; the mistakes are shown.
    expect(await page.getAttribute('#confusion', 'data-total')).toBe('2004');
    const diagonal = await page.locator('#confusion table.confusion').evaluate((t) => Array.from({ length: 10 }, (_, d) => Number((t as HTMLTableElement).rows[d + 1]!.cells[d + 1]!.textContent)).reduce((a, b) => a + b, 0));
    expect(diagonal / 2004).toBeCloseTo(Number(await page.locator('#digits-accuracy').getAttribute('data-accuracy')), 6);
    const wrong = await page.locator('#wrong-digits figure.wrong figcaption').allTextContents();
    expect(wrong.length).toBeGreaterThan(0);
    expect(wrong.length).toBeLessThanOrEqual(16);
    for (const w of wrong) expect(w).toMatch(/^(\d) → (?!\1)\d$/);
    // Draw a "1": one vertical stroke.
    const box = (await page.locator('#draw').boundingBox())!;
    await page.mouse.move(box.x + 140, box.y + 40);
    await page.mouse.down();
    for (let y = 40; y <= 240; y += 10) await page.mouse.move(box.x + 140, box.y + y);
    await page.mouse.up();
    await page.waitForSelector('#probs .prob');
    const probs = await page.locator('#probs .prob').evaluateAll((rows) => rows.map((r) => Number((r as HTMLElement).dataset.p)));
    expect(probs).toHaveLength(10);
    expect(probs.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    // From the keyboard: Test digit puts a test digit on the pad, says which, and the model answers it.
    await page.focus('#clear-drawing');
    await page.keyboard.press('Enter');
    expect(await page.locator('#probs .prob').count()).toBe(0);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('test-digit');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => /^test digit \d+: a \d$/.test(document.getElementById('pad-note')!.textContent!));
    await page.waitForSelector('#probs .prob');
    const ink = await page.locator('#draw').evaluate((c) => {
      const px = (c as HTMLCanvasElement).getContext('2d')!.getImageData(0, 0, 280, 280).data;
      let lit = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i]! > 40) lit++;
      return lit / (280 * 280);
    });
    expect(ink).toBeGreaterThan(0.05); // a digit covers some of the pad, not all of it
    expect(ink).toBeLessThan(0.6);
    const sampled = await page.locator('#probs .prob').evaluateAll((rows) => rows.map((r) => Number((r as HTMLElement).dataset.p)));
    expect(sampled.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    await page.close();
  }, 180_000);

  it('trains the digits on WebGPU where the browser has it (SwiftShader here), and the model it downloads loads in Node', async () => {
    const gpuBrowser = await launchChromium({ webgpu: true });
    try {
      const page = await gpuBrowser.newPage({ viewport: { width: 1400, height: 1000 }, acceptDownloads: true });
      page.on('pageerror', (e) => { throw e; });
      await page.goto(`${url}?dataset=digits&digitModel=mlp`);
      await page.waitForSelector('#digits-backend[data-backend]', { timeout: 60_000 });
      expect(await page.textContent('#digits-backend')).toMatch(/^Runs on webgpu: WebGPU on /);
      await page.fill('#digits-epochs', '1');
      await page.click('#digits-train');
      await page.waitForFunction(() => Number(document.getElementById('digits-accuracy')!.dataset.accuracy) > 0, undefined, { timeout: 170_000 });
      const accuracy = Number(await page.locator('#digits-accuracy').getAttribute('data-accuracy'));
      expect(accuracy).toBeGreaterThan(0.85);
      expect(await page.locator('#filters canvas').count()).toBe(8);
      // The weights come back from the GPU into the file, and score the same in Node on the CPU.
      const download = page.waitForEvent('download');
      await page.click('#digits-export');
      const file = join(tempDir(), 'digits.safetensors');
      await (await download).saveAs(file);
      const model = await kiln.load(file);
      const { test } = await kiln.data.mnist();
      const scored = await kiln.evaluate(model, test, { loss: 'crossEntropy', metrics: ['accuracy'], batchSize: 500 });
      expect(scored.accuracy).toBeCloseTo(accuracy, 3);
      await page.close();
    } finally {
      await gpuBrowser.close();
    }
  }, 240_000);
});

describe('kiln playground (the server)', () => {
  it('refuses to listen beyond this machine unless asked', () => {
    const run = spawnSync(process.execPath, [cli, 'playground', '--host', '0.0.0.0', '--port', '0'], { encoding: 'utf8', timeout: 30_000 });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain('kiln: playground: refusing to listen on 0.0.0.0: it serves this machine only (127.0.0.1); add --allow-remote');
  });

  it('rejects a port that is not one', () => {
    const run = spawnSync(process.execPath, [cli, 'playground', '--port', '70000'], { encoding: 'utf8', timeout: 30_000 });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('a port number from 0 to 65535');
  });

  it('serves the built app with isolation headers, and the package\'s one copy of the digits beside it', async () => {
    const { servePlayground } = (await import(join(root, 'dist', 'cli', 'playground.js'))) as typeof import('../../src/cli/playground.js');
    const { url: at, server: s } = await servePlayground({ port: 0, host: '127.0.0.1', allowRemote: false });
    try {
      const res = await fetch(at);
      expect(res.status).toBe(200);
      expect(res.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(await res.text()).toContain('Kiln playground');
      const digits = await fetch(`${at}digits.kld`);
      expect(digits.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
      expect(Buffer.from(await digits.arrayBuffer()).equals(readFileSync(join(root, 'dist', 'data', 'digits.kld')))).toBe(true);
      expect((await fetch(`${at}nope`)).status).toBe(404);
    } finally {
      s.close();
    }
    expect(readFileSync(join(root, 'dist', 'playground', 'index.html'), 'utf8')).toContain('<script type="module"');
    // The digits ship once: the app's bundle holds no copy of them.
    const assets = join(root, 'dist', 'playground', 'assets');
    const digitsBytes = statSync(join(root, 'dist', 'data', 'digits.kld')).size;
    expect(readdirSync(assets).filter((f) => f.endsWith('.kld') || statSync(join(assets, f)).size >= digitsBytes)).toEqual([]);
  });
});
