import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
const server = spawn(process.execPath, ['/work/main/dist/cli/main.js', 'playground', '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((r) => server.stdout.on('data', (d) => { const m = /http:\/\/\S+/.exec(String(d)); if (m) r(m[0]); }));
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
for (const [q, name, vp] of [['?dataset=spirals&hidden=8t-8t-8t', 'spirals', { width: 1400, height: 900 }], ['?dataset=blobs&discretize=true&showTest=false', 'blobs', { width: 1400, height: 900 }], ['?dataset=circles', 'phone', { width: 390, height: 844 }]]) {
  const page = await browser.newPage({ viewport: vp });
  page.on('pageerror', (e) => console.log('PAGEERROR', e.message));
  await page.goto(url + q);
  await page.waitForSelector('#plot svg[data-chart="boundary"]');
  await page.click('#play');
  const f0 = Number(await page.getAttribute('#plot', 'data-frames'));
  await page.waitForTimeout(3000);
  const f1 = Number(await page.getAttribute('#plot', 'data-frames'));
  const d = await page.getAttribute('#plot', 'data-draws');
  console.log(await page.evaluate(() => JSON.stringify({ show: window.showMs, neurons: window.neuronMs, net: window.netMs, explain: window.explainMs, loss: window.lossMs }))); console.log(name, 'frames in 3 s:', f1 - f0, 'draws', d, 'epoch', await page.textContent('#epoch'));
  await page.screenshot({ path: `/tmp/pg-${name}.png` });
  await page.close();
}
await browser.close(); server.kill();
