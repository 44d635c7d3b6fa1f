/**
 * Invalid values are marked where they are typed, as Node-RED marks its own fields (input-error):
 * whole numbers, credentials the chosen authentication needs, JSONPaths the runtime's parser
 * rejects (checked through POST /rest-connection/jsonpath-check); the connection's tab that holds
 * an invalid field is marked too. Fixing the value clears every mark.
 */
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { importExamples, TOUR_EXAMPLES } from '../support/editor/dialog-tour';
import { useEditor } from '../support/editor/editor-session';
import { editConnection, editNode, openTab } from '../support/editor/editor-page';

const isMarked = (page: Page, selector: string): Promise<boolean> =>
  page.locator(selector).evaluate((el) => el.classList.contains('input-error'));

/** Types `value` into a field and leaves it, as a user does. */
async function enter(page: Page, selector: string, value: string): Promise<void> {
  await page.fill(selector, value);
  await page.locator(selector).blur();
}

/** Whether the connection dialog's tab for pane `id` is marked, and its marker shows. */
const tabMark = (page: Page, id: string) =>
  page.locator(`#rc-tabs a[href="#${id}"]`).evaluate((a) => {
    const li = a.closest('li')!;
    const label = a.querySelector('.red-ui-tab-label') ?? a;
    return {
      marked: li.classList.contains('rest-tab-invalid'),
      marker: getComputedStyle(label, '::before').content,
      color: getComputedStyle(a).color,
    };
  });

describe('editor: invalid values are marked where they are', function () {
  this.timeout(120000);
  const editor = useEditor({ viewport: { width: 1024, height: 700 } });
  let page: Page;
  before(async () => {
    page = editor.page;
    await importExamples(page, TOUR_EXAMPLES);
  });

  it('marks "abc" in timeout and retries, and the Timeouts tab; fixing them clears both', async function () {
    await editConnection(page, 'ex01-connection');
    const unmarked = await tabMark(page, 'rc-tab-limits');
    assert.equal(unmarked.marked, false);
    await openTab(page, 'rc-tab-limits');
    await enter(page, '#node-config-input-timeout', 'abc');
    await enter(page, '#node-config-input-retries', 'abc');
    assert.equal(await isMarked(page, '#node-config-input-timeout'), true, 'timeout marked');
    assert.equal(await isMarked(page, '#node-config-input-retries'), true, 'retries marked');
    // the reason Node-RED shows comes from the catalog (nodes/shared/locales/en-US/validation.json), not its key
    const reason = await page.evaluate(() => {
      const node = RED.nodes.node('ex01-connection') ?? {};
      return RED.nodes.getType('rest-connection')?.defaults.timeout?.validate?.call(node, 'abc', { label: 'Timeout' });
    });
    assert.match(String(reason), /^Timeout: a whole number from \d+/);
    await openTab(page, 'rc-tab-connection');
    const marked = await tabMark(page, 'rc-tab-limits');
    assert.equal(marked.marked, true, 'the tab holding them is marked');
    assert.match(marked.marker, /\uf071/, 'the tab shows a warning sign');
    assert.notEqual(marked.color, unmarked.color, 'the tab is coloured');
    assert.equal((await tabMark(page, 'rc-tab-auth')).marked, false, 'the other tabs are not');

    await openTab(page, 'rc-tab-limits');
    await enter(page, '#node-config-input-timeout', '2.5');
    assert.equal(await isMarked(page, '#node-config-input-timeout'), true, 'a fraction is marked too');
    await enter(page, '#node-config-input-timeout', '30000');
    await enter(page, '#node-config-input-retries', '${RETRIES}');
    assert.equal(await isMarked(page, '#node-config-input-timeout'), false);
    assert.equal(await isMarked(page, '#node-config-input-retries'), false, 'an ${ENV} reference is valid');
    assert.equal((await tabMark(page, 'rc-tab-limits')).marked, false, 'the tab mark is gone');
  });

  it('marks what the authentication needs (username with Basic, API key, OAuth2 client ID and token URL), and the Authentication tab', async function () {
    await openTab(page, 'rc-tab-auth');
    await page.selectOption('#node-config-input-authType', 'basic');
    await enter(page, '#node-config-input-username', '');
    assert.equal(await isMarked(page, '#node-config-input-username'), true, 'username marked');
    assert.equal((await tabMark(page, 'rc-tab-auth')).marked, true, 'Authentication tab marked');
    await page.selectOption('#node-config-input-authType', 'none');
    assert.equal(await isMarked(page, '#node-config-input-username'), false, 'not needed without authentication');
    await page.selectOption('#node-config-input-authType', 'apiKey');
    assert.equal(await isMarked(page, '#node-config-input-apiKey'), true, 'API key needed for apiKey');
    await enter(page, '#node-config-input-apiKey', 'k-123');
    await page.selectOption('#node-config-input-authType', 'oauth2');
    assert.equal(await isMarked(page, '#node-config-input-clientId'), true, 'OAuth2 needs a client ID');
    assert.equal(await isMarked(page, '#node-config-input-tokenUrl'), true, 'and a token URL...');
    await enter(page, '#node-config-input-discoveryUrl', 'https://id.example.test/.well-known/openid-configuration');
    assert.equal(await isMarked(page, '#node-config-input-tokenUrl'), false, '...or a discovery URL');
    await page.selectOption('#node-config-input-authType', 'basic');
    await enter(page, '#node-config-input-username', 'alice');
    assert.equal(await isMarked(page, '#node-config-input-username'), false);
    assert.equal((await tabMark(page, 'rc-tab-auth')).marked, false);
    await page.click('#node-config-dialog-cancel');
    await page.waitForSelector('#node-config-input-baseUrl', { state: 'detached' });
  });

  it('marks max pages "abc" and JSONPaths the runtime rejects in the grid dialog', async function () {
    await editNode(page, 'execute-rest-grid', '#node-input-rowsPath');
    await page.selectOption('#node-input-paging', 'offset');
    await enter(page, '#node-input-maxPages', 'abc');
    assert.equal(await isMarked(page, '#node-input-maxPages'), true, 'max pages marked');
    await enter(page, '#node-input-maxPages', '10');
    assert.equal(await isMarked(page, '#node-input-maxPages'), false);

    // the runtime's parser: an unclosed bracket, a filter that does not parse
    await enter(page, '#node-input-rowsPath', '$.data[');
    await page.waitForSelector('#node-input-rowsPath.input-error');
    await enter(page, '#node-input-rowsPath', 'data.items');
    await page.waitForSelector('#node-input-rowsPath:not(.input-error)');
    const column = page.locator('#rest-columns-list .rest-col-path').first();
    await column.fill('$[?(@.a ==)]');
    await column.blur();
    await page.waitForSelector('#rest-columns-list .rest-col-path.input-error');
    assert.match((await column.getAttribute('title')) ?? '', /not a valid JSONPath/);
    await column.fill('$.name');
    await column.blur();
    await page.waitForSelector('#rest-columns-list .rest-col-path.input-error', { state: 'detached' });
    await page.click('#node-dialog-cancel');
    await page.waitForSelector('#node-input-rowsPath', { state: 'detached' });
  });

  it('marks a value path the runtime rejects in the scalar dialog', async function () {
    await editNode(page, 'execute-rest-scalar', '#node-input-valuePath');
    await enter(page, '#node-input-valuePath', '$.a b');
    await page.waitForSelector('#node-input-valuePath.input-error');
    await enter(page, '#node-input-valuePath', "$['a b']");
    await page.waitForSelector('#node-input-valuePath:not(.input-error)');
    await page.click('#node-dialog-cancel');
    await page.waitForSelector('#node-input-valuePath', { state: 'detached' });
    assert.deepEqual(editor.pageErrors, [], 'no script error in the editor');
  });
});
