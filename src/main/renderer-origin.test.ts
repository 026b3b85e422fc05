import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RENDERER_ENTRY_URL, isTrustedFrame, rendererFileFor } from './renderer-origin';

describe('isTrustedFrame', () => {
  it('trusts only the top frame of our renderer', () => {
    expect(isTrustedFrame({ url: RENDERER_ENTRY_URL, parent: null })).toBe(true);
    expect(isTrustedFrame({ url: 'keyport://app/index.html#/identities', parent: null })).toBe(true);
  });

  it.each([
    ['a subframe of our renderer', { url: RENDERER_ENTRY_URL, parent: {} }],
    ['a web page', { url: 'https://app/index.html', parent: null }],
    ['a local file', { url: 'file:///work/main/out/renderer/index.html', parent: null }],
    ['another host on our scheme', { url: 'keyport://evil/index.html', parent: null }],
    ['our host with a port', { url: 'keyport://app:1/index.html', parent: null }],
    ['our host with credentials', { url: 'keyport://x@app/index.html', parent: null }],
    ['an unparsable URL', { url: 'not a url', parent: null }],
    ['about:blank', { url: 'about:blank', parent: null }],
  ])('refuses %s', (_name, frame) => {
    expect(isTrustedFrame(frame)).toBe(false);
  });

  it('refuses a destroyed frame', () => {
    expect(isTrustedFrame(null)).toBe(false);
    expect(isTrustedFrame(undefined)).toBe(false);
  });
});

describe('rendererFileFor', () => {
  const root = path.resolve('/opt/keyport/out/renderer');

  it('maps our URLs to files under the renderer folder', () => {
    expect(rendererFileFor('keyport://app/index.html', root)).toBe(path.join(root, 'index.html'));
    expect(rendererFileFor('keyport://app/', root)).toBe(path.join(root, 'index.html'));
    expect(rendererFileFor('keyport://app/assets/index-1.js?x=1#y', root)).toBe(path.join(root, 'assets', 'index-1.js'));
  });

  it('keeps dot segments, which URL parsing resolves, inside the folder', () => {
    expect(rendererFileFor('keyport://app/../main/index.js', root)).toBe(path.join(root, 'main', 'index.js'));
    expect(rendererFileFor('keyport://app/%2e%2e/main/index.js', root)).toBe(path.join(root, 'main', 'index.js'));
  });

  it.each([
    'keyport://app/assets%2F..%2F..%2Fmain%2Findex.js',
    'keyport://app/..%5cmain%5cindex.js',
    'keyport://app/index.html%00.png',
    'keyport://app/%E0%A4%A',
    'keyport://other/index.html',
    'file:///etc/passwd',
  ])('refuses %s', (url) => {
    expect(rendererFileFor(url, root)).toBeNull();
  });
});
