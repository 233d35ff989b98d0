/**
 * Debian's Chromium driven by playwright-core, at the 1280x800 the UI is designed for. Every console
 * error and uncaught page error is collected so tests can assert there were none.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { repoRoot } from '../../src-main/test-support/paths';

export const ARTIFACTS = join(repoRoot, 'e2e/artifacts');

/**
 * How long any wait for the page may take: a hang guard, not a timing. Tests wait for events (an
 * element, a status badge), and on the 2-core machine under other jobs' load an import or a model
 * answer took several times its idle time, so a short wait failed tests that were right. A test as a
 * whole is bounded by the runner's --test-timeout (scripts/run-tests.mjs).
 */
export const HANG_GUARD_MS = 600_000;

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface BrowserSession {
  browser: Browser;
  page: Page;
  errors: string[];
  close(): Promise<void>;
}

export async function openBrowser(opts: { colorScheme?: 'light' | 'dark' } = {}): Promise<BrowserSession> {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: ARGS });
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme: opts.colorScheme ?? 'light', locale: 'zh-CN' });
  context.setDefaultTimeout(HANG_GUARD_MS);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  return { browser, page, errors, close: () => browser.close() };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const path = join(ARTIFACTS, `${name}.png`);
  await page.mouse.move(1279, 799); // no hover highlight left over from the last click
  await page.screenshot({ path });
  return path;
}

/** Tables that need a horizontal scrollbar at this viewport (their columns do not fit). */
export async function overflowingTables(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    Array.from(document.querySelectorAll<HTMLElement>('main .table-wrap'))
      .filter((w) => w.scrollWidth > w.clientWidth + 1)
      .map((w) => w.querySelector('table')?.dataset.testid ?? w.textContent!.trim().slice(0, 40)),
  );
}

/**
 * Elements whose text is clipped (content wider than the box without an ellipsis meant for it) — the
 * "no text cut off at 1280x800" check. Elements that deliberately ellipsize carry text-overflow: ellipsis.
 * `within` limits the check to the elements matching that selector (default: the page's main and nav);
 * `ellipsized` counts ellipsized text as clipped too, for places where every label must be read whole
 * (a form's field labels, which ellipsize only as a last resort).
 */
export async function clippedTexts(page: Page, opts: { within?: string; ellipsized?: boolean } = {}): Promise<string[]> {
  return page.evaluate(
    ({ within, ellipsized }) => {
      const out: string[] = [];
      const roots = Array.from(document.querySelectorAll<HTMLElement>(within));
      for (const el of roots.flatMap((r) => Array.from(r.querySelectorAll<HTMLElement>('*')))) {
        if (!el.childNodes.length || ![...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent!.trim())) continue;
        const style = getComputedStyle(el);
        if ((style.textOverflow === 'ellipsis' && !ellipsized) || style.display === 'inline' || el.closest('.table-wrap, pre, select, option, canvas'))
          continue;
        if (el.scrollWidth > el.clientWidth + 1 && (style.overflowX === 'hidden' || style.overflow === 'hidden')) out.push(el.textContent!.trim().slice(0, 60));
      }
      return out;
    },
    { within: opts.within ?? 'main, nav', ellipsized: opts.ellipsized ?? false },
  );
}

/**
 * Selects (inside the elements matching `within`) whose shown option does not fit beside the drop-down
 * arrow, so the user reads it cut. clippedTexts skips selects: their text is not laid out as boxes, so it
 * is measured here with the select's own font. ARROW_PX is the room Chromium's native arrow takes inside
 * the padding.
 */
export async function clippedSelects(page: Page, within: string): Promise<string[]> {
  const ARROW_PX = 20;
  return page.evaluate(
    ({ within, arrow }) => {
      const ctx = document.createElement('canvas').getContext('2d')!;
      const out: string[] = [];
      for (const sel of Array.from(document.querySelectorAll<HTMLElement>(within)).flatMap((r) => Array.from(r.querySelectorAll('select')))) {
        const style = getComputedStyle(sel);
        ctx.font = `${style.fontStyle} ${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
        const text = sel.selectedOptions[0]?.textContent ?? '';
        const room = sel.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - arrow;
        if (ctx.measureText(text).width > room) out.push(text.slice(0, 60));
      }
      return out;
    },
    { within, arrow: ARROW_PX },
  );
}
