/**
 * The first five minutes of a user, in a real browser: MCP Inspector's web UI (2.12, on
 * Node 22 from the devDependencies) connects to this server, registers itself, sends the
 * browser through our consent page and the Entra emulator's sign-in, comes back, lists the
 * tools and runs get_user_name — first over SSE (`/sse`), then over Streamable HTTP (`/mcp`).
 * Screenshots of the consent page and the result go to test/artifacts/ (git-ignored).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, requireChromium } from './support/browser';
import { InspectorWeb, requireInspector, startInspectorWeb } from './support/inspector';
import { startTestServer, TestServer } from './support/test-app';

const ARTIFACTS = join(__dirname, 'artifacts');
const ready = requireInspector() && requireChromium();

/** Adds a server in Inspector's UI ("Add Servers" → "Add manually") and flips its Connect switch. */
async function addAndConnect(page: Page, id: string, transport: RegExp, url: string): Promise<void> {
  await page.getByRole('button', { name: 'Add Servers' }).click();
  await page.getByText('Add manually').click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('textbox', { name: 'Server ID' }).fill(id);
  await dialog.getByRole('textbox', { name: 'Transport' }).click();
  await page.getByRole('option', { name: transport }).click();
  await dialog.getByRole('textbox', { name: 'URL' }).fill(url);
  await dialog.getByRole('button', { name: 'Add', exact: true }).click();
  await dialog.waitFor({ state: 'hidden' });
  // Mantine draws the switch's track over its input: the click is meant for the input.
  await page.getByRole('switch', { name: `Connect or disconnect "${id}"` }).click({ force: true });
}

/**
 * Waits until the page shows `url`. Inspector may start a navigation and replace it with another
 * while it begins the sign-in; Chromium reports the replaced one as ERR_ABORTED, which is not a
 * failure of the flow, so waiting goes on until the page arrives (or the time is up).
 */
async function reach(page: Page, url: string | RegExp, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await page.waitForURL(url, { timeout: Math.max(1, deadline - Date.now()) });
      return;
    } catch (error) {
      if (!/ERR_ABORTED|frame was detached/.test((error as Error).message) || Date.now() >= deadline) throw error;
    }
  }
}

(ready ? describe : describe.skip)('MCP Inspector web UI against this server', () => {
  jest.setTimeout(180_000);
  let server: TestServer;
  let inspector: InspectorWeb;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startTestServer();
    inspector = await startInspectorWeb();
    browser = (await launchBrowser())!;
  });

  afterAll(async () => {
    await browser?.close();
    await inspector?.stop();
    await server?.close();
  });

  describe.each([
    ['SSE', 'sse', /^sse/, '/sse'],
    ['Streamable HTTP', 'streamable-http', /^streamable-http/, '/mcp'],
  ])('over %s', (_name, slug, transport, path) => {
    it(`connects to ${path}, signs in through our consent page and the emulator, and runs get_user_name: "Adele Vance"`, async () => {
      // A fresh browser profile per transport: both pages show up every time.
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
      const page = await context.newPage();
      // Inspector asks Google for fonts; this test stays on loopback.
      await page.route(/^https?:\/\/(?!127\.0\.0\.1[:/]|localhost[:/])/, (route) => route.abort());
      try {
        await page.goto(inspector.url);
        await addAndConnect(page, `entra-${slug}`, transport, `${server.url}${path}`);

        // Inspector registered itself and sent the browser to our consent page.
        await reach(page, `${server.url}/auth/consent?**`);
        const consent = await page.locator('body').innerText();
        expect(consent).toContain(`${inspector.origin}/oauth/callback`);
        expect(consent).toContain(`${server.config.serverName} · sign-in`);
        await page.screenshot({ path: join(ARTIFACTS, `inspector-${slug}-consent.png`) });
        await page.getByRole('button', { name: 'Allow' }).click();

        // The emulator's sign-in page (Entra's stand-in), on its own origin.
        await reach(page, new RegExp(`^http://localhost:${server.config.emulatorPort}/`));
        await page.getByRole('button', { name: 'Adele Vance' }).click();

        // Back in Inspector, connected.
        await reach(page, `${inspector.origin}/**`);
        await page.getByText('Connected', { exact: true }).waitFor();
        await page.getByText('Tools', { exact: true }).first().click();
        await page.getByText('get_user_name', { exact: true }).click();
        await page.getByRole('button', { name: 'Execute Tool' }).click();
        await page.getByText('Results').waitFor();
        await page.getByText('Adele Vance', { exact: true }).waitFor();
        await page.screenshot({ path: join(ARTIFACTS, `inspector-${slug}-result.png`) });
      } catch (error) {
        await page.screenshot({ path: join(ARTIFACTS, `inspector-${slug}-failure.png`) }).catch(() => undefined);
        throw new Error(`${(error as Error).message}\n--- Inspector output ---\n${inspector.output().slice(-3000)}`);
      } finally {
        await context.close();
      }
    });
  });
});
