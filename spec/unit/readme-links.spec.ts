/**
 * Every cross-reference of the project's Markdown is valid: each relative link names a file of the
 * repository, and each `#anchor` (in the same file or another Markdown file) a heading there, with GitHub's
 * anchors (lower case, punctuation dropped, spaces as '-', a repeated heading suffixed -1, -2, ...). Links
 * inside code blocks and to other sites are not links of ours.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { expect } from 'chai';
import { ROOT } from '../support/run-script.js';

const DOCUMENTS = ['README.md', 'examples/README.md'];

/** The Markdown outside fenced code blocks, and with inline code spans blanked. */
function prose(markdown: string): string[] {
  let fenced = false;
  return markdown.split('\n').map((line) => {
    if (/^\s*```/.test(line)) {
      fenced = !fenced;
      return '';
    }
    return fenced ? '' : line;
  });
}

/** GitHub's anchors for a document's headings. */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const line of prose(markdown)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading === null) continue;
    const base = heading[1]!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, '')
      .replace(/\s/g, '-');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** The targets of a document's links (`[text](target)`), outside code. */
function linksOf(markdown: string): string[] {
  const links: string[] = [];
  for (const line of prose(markdown)) {
    const text = line.replace(/`[^`]*`/g, '');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) links.push(target!);
  }
  return links;
}

describe('documents: every relative link and anchor of README.md and examples/README.md resolves', () => {
  for (const document of DOCUMENTS) {
    it(document, () => {
      const source = readFileSync(join(ROOT, document), 'utf8');
      const broken: string[] = [];
      for (const target of linksOf(source)) {
        if (/^[a-z]+:/i.test(target)) continue;
        const [path, anchor] = target.split('#') as [string, string | undefined];
        const file = path === '' ? join(ROOT, document) : join(ROOT, dirname(document), path);
        if (!existsSync(file) || !relative(ROOT, file) || relative(ROOT, file).startsWith('..')) {
          broken.push(`${target}: no such file in the repository`);
        } else if (anchor !== undefined && !anchorsOf(readFileSync(file, 'utf8')).has(anchor)) {
          broken.push(`${target}: no such heading`);
        }
      }
      expect(broken).to.deep.equal([]);
    });
  }

  it('anchors as GitHub makes them', () => {
    const anchors = anchorsOf(
      '# Testing with `MockCluster` (`hircluster/testing`)\n## Event-loop adapters\n## Event-loop adapters\n',
    );
    expect([...anchors]).to.deep.equal([
      'testing-with-mockcluster-hirclustertesting',
      'event-loop-adapters',
      'event-loop-adapters-1',
    ]);
  });
});
