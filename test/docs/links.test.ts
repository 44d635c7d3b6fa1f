/**
 * The README and the guides as a reader meets them: every relative link and #anchor points at a
 * file and a heading that exist (inside the repository), every guide in docs/ is reachable from
 * the index, the README stays a five-minute read (at most 15 KB), and every npm command the
 * documents tell a user to run is a script of package.json.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const DOCS = path.join(ROOT, 'docs');
const README_MAX_BYTES = 15 * 1024;

/** The markdown a user reads: the root documents and every guide. */
function markdownFiles(): string[] {
  const rootFiles = fs.readdirSync(ROOT).filter((file) => file.endsWith('.md'));
  const guides = fs.readdirSync(DOCS).filter((file) => file.endsWith('.md'));
  return [...rootFiles.map((file) => path.join(ROOT, file)), ...guides.map((file) => path.join(DOCS, file))];
}

/** The text without fenced code blocks and inline code, where brackets are not links. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces as hyphens. */
export function headingSlug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}

/** Every anchor a markdown file offers: heading slugs (repeats get -1, -2, …) and explicit ids. */
function anchorsOf(markdown: string): Set<string> {
  const withoutFences = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const match of withoutFences.matchAll(/^#{1,6}[ \t]+(.+?)[ \t#]*$/gm)) {
    const slug = headingSlug(match[1] ?? '');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    anchors.add(count === 0 ? slug : `${slug}-${count}`);
  }
  for (const match of markdown.matchAll(/\b(?:id|name)="([^"]+)"/g)) anchors.add(match[1] ?? '');
  return anchors;
}

/** Link targets of a markdown text: inline links and images, reference definitions, HTML href/src. */
function linkTargets(markdown: string): string[] {
  const text = prose(markdown);
  const inline = [...text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)];
  const references = [...text.matchAll(/^[ \t]*\[[^\]]+\]:[ \t]*<?(\S+?)>?(?:[ \t]+"[^"]*")?[ \t]*$/gm)];
  const html = [...text.matchAll(/\b(?:href|src)="([^"]+)"/g)];
  return [...inline, ...references, ...html].map((match) => match[1] ?? '');
}

/** What is wrong with the relative links of `file` (whose text is `markdown`); [] when all resolve. */
function brokenLinks(file: string, markdown: string): string[] {
  const problems: string[] = [];
  for (const target of linkTargets(markdown)) {
    if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // https:, mailto: — not ours to check offline
    const [rawPath = '', anchor] = target.split('#', 2);
    const targetPath = decodeURI(rawPath);
    const resolved = targetPath === '' ? file : path.resolve(path.dirname(file), targetPath);
    const where = `${path.relative(ROOT, file)}: (${target})`;
    if (path.relative(ROOT, resolved).startsWith('..')) {
      problems.push(`${where} points outside the repository`);
      continue;
    }
    if (resolved !== file && !fs.existsSync(resolved)) {
      problems.push(`${where}: ${path.relative(ROOT, resolved)} does not exist`);
      continue;
    }
    if (anchor === undefined) continue;
    if (!resolved.endsWith('.md')) {
      problems.push(`${where}: an anchor into a file that is not markdown`);
      continue;
    }
    const targetText = resolved === file ? markdown : fs.readFileSync(resolved, 'utf8');
    if (!anchorsOf(targetText).has(decodeURIComponent(anchor))) {
      problems.push(`${where}: ${path.relative(ROOT, resolved)} has no heading #${anchor}`);
    }
  }
  return problems;
}

describe('docs: README and guides', function () {
  describe('link checker', function () {
    it('makes GitHub anchors of headings with code, punctuation and links', function () {
      assert.equal(headingSlug('Picking rows (`execute-rest-grid`)'), 'picking-rows-execute-rest-grid');
      assert.equal(headingSlug('One flow, many devices: `${ENV}` settings'), 'one-flow-many-devices-env-settings');
      assert.equal(headingSlug('See [Errors](errors.md) · now'), 'see-errors--now');
      assert.equal(headingSlug('`oauth2_grant` and Ünïcode'), 'oauth2_grant-and-ünïcode');
    });

    it('reports a missing file, a missing heading, a link outside the repository and a bad reference', function () {
      const sample = [
        '# Sample',
        '## A heading',
        '[ok](README.md) [ok](#a-heading) [ok](errors.md#error-codes) [web](https://example.com/x.md)',
        '[gone](no-such-guide.md) [lost](#no-such-heading) [away](../../shared/spec/nodes.md)',
        '[wrong anchor](errors.md#no-such-code)',
        '`[in code](not-checked.md)`',
        '```',
        '[in a fence](not-checked-either.md)',
        '```',
        '[ref]: ./missing-by-reference.md',
      ].join('\n');
      const problems = brokenLinks(path.join(DOCS, 'sample.md'), sample);
      assert.equal(problems.length, 5, problems.join('\n'));
      assert.match(problems[0] ?? '', /no-such-guide\.md does not exist/);
      assert.match(problems[1] ?? '', /has no heading #no-such-heading/);
      assert.match(problems[2] ?? '', /points outside the repository/);
      assert.match(problems[3] ?? '', /errors\.md has no heading #no-such-code/);
      assert.match(problems[4] ?? '', /missing-by-reference\.md does not exist/);
    });
  });

  for (const file of markdownFiles()) {
    const name = path.relative(ROOT, file);
    it(`${name}: every relative link and anchor resolves`, function () {
      const markdown = fs.readFileSync(file, 'utf8');
      assert.deepEqual(brokenLinks(file, markdown), []);
    });
  }

  it('README.md and docs/README.md link to guides, and every guide is linked from the index', function () {
    const readmeLinks = linkTargets(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
    assert.ok(readmeLinks.filter((target) => target.startsWith('docs/')).length >= 5, readmeLinks.join(', '));
    const indexLinks = new Set(
      linkTargets(fs.readFileSync(path.join(DOCS, 'README.md'), 'utf8')).map((target) => target.split('#')[0]),
    );
    const guides = fs.readdirSync(DOCS).filter((file) => file.endsWith('.md') && file !== 'README.md');
    const orphans = guides.filter((guide) => !indexLinks.has(guide));
    assert.deepEqual(orphans, [], 'guides that docs/README.md does not link');
  });

  it(`README.md is at most ${README_MAX_BYTES / 1024} KB`, function () {
    const size = fs.statSync(path.join(ROOT, 'README.md')).size;
    assert.ok(size <= README_MAX_BYTES, `README.md is ${size} bytes`);
  });

  it("README's quick start gives the commands that exist: npm install && npm start, npm test", function () {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const quickStart = readme.slice(
      readme.indexOf('## Quick start'),
      readme.indexOf('\n## ', readme.indexOf('## Quick start') + 1),
    );
    assert.match(quickStart, /```sh\nnpm install && npm start\n```/);
    assert.match(quickStart, /```sh\nnpm test\n```/);
    const { scripts } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    assert.ok(scripts.start && scripts.test, 'package.json has start and test scripts');
  });

  it('every npm command the documents name is a script of package.json', function () {
    const { scripts } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const unknown: string[] = [];
    let checked = 0;
    for (const file of markdownFiles()) {
      const markdown = fs.readFileSync(file, 'utf8');
      for (const match of markdown.matchAll(/\bnpm (?:run ([\w:-]+)|(start|test)\b)/g)) {
        const script = match[1] ?? match[2] ?? '';
        checked++;
        if (!(script in scripts)) unknown.push(`${path.relative(ROOT, file)}: npm ${match[0].slice(4)}`);
      }
    }
    assert.ok(checked >= 10, `found only ${checked} npm commands: the pattern no longer matches the documents`);
    assert.deepEqual(unknown, []);
  });
});
