import { describe, expect, it } from 'vitest';
import config from './config.json';
import { parseShimArgs, Unimplemented } from './flags';
import { connectOptions, parseAlpnList } from './options';

const HANDLED = ['-port', '-resume-count', '-curves', '-expect-alpn', '-max-version', '-no-tls13', '-expect-curve-id'];
const known = (name: string): boolean =>
  name in config.UnsupportedFlags || name in config.IgnoredFlags || HANDLED.includes(name);

describe('BoGo shim command line', () => {
  it('applies -on-initial/-on-resume flags to their connection and plain flags to both', () => {
    const args = parseShimArgs(
      ['-port', '4000', '-resume-count', '1', '-on-initial-expect-alpn', 'foo', '-on-resume-expect-alpn', 'bar', '-async'],
      known,
    );
    expect(args.initial.int('-port')).toBe(4000);
    expect(args.resume.int('-resume-count')).toBe(1);
    expect(args.initial.str('-expect-alpn')).toBe('foo');
    expect(args.resume.str('-expect-alpn')).toBe('bar');
    expect(args.initial.has('-async') && args.resume.has('-async')).toBe(true);
  });

  it('collects repeated numeric flags in order', () => {
    const args = parseShimArgs(['-curves', '29', '-curves', '23'], known);
    expect(args.initial.ints('-curves')).toEqual([29, 23]);
  });

  it('skips -on-handshaker flags with their values and reports unknown flags as unimplemented', () => {
    const args = parseShimArgs(['-on-handshaker-expect-alpn', 'x', '-port', '1'], known);
    expect(args.initial.has('-expect-alpn')).toBe(false);
    expect(() => parseShimArgs(['-no-such-flag'], known)).toThrow(Unimplemented);
  });

  it('reads ALPN lists in wire form', () => {
    expect(parseAlpnList('\x03foo\x06proto2')).toEqual(['foo', 'proto2']);
  });

  it('maps version flags onto 1.2/1.3 and refuses TLS 1.0/1.1-only runs', () => {
    const only12 = parseShimArgs(['-no-tls13'], known).initial;
    expect(connectOptions(only12, '::1', 1)).toMatchObject({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' });
    const only11 = parseShimArgs(['-max-version', '770'], known).initial;
    expect(() => connectOptions(only11, '::1', 1)).toThrow(Unimplemented);
  });

  it('refuses groups Keyport does not implement', () => {
    const p224 = parseShimArgs(['-curves', '21'], known).initial;
    expect(() => connectOptions(p224, '::1', 1)).toThrow(Unimplemented);
    const wantP521 = parseShimArgs(['-expect-curve-id', '25'], known).initial;
    expect(() => connectOptions(wantP521, '::1', 1)).toThrow(Unimplemented);
  });
});
