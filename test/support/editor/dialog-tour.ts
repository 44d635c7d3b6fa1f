/**
 * The three edit dialogs and their tabs, as the layout tests and `npm run screenshots` visit
 * them: open a dialog on nodes imported from the package's examples (a grid with three
 * columns, a scalar, their connection), show each tab, measure what sticks out of the tray.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { editConnection, editNode, openTab } from './editor-page';

const EXAMPLES = path.resolve(__dirname, '..', '..', '..', 'examples');

/** Imports example files into the open flow tab, as Import > Examples does. */
export async function importExamples(page: Page, files: string[]): Promise<void> {
  const nodes = files.flatMap((file) => JSON.parse(fs.readFileSync(path.join(EXAMPLES, file), 'utf8')) as object[]);
  await page.evaluate((flow) => RED.view.importNodes(flow, { generateIds: false }), nodes);
}

/** The examples the tour imports: a grid with three columns and a scalar, each with its connection. */
export const TOUR_EXAMPLES = ['01 - Grid of users.json', '02 - Scalar value.json'];

export interface TourDialog {
  /** the node type, also the screenshot's name */
  type: string;
  open(page: Page): Promise<void>;
  /** The pane ids of its RED.tabs tabs; none for a one-page form. */
  tabs(page: Page): Promise<string[]>;
  close(page: Page): Promise<void>;
}

const closeNodeDialog = async (page: Page, field: string) => {
  await page.click('#node-dialog-cancel');
  await page.waitForSelector(field, { state: 'detached' });
};

export const DIALOGS: TourDialog[] = [
  {
    type: 'rest-connection',
    open: (page) => editConnection(page),
    tabs: (page) =>
      page.$$eval('#rc-tabs a.red-ui-tab-label', (links) => links.map((a) => a.getAttribute('href')!.slice(1))),
    close: async (page) => {
      await page.click('#node-config-dialog-cancel');
      await page.waitForSelector('#node-config-input-baseUrl', { state: 'detached' });
    },
  },
  {
    type: 'execute-rest-grid',
    open: (page) => editNode(page, 'execute-rest-grid', '#node-input-rowsPath'),
    tabs: () => Promise.resolve([]),
    close: (page) => closeNodeDialog(page, '#node-input-rowsPath'),
  },
  {
    type: 'execute-rest-scalar',
    open: (page) => editNode(page, 'execute-rest-scalar', '#node-input-valuePath'),
    tabs: () => Promise.resolve([]),
    close: (page) => closeNodeDialog(page, '#node-input-valuePath'),
  },
];

/** Shows tab `id` of the open connection dialog. */
export const showTab = (page: Page, id: string): Promise<void> => openTab(page, id);

export interface Overflow {
  /** The edit form's visible elements that reach past the tray's left or right edge. */
  outside: string[];
  /** The tray body's and the form's scrollWidth and clientWidth. */
  scroll: { element: string; scrollWidth: number; clientWidth: number }[];
  trayWidth: number;
  /** How far the tray reaches past the editor's area (under the sidebar or off the window), in px. */
  trayBeyondEditor: number;
}

/** What of the open (topmost) edit dialog sticks out of its tray, horizontally. */
export function overflowOf(page: Page): Promise<Overflow> {
  return page.evaluate(() => {
    const trays = Array.from(document.querySelectorAll<HTMLElement>('.red-ui-tray'));
    const tray = trays[trays.length - 1]!;
    const body = tray.querySelector<HTMLElement>('.red-ui-tray-body')!;
    const box = body.getBoundingClientRect();
    const form = body.querySelector<HTMLElement>('.rest-form')!;
    const describe = (el: Element) =>
      el.tagName.toLowerCase() +
      (el.id ? `#${el.id}` : '') +
      (typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : '');
    const outside: string[] = [];
    // what the user sees of an element: its box, cut by every ancestor that clips its overflow
    const shownPart = (el: Element) => {
      let { left, right } = el.getBoundingClientRect();
      for (let a = el.parentElement; a && a !== body; a = a.parentElement) {
        if (getComputedStyle(a).overflowX === 'visible') continue;
        const clip = a.getBoundingClientRect();
        left = Math.max(left, clip.left);
        right = Math.min(right, clip.right);
      }
      return { left, right };
    };
    for (const el of Array.from(form.querySelectorAll('*'))) {
      const rect = el.getBoundingClientRect();
      if (rect.width === 0 || rect.height === 0) continue;
      const { left, right } = shownPart(el);
      if (right <= left) continue;
      if (right > box.right + 0.5 || left < box.left - 0.5)
        outside.push(`${describe(el)} [${Math.round(left)}..${Math.round(right)}]`);
    }
    const scroll = [body, form, ...Array.from(form.querySelectorAll<HTMLElement>('.red-ui-editableList-container'))]
      .filter((el) => el.getBoundingClientRect().width > 0)
      .map((el) => ({ element: describe(el), scrollWidth: el.scrollWidth, clientWidth: el.clientWidth }));
    const sidebar = document.getElementById('red-ui-sidebar')?.getBoundingClientRect();
    const editorRight = sidebar && sidebar.width > 0 ? Math.min(sidebar.left, window.innerWidth) : window.innerWidth;
    const trayBeyondEditor = Math.max(0, Math.round(box.right - editorRight));
    return { outside, scroll, trayWidth: Math.round(box.width), trayBeyondEditor };
  });
}
