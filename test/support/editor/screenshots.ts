/**
 * `npm run screenshots`: a PNG of every edit dialog and every tab of it, at 1024x700 (the size
 * the layout tests check), into docs/images/, from the package's examples in a real editor.
 * Needs `npm run build` (the npm script runs it) and Debian's chromium.
 *
 *   node --require tsx/cjs test/support/editor/screenshots.ts [outDir]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DIALOGS, importExamples, overflowOf, showTab, TOUR_EXAMPLES } from './dialog-tour';
import { CHROMIUM, launchChromium, loadEditor } from './editor-session';
import { installPackage, startEditorServer } from './node-red-editor';

export const SCREENSHOT_VIEWPORT = { width: 1024, height: 700 };

async function main(outDir: string): Promise<void> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  fs.mkdirSync(outDir, { recursive: true });
  const userDir = fs.mkdtempSync(path.join(os.tmpdir(), 'rest-screenshots-'));
  installPackage(userDir);
  const server = await startEditorServer(userDir);
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: SCREENSHOT_VIEWPORT });
    await page.addInitScript('window.__name = function (f) { return f; };');
    await loadEditor(page, server.url);
    await importExamples(page, TOUR_EXAMPLES);
    // the "Imported" notification would cover the dialogs
    await page.evaluate(() => $('.red-ui-notification').remove());
    for (const dialog of DIALOGS) {
      await dialog.open(page);
      const tabs = await dialog.tabs(page);
      for (const tab of tabs.length ? tabs : ['']) {
        if (tab) await showTab(page, tab);
        const file = path.join(outDir, `editor-${dialog.type}${tab ? '-' + tab.replace(/^rc-tab-/, '') : ''}.png`);
        await page.screenshot({ path: file });
        // a one-page form continues below the fold: its second half too
        if (!tab) {
          await page.evaluate(() => {
            const forms = document.querySelectorAll('.rest-form');
            for (let el = forms[forms.length - 1]!.parentElement; el; el = el.parentElement) {
              if (el.scrollHeight > el.clientHeight && /auto|scroll/.test(getComputedStyle(el).overflowY)) {
                el.scrollTop = el.scrollHeight;
                break;
              }
            }
          });
          await page.screenshot({ path: file.replace(/\.png$/, '-end.png') });
        }
        const overflow = await overflowOf(page);
        const wide = overflow.scroll.filter((s) => s.scrollWidth > s.clientWidth);
        console.log(
          `${path.relative(process.cwd(), file)}: tray ${overflow.trayWidth} px` +
            (overflow.outside.length || wide.length
              ? `, OVERFLOW ${JSON.stringify({ outside: overflow.outside.slice(0, 5), wide })}`
              : ', fits'),
        );
      }
      await dialog.close(page);
    }
    // what an invalid value looks like: the field and its tab marked
    const connection = DIALOGS[0]!;
    await connection.open(page);
    await showTab(page, 'rc-tab-limits');
    await page.fill('#node-config-input-timeout', 'abc');
    await page.locator('#node-config-input-timeout').blur();
    await page.screenshot({ path: path.join(outDir, 'editor-validation.png') });
    console.log(`${path.relative(process.cwd(), path.join(outDir, 'editor-validation.png'))}: a marked field and tab`);
    await connection.close(page);
  } finally {
    await browser.close();
    await server.stop();
    fs.rmSync(userDir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main(path.resolve(process.argv[2] ?? path.join(__dirname, '..', '..', '..', 'docs', 'images'))).catch(
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
