/**
 * The three dialogs with the editor in German (the browser's language, as a German user has it)
 * and the runtime in German (`lang: 'de'`): labels, tabs, options and placeholders come from the
 * German catalogs, no catalog key shows raw, no English label is left, and a node's status text
 * is German. Saves the German connection dialog as connection-dialog-de.png (docs/images/ under `npm run screenshots`).
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { connectionFlow, docImagePath, loadEditor, useEditor } from '../support/editor/editor-session';
import { editConnection, editNode, normalized, openTab, shownTexts } from '../support/editor/editor-page';

const FLOW = connectionFlow({ name: 'Beispiel-API', baseUrl: 'http://127.0.0.1:9/v1' }, [
  { id: 'grid1', type: 'execute-rest-grid', z: 'tab1', x: 200, y: 100, connection: 'conn1', wires: [[]] },
  { id: 'scalar1', type: 'execute-rest-scalar', z: 'tab1', x: 200, y: 180, connection: 'conn1', wires: [[]] },
  // no connection: its status says so, in the runtime's language
  { id: 'grid2', type: 'execute-rest-grid', z: 'tab1', x: 200, y: 260, connection: '', wires: [[]] },
]);

/** A catalog key as it shows when its text is missing: `<type or part>.<group>.<name>`. */
const RAW_KEY =
  /(?:rest-connection|execute-rest-grid|execute-rest-scalar|query-editor|query-node|preview)\.(?:label|placeholder|tab|option|note|tooltip|status|message)\.\w/;

/** The open edit tray's texts: visible (`text`), in every tab and hidden row too (`all`), and its placeholders and tooltips. */
async function trayTexts(page: Page): Promise<{ text: string; all: string; attributes: string[] }> {
  return page.evaluate(() => {
    const tray = document.querySelector('.red-ui-tray:last-of-type') as HTMLElement;
    const attributes = Array.from(tray.querySelectorAll('[placeholder], [title]'), (el: Element) => {
      return `${el.getAttribute('placeholder') ?? ''} ${el.getAttribute('title') ?? ''}`;
    });
    return { text: tray.innerText, all: tray.textContent ?? '', attributes };
  });
}

/** The visible label text of the form row that holds `#id`. */
async function labelOf(page: Page, id: string): Promise<string> {
  return normalized(await page.locator(`label[for="${id}"]`).first().textContent());
}

async function placeholderOf(page: Page, id: string): Promise<string | null> {
  return page.getAttribute(`#${id}`, 'placeholder');
}

async function optionTexts(page: Page, id: string): Promise<string[]> {
  return (await page.locator(`#${id} option`).allTextContents()).map(normalized);
}

/**
 * The data-i18n elements of the open tray that show nothing: Node-RED fills a text whose key is
 * missing with the element's own (empty) content, so a missing key shows as a blank, not as a key.
 */
async function blankTexts(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const tray = document.querySelector('.red-ui-tray:last-of-type') as HTMLElement;
    const blank: string[] = [];
    for (const el of Array.from(tray.querySelectorAll('[data-i18n]'))) {
      for (const entry of (el.getAttribute('data-i18n') ?? '').split(';')) {
        const attribute = /^\[(\w[\w-]*)\]/.exec(entry)?.[1];
        const shown = attribute && attribute !== 'html' ? el.getAttribute(attribute) : el.textContent;
        if (!shown?.trim()) blank.push(entry);
      }
    }
    return blank;
  });
}

async function assertNoRawKeys(page: Page, dialog: string): Promise<void> {
  const { all, attributes } = await trayTexts(page);
  assert.ok(all.length > 200, `${dialog}: the dialog's text is read`);
  assert.deepEqual(await blankTexts(page), [], `${dialog}: texts whose key has no text`);
  assert.doesNotMatch(all, RAW_KEY, `${dialog}: a raw catalog key is shown`);
  for (const attribute of attributes) assert.doesNotMatch(attribute, RAW_KEY, `${dialog}: raw key in ${attribute}`);
  assert.doesNotMatch(all, /@rest-nodes\/node-red-rest-connection\//, `${dialog}: a namespaced key is shown`);
}

/** Drags the edit tray's left edge `by` pixels to the left. */
async function widenTray(page: Page, by: number): Promise<void> {
  const handle = page.locator('.red-ui-tray:last-of-type .red-ui-tray-resize-handle');
  const box = await handle.boundingBox();
  if (!box) throw new Error('the tray has no resize handle');
  const x = box.x + box.width / 2;
  const y = box.y + box.height / 2;
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x - by / 2, y, { steps: 5 });
  await page.mouse.move(x - by, y, { steps: 5 });
  await page.mouse.up();
  await page.waitForTimeout(300);
}

async function closeDialog(page: Page, field: string): Promise<void> {
  await page.click(
    '.red-ui-tray:last-of-type #node-dialog-cancel, .red-ui-tray:last-of-type #node-config-dialog-cancel',
  );
  await page.waitForSelector(field, { state: 'detached' });
}

describe('editor in German: the three dialogs', function () {
  this.timeout(180000);
  const editor = useEditor({ flows: FLOW, settings: { lang: 'de' } });
  let page: Page;

  before(async function () {
    this.timeout(60000);
    page = editor.page;
    // The editor's language: what a German browser reports (navigator.language), as Node-RED reads it.
    await page.evaluate(() => localStorage.setItem('editor-language', 'de'));
    await loadEditor(page, editor.server.url);
    await page.waitForFunction(
      () => document.documentElement.lang === 'de' || $('#red-ui-header-button-deploy').text().includes('Übernahme'),
    );
  });

  it('the grid dialog: German labels, options and placeholders, no raw key, no English label', async function () {
    await editNode(page, 'execute-rest-grid', '#node-input-rowsPath');
    assert.equal(await labelOf(page, 'node-input-connection'), 'Verbindung');
    assert.equal(await labelOf(page, 'node-input-method'), 'Methode');
    assert.equal(await labelOf(page, 'node-input-path'), 'Pfad');
    assert.equal(await labelOf(page, 'node-input-outputProperty'), 'Ausgabe in');
    assert.equal(await labelOf(page, 'node-input-rowsPath'), 'Zeilenpfad');
    assert.equal(await labelOf(page, 'node-input-paging'), 'Paginierung');
    assert.equal(await placeholderOf(page, 'node-input-name'), 'Standard: METHODE Pfad');
    assert.equal(await placeholderOf(page, 'node-input-rowsPath'), '$ oder z. B. $.data.items oder data.items');
    assert.ok((await optionTexts(page, 'node-input-method')).includes('- gesetzt durch msg.method -'));
    assert.deepEqual(await optionTexts(page, 'node-input-format'), [
      'Array von Objekten',
      'Array von Arrays (msg.columns enthält die Namen)',
    ]);
    assert.ok((await optionTexts(page, 'node-input-paging')).includes('keine: eine Anfrage'));
    const { text } = await trayTexts(page);
    assert.equal(await labelOf(page, 'node-input-batchSize'), 'Zeilen pro Nachricht');
    for (const german of ['Spalten', 'Eine Nachricht pro Zeile'])
      assert.ok(text.includes(german), `"${german}" is shown`);
    for (const english of ['Rows path', 'Output to', 'Columns', 'Method', 'Paging'])
      assert.doesNotMatch(text, new RegExp(`\\b${english}\\b`), `"${english}" is still English`);
    await assertNoRawKeys(page, 'grid');
    await closeDialog(page, '#node-input-rowsPath');
  });

  it('the scalar dialog: German labels, options and placeholders, no raw key', async function () {
    await editNode(page, 'execute-rest-scalar', '#node-input-valuePath');
    assert.equal(await labelOf(page, 'node-input-valuePath'), 'Wertpfad');
    assert.equal(await labelOf(page, 'node-input-valueType'), 'Umwandeln in');
    assert.equal(await labelOf(page, 'node-input-missing'), 'Falls nicht gefunden');
    assert.equal(await placeholderOf(page, 'node-input-valuePath'), '$ oder z. B. $.data.temperature');
    assert.deepEqual(await optionTexts(page, 'node-input-missing'), [
      'einen Fehler auslösen (ERR_VALUE)',
      'null ausgeben',
      'einen Standardwert ausgeben',
    ]);
    await assertNoRawKeys(page, 'scalar');
    await closeDialog(page, '#node-input-valuePath');
  });

  it('the connection dialog: German tabs, labels and placeholders in every tab, no raw key', async function () {
    await editConnection(page, 'conn1');
    const tabs = await shownTexts(page, '.red-ui-tray:last-of-type form .red-ui-tabs li a');
    assert.deepEqual(tabs.filter(Boolean), [
      'Verbindung',
      'Authentifizierung',
      'Header, Query & Cookies',
      'Proxy',
      'TLS',
      'Timeouts & Limits',
    ]);
    assert.equal(await labelOf(page, 'node-config-input-baseUrl'), 'Basis-URL');
    assert.equal(await placeholderOf(page, 'node-config-input-name'), 'Standard: die Basis-URL');
    assert.ok((await trayTexts(page)).text.includes('Verbindung testen'));
    await openTab(page, 'rc-tab-auth');
    await page.selectOption('#node-config-input-authType', 'oauth2');
    assert.equal(await labelOf(page, 'node-config-input-clientSecret'), 'Client-Secret');
    // wider than Node-RED's default tray, as a user drags it, so the screenshot shows whole tab names
    await widenTray(page, 300);
    await page.locator('.red-ui-tray:last-of-type').screenshot({ path: docImagePath('connection-dialog-de.png') });

    await page.selectOption('#node-config-input-authType', 'basic');
    assert.equal(await labelOf(page, 'node-config-input-authType'), 'Authentifizierung');
    assert.equal(await labelOf(page, 'node-config-input-username'), 'Benutzername');
    assert.ok((await optionTexts(page, 'node-config-input-authType')).includes('Basic (Benutzername und Passwort)'));
    await openTab(page, 'rc-tab-params');
    const params = (await trayTexts(page)).text;
    for (const german of ['Header', 'Query-Parameter', 'Cookies']) assert.ok(params.includes(german), german);
    await openTab(page, 'rc-tab-tls');
    assert.equal(await labelOf(page, 'node-config-input-tlsMinVersion'), 'TLS-Mindestversion');
    await openTab(page, 'rc-tab-limits');
    assert.ok((await trayTexts(page)).text.includes('Wiederholungen'));
    await assertNoRawKeys(page, 'connection');
    await closeDialog(page, '#node-config-input-baseUrl');
  });

  it('palette, help title and status: names agree, and the runtime speaks German', async function () {
    const palette = await shownTexts(
      page,
      '.red-ui-palette-node[data-palette-type^="execute-rest-"] .red-ui-palette-label',
    );
    assert.deepEqual(palette.sort(), ['rest grid', 'rest scalar']);
    const help = await page.evaluate(() => {
      const red = RED as unknown as { sidebar: { help: { show(type: string): void } } };
      red.sidebar.help.show('execute-rest-grid');
      return $('.red-ui-help-title').text();
    });
    assert.equal(normalized(help), 'rest grid', 'the help title is the palette label');
    await page.waitForFunction(() => {
      const node = RED.nodes.node('grid2') as { status?: { text?: string } } | undefined;
      return node?.status?.text !== undefined;
    });
    const status = await page.evaluate(() => (RED.nodes.node('grid2') as { status?: { text?: string } }).status?.text);
    assert.equal(status, 'keine Verbindung');
    assert.deepEqual(editor.pageErrors, [], 'no script error in the editor');
  });
});
