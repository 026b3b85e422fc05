import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, CSP_META_DIRECTIVES } from './csp';

const indexHtml = readFileSync(path.join(__dirname, '../renderer/index.html'), 'utf8');

function directives(policy: string): string[] {
  return policy
    .split(';')
    .map((d) => d.trim().replace(/\s+/g, ' '))
    .filter(Boolean);
}

describe('Content-Security-Policy', () => {
  it("index.html's meta tag states exactly the meta directives of src/main/csp.ts", () => {
    const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/i.exec(indexHtml);
    expect(meta?.[1]).toBeDefined();
    expect(directives(meta?.[1] ?? '')).toEqual([...CSP_META_DIRECTIVES]);
  });

  it('allows nothing but our own origin, no inline code and no framing', () => {
    const policy = directives(CONTENT_SECURITY_POLICY);
    expect(policy[0]).toBe("default-src 'self'");
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).toContain("object-src 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-|\*|https?:|data:|blob:/);
  });

  it('index.html loads no inline script or style', () => {
    expect(indexHtml).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(indexHtml).not.toMatch(/<style|\sstyle=/i);
  });
});
