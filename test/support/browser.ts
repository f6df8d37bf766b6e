import { existsSync } from 'node:fs';
import { Browser, chromium } from 'playwright-core';
import { requireOrSkip } from './requirements';

/** Debian's Chromium; `apt-get install -y chromium` provides it. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** Flags for a quiet, headless, sandbox-less Chromium in containers (no QUIC, no background traffic). */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/** True when Chromium is there; otherwise skips loudly (or fails when CI is set). */
export function requireChromium(): boolean {
  return requireOrSkip('Chromium', chromiumAvailable(), `install it with "apt-get install -y chromium" (expected at ${CHROMIUM_PATH})`);
}

/**
 * Launches headless Chromium (playwright-core), or returns null after a loud
 * skip message when it is not installed. Close it in afterAll.
 */
export async function launchBrowser(): Promise<Browser | null> {
  if (!requireChromium()) return null;
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
}

/**
 * `it` when Chromium is installed; otherwise `it.skip` with the loud message (a
 * failure when CI is set). Decided when the test file is collected.
 */
export function itWithChromium(name: string, fn: jest.ProvidesCallback, timeout?: number): void {
  if (chromiumAvailable()) {
    it(name, fn, timeout);
    return;
  }
  requireChromium();
  it.skip(name, fn, timeout);
}
