import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer, { Browser, Page } from 'puppeteer-core';

/** Debian's chromium package (installed by .ci/run); puppeteer-core downloads no browser. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** Screenshots land here (gitignored); docs/sale-board.png is one of them, checked in by hand. */
export const OUTPUT_DIR = join(__dirname, '..', 'output');

/**
 * The stream limits at their defaults, for the app a board suite's pages load: every page of the
 * browser streams from one client address, and process.env may keep an earlier suite's lower limits.
 */
export const BOARD_STREAM_LIMITS = { STREAM_MAX_CONNECTIONS: '10000', STREAM_MAX_PER_CLIENT: '16' };

/** One headless Chromium per suite, with a profile of its own; pages record every problem they report. */
export function useBrowser() {
  const state = {
    browser: undefined as Browser | undefined,
    profile: '',
    page: undefined as unknown as Page,
  };
  const problems: string[] = [];

  beforeAll(async () => {
    state.profile = mkdtempSync(join(tmpdir(), 'flash-sale-chromium-'));
    state.browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
        '--lang=en-US',
        `--user-data-dir=${state.profile}`,
      ],
    });
  });

  beforeEach(async () => {
    problems.length = 0;
    const page = await state.browser!.newPage();
    state.page = page;
    page.on('console', (message) => {
      const type = message.type();
      if (type === 'error' || type === 'warn') problems.push(`console ${type}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${(error as Error).message}`));
    page.on('requestfailed', (request) => {
      // The stream is cut when the page closes; anything else failing is a problem.
      if (!request.url().includes('/stream')) problems.push(`request failed: ${request.url()}`);
    });
  });

  afterEach(async () => {
    await state.page?.close();
  });

  afterAll(async () => {
    await state.browser?.close();
    if (state.profile) rmSync(state.profile, { recursive: true, force: true });
  });

  return {
    page: () => state.page,
    /** Another tab in the same browser (not watched for problems); the caller closes it. */
    newPage: (): Promise<Page> => state.browser!.newPage(),
    problems,
    availableOn: (productId: number): Promise<string | null> =>
      state.page.$eval(`[data-product-id="${productId}"] .available`, (element) => element.textContent),
  };
}
