/**
 * What the browser tests' page.evaluate() callbacks use of the editor page: the DOM, jQuery and
 * the parts of Node-RED's RED object the tests call. Only code that runs in the page uses them.
 */
/// <reference lib="dom" />
/// <reference types="jquery" />

interface EditorPropertyDef {
  value?: unknown;
  required?: boolean;
  type?: string;
  validate?: (this: object, value: unknown, options?: object) => unknown;
}

interface EditorNodeDef {
  category: string;
  icon: string;
  defaults: Record<string, EditorPropertyDef>;
  credentials?: Record<string, EditorPropertyDef>;
}

interface EditorNode {
  id: string;
  type: string;
  [property: string]: unknown;
}

interface EditorRED {
  nodes: {
    getType(type: string): EditorNodeDef | undefined;
    getNodeHelp(type: string): string | undefined;
    filterNodes(filter: { type?: string }): EditorNode[];
    eachConfig(callback: (node: EditorNode) => void): void;
    node(id: string): EditorNode | undefined;
    dirty(): boolean;
    import(flow: object[]): void;
  };
  editor: {
    edit(node: EditorNode): void;
    editConfig(name: string, type: string, id: string): void;
  };
  utils: { getNodeLabel(node: EditorNode): string };
  view: { redraw(): void; importNodes(flow: object[], options?: { generateIds?: boolean }): void };
}

declare const RED: EditorRED;
