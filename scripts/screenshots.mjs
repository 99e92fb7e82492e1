// Regenerates the README's playground screenshots (docs/images/): `npm run build && node scripts/screenshots.mjs`.
// Needs Chromium (Debian's, or CHROMIUM_PATH).
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'docs', 'images');
mkdirSync(out, { recursive: true });
const server = spawn(process.execPath, [join(root, 'dist', 'cli', 'main.js'), 'playground', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((resolve) => server.stdout.on('data', (d) => { const m = /http:\/\/\S+/.exec(String(d)); if (m) resolve(m[0]); }));
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const play = async (epochs) => {
    await page.click('#play');
    await page.waitForFunction((n) => Number(document.getElementById('epoch').dataset.epoch) >= n, epochs, { timeout: 120_000 });
    await page.click('#play');
    await page.waitForTimeout(300);
  };
  // The beans as in the course: Play runs its 5,000 epochs, redrawn every 100, and stops.
  await page.goto(`${url}`);
  await page.waitForSelector('#plot svg');
  await page.click('#play');
  await page.waitForFunction(() => document.getElementById('epoch').dataset.epoch === '5000' && /Play/.test(document.getElementById('play').textContent), undefined, { timeout: 120_000 });
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(out, 'playground-beans.png') });
  await page.goto(`${url}?dataset=flower&samples=400&hidden=6t-4t&lr=0.03`);
  await page.waitForSelector('#plot svg[data-chart="boundary"]');
  await page.selectOption('#speed', '10');
  await play(400);
  await page.screenshot({ path: join(out, 'playground-flower.png'), fullPage: true });
  // Side by side: zeros against He initialisation on the circles, both boundaries and both losses.
  await page.goto(`${url}?dataset=circles&compare=init:zeros`);
  await page.waitForSelector('#plot svg[data-chart="boundary"]');
  await page.selectOption('#speed', '10');
  await play(600);
  await page.evaluate(() => document.getElementById('views').scrollIntoView());
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(out, 'playground-compare.png') });
  await page.goto(`${url}?dataset=digits`);
  await page.click('#digits-load');
  await page.waitForSelector('#digits-status[data-ready="1"]');
  await page.click('#digits-train');
  await page.waitForFunction(() => document.getElementById('digits-accuracy').dataset.accuracy !== '', undefined, { timeout: 120_000 });
  const box = await page.locator('#draw').boundingBox();
  const stroke = [[100, 70], [150, 50], [190, 80], [180, 130], [110, 220], [200, 220]];
  await page.mouse.move(box.x + stroke[0][0], box.y + stroke[0][1]);
  await page.mouse.down();
  for (const [x, y] of stroke.slice(1)) await page.mouse.move(box.x + x, box.y + y, { steps: 8 });
  await page.mouse.up();
  await page.waitForSelector('#probs .prob');
  await page.screenshot({ path: join(out, 'playground-digits.png'), fullPage: true });
  // A 390 px phone: the controls above the views, the spirals (their defaults: two layers of 8).
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
  await phone.goto(`${url}?dataset=spirals`);
  await phone.waitForSelector('#plot svg[data-chart="boundary"]');
  await phone.click('#play');
  await phone.waitForFunction(() => Number(document.getElementById('epoch').dataset.epoch) >= 500, undefined, { timeout: 120_000 });
  await phone.click('#play');
  await phone.evaluate(() => document.getElementById('views').scrollIntoView());
  await phone.waitForTimeout(300);
  await phone.screenshot({ path: join(out, 'playground-phone.png') });
} finally {
  await browser.close();
  server.kill();
}
console.log(`wrote ${out}/playground-{beans,flower,compare,digits,phone}.png`);
