/**
 * The three dialogs fit a 1024x700 editor: in every tab, nothing reaches past the edit tray and
 * nothing scrolls sideways, the connection's add button stays visible; lists are as tall as
 * their rows (an imported example's three columns all show; an empty list takes one row).
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { DIALOGS, importExamples, overflowOf, showTab, TOUR_EXAMPLES } from '../support/editor/dialog-tour';
import { useEditor } from '../support/editor/editor-session';
import { editNode, openTab, waitForTray } from '../support/editor/editor-page';

const VIEWPORT = { width: 1024, height: 700 };

async function assertFits(page: Page, where: string): Promise<void> {
  const overflow = await overflowOf(page);
  assert.deepEqual(overflow.outside, [], `${where}: elements reach past the tray (${overflow.trayWidth} px)`);
  for (const s of overflow.scroll)
    assert.ok(
      s.scrollWidth <= s.clientWidth,
      `${where}: ${s.element} scrolls sideways (${s.scrollWidth} > ${s.clientWidth})`,
    );
  assert.equal(overflow.trayBeyondEditor, 0, `${where}: the tray reaches past the editor's area`);
}

/** The element's box lies within the open tray's body, horizontally. */
async function assertInsideTray(page: Page, selector: string): Promise<void> {
  const [element, tray] = await page.evaluate((s) => {
    const trays = Array.from(document.querySelectorAll('.red-ui-tray-body'));
    const box = (el: Element | null) => {
      const r = el!.getBoundingClientRect();
      return { left: r.left, right: r.right };
    };
    return [box(document.querySelector(s)), box(trays[trays.length - 1]!)];
  }, selector);
  assert.ok(element.left >= tray.left && element.right <= tray.right, `${selector} inside the tray`);
}

describe('editor: dialogs fit 1024x700', function () {
  this.timeout(120000);
  const editor = useEditor({ viewport: VIEWPORT });
  let page: Page;
  before(async () => {
    page = editor.page;
    await importExamples(page, TOUR_EXAMPLES);
  });

  for (const dialog of DIALOGS) {
    it(`${dialog.type}: every tab fits the tray`, async function () {
      await dialog.open(page);
      const tabs = await dialog.tabs(page);
      if (dialog.type === 'rest-connection') assert.equal(tabs.length, 6, 'six tabs');
      for (const tab of tabs.length ? tabs : ['']) {
        if (tab) {
          await showTab(page, tab);
          assert.equal(await page.locator(`a[href="#${tab}"]`).isVisible(), true, `tab ${tab} visible`);
        }
        await assertFits(page, `${dialog.type} ${tab}`);
      }
      if (dialog.type !== 'rest-connection') {
        await assertInsideTray(page, '#node-input-btn-connection-add');
        assert.equal(await page.locator('#node-input-btn-connection-add').isVisible(), true, '+ button visible');
      }
      await dialog.close(page);
    });
  }

  it('rest-connection opened from a grid node, with its widest choices, fits too', async function () {
    await editNode(page, 'execute-rest-grid', '#node-input-rowsPath');
    await page.click('#node-input-btn-connection-edit');
    await page.waitForSelector('#node-config-input-baseUrl', { state: 'visible' });
    await waitForTray(page);
    await openTab(page, 'rc-tab-auth');
    await page.selectOption('#node-config-input-authType', 'oauth2');
    await page.selectOption('#node-config-input-oauth2Grant', 'authorization_code');
    await page.selectOption('#node-config-input-clientAuth', 'private_key_jwt');
    await page.click('#rc-jwtPrivateKey-paste-button');
    await assertFits(page, 'connection OAuth2 authorization code with private_key_jwt');
    await openTab(page, 'rc-tab-proxy');
    await page.check('#node-config-input-useProxy');
    await assertFits(page, 'connection proxy');
    await openTab(page, 'rc-tab-tls');
    await page.click('#rc-caCert-paste-button');
    await assertFits(page, 'connection TLS with a pasted CA');
    await page.click('#node-config-dialog-cancel');
    await page.waitForSelector('#node-config-input-baseUrl', { state: 'detached' });
    await page.click('#node-dialog-cancel');
    await page.waitForSelector('#node-input-rowsPath', { state: 'detached' });
  });

  it('lists are as tall as their rows: three columns all show, an empty list takes one row', async function () {
    await editNode(page, 'execute-rest-grid', '#node-input-rowsPath');
    const lists = await page.evaluate(() => {
      const measure = (id: string) => {
        const container = document.getElementById(id)!.parentElement!;
        const box = container.getBoundingClientRect();
        const rows = Array.from(container.querySelectorAll('li')).map((li) => li.getBoundingClientRect());
        return {
          height: box.height,
          scrolls: container.scrollHeight > container.clientHeight,
          rowsInside: rows.every((r) => r.top >= box.top - 0.5 && r.bottom <= box.bottom + 0.5),
          rowHeights: rows.map((r) => r.height),
          names: Array.from(container.querySelectorAll<HTMLInputElement>('.rest-col-name')).map((i) => i.value),
        };
      };
      return { columns: measure('rest-columns-list'), query: measure('rest-query-list') };
    });
    assert.deepEqual(lists.columns.names, ['name', 'email', 'city'], 'the example has three columns');
    assert.equal(lists.columns.scrolls, false, 'the columns list does not scroll');
    assert.equal(lists.columns.rowsInside, true, 'every column row lies inside the list');
    const rowHeight = lists.columns.rowHeights[0]!;
    assert.ok(lists.query.height >= 0.7 * rowHeight, `an empty list is about one row high (${lists.query.height})`);
    assert.ok(lists.query.height <= 1.2 * rowHeight, `an empty list is at most one row high (${lists.query.height})`);
    await page.click('#node-dialog-cancel');
    await page.waitForSelector('#node-input-rowsPath', { state: 'detached' });
  });
});
