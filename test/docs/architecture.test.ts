/**
 * docs/architecture.md stays true: every path it names exists, it describes every folder of lib/
 * and nodes/ (and every file at lib/'s root), and the import rules it states hold: lib/ knows
 * nothing of Node-RED or nodes/, and no module imports itself through others, type imports included.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '..', '..');
const ARCHITECTURE = fs.readFileSync(path.join(ROOT, 'docs', 'architecture.md'), 'utf8');

/** Files (or, with `folders`, folders) below `dir`, relative to the project root. */
function walk(dir: string, folders = false): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const relative = `${dir}/${entry.name}`;
    if (!entry.isDirectory()) return folders ? [] : [relative];
    return folders ? [relative, ...walk(relative, true)] : walk(relative);
  });
}

/** The modules a TypeScript file imports (relative ones resolved to files; packages by name). */
function importsOf(file: string): string[] {
  const { importedFiles } = ts.preProcessFile(fs.readFileSync(path.join(ROOT, file), 'utf8'), true, true);
  return importedFiles.map(({ fileName }) => {
    if (!fileName.startsWith('.')) return fileName;
    const target = path.posix.join(path.posix.dirname(file), fileName);
    return (
      [`${target}.ts`, `${target}/index.ts`].find((candidate) => fs.existsSync(path.join(ROOT, candidate))) ?? target
    );
  });
}

describe('docs/architecture.md', function () {
  it('names only paths that exist', function () {
    const named = [...ARCHITECTURE.matchAll(/`((?:lib|nodes|scripts|test|docs)\/[\w./-]*)`/g)].map(
      ([, name]) => name ?? '',
    );
    assert.ok(named.length > 50, 'the page names the modules');
    const missing = named.filter((name) => !fs.existsSync(path.join(ROOT, name)));
    assert.deepEqual(missing, []);
  });

  it("describes every folder of lib/ and nodes/ and every file at lib/'s root", function () {
    const folders = [...walk('lib', true), ...walk('nodes', true)].filter(
      (folder) => !/\/(icons|locales)(\/|$)/.test(folder) || folder === 'nodes/shared/locales/en-US',
    );
    const rootFiles = fs.readdirSync(path.join(ROOT, 'lib')).filter((name) => name.endsWith('.ts'));
    const undescribed = [
      ...folders.filter(
        (folder) => !ARCHITECTURE.includes(`${folder}/`) && !ARCHITECTURE.includes(`${path.basename(folder)}/ `),
      ),
      ...rootFiles.filter((file) => !ARCHITECTURE.includes(`lib/${file}`)),
    ];
    assert.deepEqual(undescribed, []);
  });

  it('lib/ imports nothing of Node-RED or nodes/', function () {
    const offending = walk('lib')
      .filter((file) => file.endsWith('.ts'))
      .flatMap((file) =>
        importsOf(file)
          .filter((target) => /^node-red|^@node-red\/|^nodes\//.test(target))
          .map((target) => `${file} -> ${target}`),
      );
    assert.deepEqual(offending, []);
  });

  it('no module of lib/ or nodes/ imports itself through others (type imports count too)', function () {
    const files = [...walk('lib'), ...walk('nodes')].filter((file) => file.endsWith('.ts'));
    const graph = new Map(files.map((file) => [file, importsOf(file).filter((target) => graphHas(target))]));
    function graphHas(target: string): boolean {
      return files.includes(target);
    }
    const cycles: string[] = [];
    const done = new Set<string>();
    const visit = (file: string, trail: string[]): void => {
      const seen = trail.indexOf(file);
      if (seen !== -1) {
        cycles.push([...trail.slice(seen), file].join(' -> '));
        return;
      }
      if (done.has(file)) return;
      for (const target of graph.get(file) ?? []) visit(target, [...trail, file]);
      done.add(file);
    };
    for (const file of files) visit(file, []);
    assert.deepEqual(cycles, []);
  });
});
