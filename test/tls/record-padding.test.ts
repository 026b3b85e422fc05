import { createCipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { suiteById } from '../../src/core/tls/cipher-suites';
import { Tls13Protection } from '../../src/core/tls/record-protection';

/** A TLS 1.3 record sealed by hand (AES-128-GCM, sequence 0) around `inner` = content, type, padding. */
function sealed(key: Buffer, iv: Buffer, inner: Buffer): { header: Buffer; body: Buffer } {
  const header = Buffer.of(23, 3, 3, 0, 0);
  header.writeUInt16BE(inner.length + 16, 3);
  const c = createCipheriv('aes-128-gcm', key, iv).setAAD(header);
  const body = Buffer.concat([c.update(inner), c.final(), c.getAuthTag()]);
  return { header, body };
}

describe('TLS 1.3 record size limit (F6)', () => {
  const suite = suiteById(0x1301);
  const key = randomBytes(16);
  const iv = randomBytes(12);
  const open = (inner: Buffer) => {
    const { header, body } = sealed(key, iv, inner);
    return new Tls13Protection(suite!, key, iv).open(header, body);
  };

  it('counts the content type and padding against 2^14 + 1 bytes', () => {
    const data = Buffer.alloc(8193, 0x61);
    const atLimit = Buffer.concat([data, Buffer.of(23), Buffer.alloc(16384 - 8193)]);
    expect(open(atLimit).data.equals(data)).toBe(true);
    const overLimit = Buffer.concat([data, Buffer.of(23), Buffer.alloc(8192)]);
    expect(() => open(overLimit)).toThrow(/longer than TLS allows/);
  });

  it('refuses a full record with padding after it', () => {
    const inner = Buffer.concat([Buffer.alloc(16384, 0x61), Buffer.of(23), Buffer.alloc(1)]);
    expect(() => open(inner)).toThrow(/longer than TLS allows/);
  });
});
