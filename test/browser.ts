import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser } from 'playwright-core';

// Debian's Chromium (installed by .ci/run), driven by Playwright, for the end-to-end tests.

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Whether the browser tests run: Chromium is here, or this is CI (where its absence must fail). */
export const HAVE_CHROMIUM = existsSync(CHROMIUM) || Boolean(process.env.CI);

/**
 * Headless Chromium with the flags this closed network needs (no background connections); with
 * `webgpu`, navigator.gpu on SwiftShader's software Vulkan (no GPU needed), otherwise no GPU at all.
 */
export function launchChromium({ webgpu = false } = {}): Promise<Browser> {
  const gpu = webgpu ? ['--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-webgpu-adapter=swiftshader'] : ['--disable-gpu'];
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', ...gpu, '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
