/**
 * What the browser tests do in the editor, in the user's terms: open a tab, add a list row,
 * read what is shown, deploy. Texts are read as the browser shows them (white space collapsed:
 * the forms' source is formatted by Prettier, which wraps lines).
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';

export const normalized = (text: string | null): string => (text ?? '').replace(/\s+/g, ' ').trim();

export const isShown = (page: Page, selector: string): Promise<boolean> => page.locator(selector).first().isVisible();

export const shownText = async (page: Page, selector: string): Promise<string> =>
  normalized(await page.locator(selector).first().textContent());

export const shownTexts = async (page: Page, selector: string): Promise<string[]> =>
  (await page.locator(selector).allTextContents()).map(normalized);

export async function assertShown(page: Page, shown: string[], hidden: string[]): Promise<void> {
  for (const s of shown) assert.equal(await isShown(page, s), true, `${s} should be visible`);
  for (const s of hidden) assert.equal(await isShown(page, s), false, `${s} should be hidden`);
}

/** Clicks the RED.tabs tab that shows the pane `id` (e.g. rc-tab-auth) and waits for the pane. */
export async function openTab(page: Page, id: string): Promise<void> {
  // RED.tabs reads two clicks on tabs within 400 ms as a double click
  await page.waitForTimeout(450);
  await page.click(`a[href="#${id}"]`);
  await page.waitForSelector(`#${id}`, { state: 'visible' });
}

/** The "+ add" button of the editableList `listId`. */
export const addButtonOf = (page: Page, listId: string) =>
  page.locator('.red-ui-editableList', { has: page.locator(`#${listId}`) }).locator('.red-ui-editableList-addButton');

export const addListRow = (page: Page, listId: string): Promise<void> => addButtonOf(page, listId).click();

/** Adds a row to a query or header list: a name, a type picked from the typedInput's menu, a value. */
export async function addTypedRow(page: Page, listId: string, name: string, type: string, value: string) {
  await addListRow(page, listId);
  const row = page.locator(`#${listId} > li`).last();
  await row.locator('.rest-tl-name').fill(name);
  await row.locator('.red-ui-typedInput-type-select').click();
  await page.locator(`.red-ui-typedInput-options a[value="${type}"]:visible`).click();
  await row.locator('input.red-ui-typedInput-input').fill(value);
}

/** The id of the (first) rest-connection config node in the editor. */
export const connectionId = (page: Page): Promise<string | undefined> =>
  page.evaluate(() => {
    let id: string | undefined;
    RED.nodes.eachConfig((n) => {
      if (n.type === 'rest-connection' && id === undefined) id = n.id;
    });
    return id;
  });

/** Waits until the topmost edit tray has slid in (Node-RED animates its `right` to 0). */
export async function waitForTray(page: Page): Promise<void> {
  await page.waitForFunction(() => {
    const trays = document.querySelectorAll('.red-ui-tray');
    const tray = trays[trays.length - 1];
    return !!tray && getComputedStyle(tray).right === '0px';
  });
}

/** Opens the edit dialog of connection `id` (default: the first one). */
export async function editConnection(page: Page, id?: string): Promise<void> {
  const connection = id ?? (await connectionId(page));
  if (!connection) throw new Error('no rest-connection in the editor');
  await page.evaluate((c) => RED.editor.editConfig('', 'rest-connection', c), connection);
  await page.waitForSelector('#node-config-input-baseUrl', { state: 'visible' });
  await waitForTray(page);
}

/** Opens the edit dialog of the first node of `type` and waits for `field`. */
export async function editNode(page: Page, type: string, field: string): Promise<void> {
  await page.evaluate((t) => RED.editor.edit(RED.nodes.filterNodes({ type: t })[0]!), type);
  await page.waitForSelector(field, { state: 'visible' });
  await waitForTray(page);
}

/** Drags a node of `type` from the palette onto the workspace and waits for it. */
export async function dropNode(page: Page, type: string, at: { x: number; y: number }): Promise<void> {
  const before = await page.evaluate((t) => RED.nodes.filterNodes({ type: t }).length, type);
  await page
    .locator(`.red-ui-palette-node[data-palette-type="${type}"]`)
    .dragTo(page.locator('#red-ui-workspace-chart'), { targetPosition: at });
  await page.waitForFunction(({ t, n }) => RED.nodes.filterNodes({ type: t }).length > n, { t: type, n: before });
}

/** Clicks Deploy and waits until the editor has nothing left to deploy. */
export async function deploy(page: Page): Promise<void> {
  await page.click('#red-ui-header-button-deploy');
  await page.waitForFunction(() => !RED.nodes.dirty(), null, { timeout: 20000 });
}

/** The flows Node-RED has deployed, as /flows answers, and that answer's text. */
export async function deployedFlows(
  page: Page,
  url: string,
): Promise<{ flows: Record<string, unknown>[]; text: string }> {
  const response = await page.request.get(`${url}flows`);
  assert.equal(response.status(), 200);
  const text = await response.text();
  return { flows: JSON.parse(text) as Record<string, unknown>[], text };
}

export const pick = (node: Record<string, unknown>, keys: string[]): Record<string, unknown> =>
  Object.fromEntries(keys.map((k) => [k, node[k]]));
