/**
 * The CLI bundle (scripts/build-cli.mjs, built before the tests run) takes the ESM builds of the
 * @peculiar packages. A package bundled twice, once as CommonJS and once as ESM, would carry two
 * schema registries (@peculiar/asn1-schema keeps one per copy) and certificates parsed by one copy
 * would not serialize through the other. Every command loads the whole bundle, so what it carries
 * is start-up time: zod is imported as a namespace (`import * as z`, which esbuild shakes; `{ z }`
 * kept every locale) and node-forge by the modules PKCS#12 needs.
 */
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const BUNDLE = fileURLToPath(new URL('../../out/cli/keyport.js', import.meta.url));

/** The build folders (`es2015`, `cjs`, ...) of `pkg` that the bundle's module comments name. */
function bundledBuilds(source: string, pkg: string): Set<string> {
  const escaped = pkg.replace(/[/.]/g, '\\$&');
  return new Set([...source.matchAll(new RegExp(`node_modules/${escaped}/build/([a-z0-9]+)/`, 'g'))].map((m) => m[1] as string));
}

describe('the CLI bundle', () => {
  let source: string;
  beforeAll(async () => {
    source = await readFile(BUNDLE, 'utf8');
  });

  it('carries @peculiar/asn1-schema once, from its ESM build', () => {
    expect(bundledBuilds(source, '@peculiar/asn1-schema')).toEqual(new Set(['es2015']));
    expect(source.match(/var AsnSchemaStorage = class/g)).toHaveLength(1);
  });

  it('carries the ESM builds of the X.509 packages, not CommonJS wrappers', () => {
    for (const pkg of ['@peculiar/asn1-x509', '@peculiar/asn1-pkcs8', '@peculiar/asn1-pfx']) expect(bundledBuilds(source, pkg), pkg).toEqual(new Set(['es2015']));
    expect(source).not.toContain('node_modules/@peculiar/x509/build/x509.cjs.js');
  });

  it('is pure ASCII, so bin/code-cache.cjs reads it without decoding UTF-8', () => {
    expect(source.match(/[\u0080-\uffff]/g) ?? []).toEqual([]);
  });

  it('carries only the parts of zod and node-forge that Keyport uses', () => {
    const locales = [...source.matchAll(/\/\/ node_modules\/zod\/v4\/locales\/([a-z-]+)\.js/g)].map((m) => m[1]);
    expect(locales).toEqual(['en']);
    const forge = new Set([...source.matchAll(/\/\/ node_modules\/node-forge\/lib\/([A-Za-z0-9]+)\.js/g)].map((m) => m[1]));
    expect([...forge].sort()).toEqual(['baseN', 'cipher', 'cipherModes', 'des', 'forge', 'rc2', 'util']);
  });

  it("does not load Node's TLS module to start (Keyport's TLS is its own; loading it took 4-8 ms)", () => {
    const script = `process.on('exit', () => console.error(JSON.stringify(process.moduleLoadList.filter((m) => /^NativeModule (tls|https)$/.test(m))))); process.argv.splice(1, 0, 'keyport'); require(${JSON.stringify(BUNDLE)});`;
    const r = spawnSync(process.execPath, ['-e', script, '--', '--version'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stderr.trim().split('\n').at(-1)!)).toEqual([]);
  });
});
