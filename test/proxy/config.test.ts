/** The proxy's configuration: `--route`/`--http-rule` strings and the YAML/JSON file, one schema, errors with line and field. */
import { describe, expect, it } from 'vitest';
import { parseProxyConfig } from '../../src/core/proxy/config-file';
import { parseHttpProxyFlags, parseHttpRuleFlag, parseRouteFlag } from '../../src/core/proxy/flags';
import { hostMatches } from '../../src/core/proxy/host-glob';
import { checkLoopback, isLoopback } from '../../src/core/proxy/listen';
import { configClash, formatAddress, routeName, sameNamedRoute } from '../../src/core/proxy/schema';
import { RouteStats } from '../../src/core/proxy/stats';
import { KeyportError } from '../../src/shared/errors';

function refusal(fn: () => unknown): KeyportError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(KeyportError);
    return e as KeyportError;
  }
  throw new Error('expected a refusal');
}

describe('--route strings', () => {
  it('parses every option, resolves ca against the cwd, and applies the defaults', () => {
    const r = parseRouteFlag('127.0.0.1:8443=api.internal:443,identity=laptop,ca=ca.pem,ca=/etc/other.pem,servername=api,alpn=h2,limit=5,idle=30', '/work');
    expect(r).toEqual({
      listen: { host: '127.0.0.1', port: 8443 },
      upstream: { host: 'api.internal', port: 443 },
      identity: 'laptop',
      ca: ['/work/ca.pem', '/etc/other.pem'],
      servername: 'api',
      alpn: ['h2'],
      maxConnections: 5,
      idleTimeout: 30,
    });
    expect(parseRouteFlag('127.0.0.1:8443=api:443,identity=x,idle=5m').idleTimeout).toBe(300);
    expect(parseProxyConfig('routes:\n  - listen: 127.0.0.1:8443\n    upstream: api:443\n    identity: x\n    idleTimeout: 2h\n', 'p.yaml', '/').routes[0]!.idleTimeout).toBe(7200);
    expect(parseRouteFlag('[::1]:9000=[fd00::1]:443,identity=x')).toMatchObject({ listen: { host: '::1', port: 9000 }, upstream: { host: 'fd00::1', port: 443 }, maxConnections: 1024, idleTimeout: 3600 });
  });

  it('regression: an IPv6 route was named and shown as ::1:9000 (ambiguous); now [::1]:9000, as it is written', () => {
    const r = parseRouteFlag('[::1]:9000=[fd00::1]:443,identity=x');
    expect(routeName(r)).toBe('[::1]:9000');
    expect(formatAddress(r.upstream)).toBe('[fd00::1]:443');
    expect(formatAddress({ host: '127.0.0.1', port: 80 })).toBe('127.0.0.1:80');
    expect(refusal(() => checkLoopback({ host: 'fd00::1', port: 9000 }, false, 'route x')).message).toMatch(/^Refusing to listen on \[fd00::1\]:9000 for route x/);
  });

  it('refuses a malformed route in one sentence naming the field', () => {
    expect(refusal(() => parseRouteFlag('127.0.0.1:8443')).message).toMatch(/must start with LISTEN=UPSTREAM/);
    const noId = refusal(() => parseRouteFlag('127.0.0.1:8443=api:443'));
    expect(noId.code).toBe('KEYPORT_PROXY_CONFIG_INVALID');
    expect(noId.message).toMatch(/field "identity"\): missing: the identity to present upstream \(its id, its label, or auto\); fix it/);
    expect(refusal(() => parseHttpRuleFlag('identity=x')).message).toMatch(/field "host"\): missing: the host pattern/);
    expect(refusal(() => parseRouteFlag('127.0.0.1:8443=api,identity=x')).message).toMatch(/field "upstream".*"api" is not HOST:PORT/);
    expect(refusal(() => parseRouteFlag('127.0.0.1:8443=api:443,identity=x,pin=1234')).message).toMatch(/"pin=1234" is not one of identity=, ca=/);
    // Regression: a flag's error named the schema's field (maxConnections) and said "received string" of a number.
    expect(refusal(() => parseRouteFlag('127.0.0.1:8443=api:443,identity=x,limit=0')).message).toMatch(/field "limit"\): allow at least 1 connection;/);
    expect(refusal(() => parseRouteFlag('127.0.0.1:8443=api:443,identity=x,limit=-1')).message).toBe('--route "127.0.0.1:8443=api:443,identity=x,limit=-1": limit= takes a whole number, not "-1".');
    expect(refusal(() => parseRouteFlag('127.0.0.1:8443=api:443,identity=x,limit=1.5')).message).toMatch(/limit= takes a whole number, not "1\.5"/);
    expect(refusal(() => parseHttpRuleFlag('host=a.b,identity=x,port=x')).message).toMatch(/port= takes a whole number, not "x"/);
    expect(refusal(() => parseRouteFlag('127.0.0.1:8443=api:443,identity=x,idle=soon')).message).toMatch(/field "idle"\): write seconds \(e\.g\. 300\) or a duration such as 90s, 30m, 2h;/);
  });

  it('parses HTTP proxy rules and refuses a rule that would match every host', () => {
    expect(parseHttpRuleFlag('host=*.svc.internal,identity=laptop,port=8443', '/w')).toEqual({ host: '*.svc.internal', identity: 'laptop', port: 8443 });
    expect(refusal(() => parseHttpRuleFlag('host=*,identity=x')).message).toMatch(/field "host"/);
    expect(refusal(() => parseHttpRuleFlag('host=*.*,identity=x')).message).toMatch(/field "host"/);
    expect(refusal(() => parseHttpProxyFlags('127.0.0.1:3128', [])).message).toMatch(/needs at least one --http-rule/);
  });
});

describe('the configuration file', () => {
  const yaml = ['routes:', '  - listen: 127.0.0.1:8443', '    upstream: api.internal:443', '    identity: laptop', '    ca: ca.pem', 'statusPort: 9901', ''].join('\n');

  it('reads YAML and JSON into the same configuration, ca relative to the file', () => {
    const fromYaml = parseProxyConfig(yaml, 'proxy.yaml', '/etc/keyport');
    expect(fromYaml.routes[0]).toMatchObject({ listen: { host: '127.0.0.1', port: 8443 }, ca: ['/etc/keyport/ca.pem'] });
    const json = JSON.stringify({ routes: [{ listen: '127.0.0.1:8443', upstream: 'api.internal:443', identity: 'laptop', ca: 'ca.pem' }], statusPort: 9901 });
    expect(parseProxyConfig(json, 'proxy.json', '/etc/keyport')).toEqual(fromYaml);
  });

  it('names the line and the field of a bad value, an unknown field and a syntax error', () => {
    const bad = refusal(() => parseProxyConfig(yaml.replace('api.internal:443', 'api.internal'), 'proxy.yaml', '/'));
    expect(bad.code).toBe('KEYPORT_PROXY_CONFIG_INVALID');
    expect(bad.message).toMatch(/^Invalid proxy configuration \(proxy\.yaml, line 3, field "routes\[0\]\.upstream"\): "api\.internal" is not HOST:PORT/);
    // Regression: an unknown key was placed at the line of the object that holds it (line 2, "routes[0]").
    expect(refusal(() => parseProxyConfig(yaml.replace('    ca: ca.pem', '    cert: x.pem'), 'p.yaml', '/')).message).toMatch(/line 5, field "routes\[0\]\.cert"\): Unrecognized key: "cert"/);
    expect(refusal(() => parseProxyConfig(`${yaml}bogus: 1\n`, 'p.yaml', '/')).message).toMatch(/line 7, field "bogus"\)/);
    expect(refusal(() => parseProxyConfig('routes: [\n  {listen: 1', 'p.yaml', '/')).message).toMatch(/^Invalid proxy configuration \(p\.yaml, line \d\)/);
    expect(refusal(() => parseProxyConfig('statusPort: "x"\n', 'p.yaml', '/')).message).toMatch(/line 1, field "statusPort"/);
    expect(refusal(() => parseProxyConfig('routes:\n  - listen: 127.0.0.1:8443\n    identity: x\n', 'p.yaml', '/')).message).toMatch(/field "routes\[0\]\.upstream"\): missing: the upstream HOST:PORT/);
  });
});

describe('routes that share a name or a listen address', () => {
  const route = (listen: string, name?: string) => `  - listen: ${listen}\n    upstream: api:443\n    identity: x\n${name ? `    name: ${name}\n` : ''}`;

  it('regression: the second of two routes with one name (or one listen address, the default name) silently replaced the first; now refused with its line', () => {
    const named = refusal(() => parseProxyConfig(`routes:\n${route('127.0.0.1:8001', 'web')}${route('127.0.0.1:8002', 'web')}`, 'p.yaml', '/'));
    expect(named.code).toBe('KEYPORT_PROXY_CONFIG_INVALID');
    expect(named.message).toBe('Invalid proxy configuration (p.yaml, line 9, field "routes[1].name"): two routes are named web (each needs its own name); fix it and try again.');
    const unnamed = refusal(() => parseProxyConfig(`routes:\n${route('127.0.0.1:8001')}${route('127.0.0.1:8001')}`, 'p.yaml', '/'));
    expect(unnamed.message).toMatch(/line 5, field "routes\[1\]\.listen"\): two routes listen on 127\.0\.0\.1:8001 \(each needs its own port\)/);
    expect(sameNamedRoute([parseRouteFlag('127.0.0.1:8001=api:443,identity=x'), parseRouteFlag('127.0.0.1:8002=api:443,identity=x')])).toBeUndefined();
  });

  it('regression: two named routes, or a route and the HTTP proxy, on one address failed as "the port is already in use; stop what uses it" (Keyport itself); now refused as such', () => {
    const twoNamed = refusal(() => parseProxyConfig(`routes:\n${route('127.0.0.1:8001', 'a')}${route('127.0.0.1:8001', 'b')}`, 'p.yaml', '/'));
    expect(twoNamed.message).toMatch(/field "routes\[1\]\.listen"\): route a and route b both listen on 127\.0\.0\.1:8001 \(each needs its own port\)/);
    const withForward = refusal(() => parseProxyConfig(`routes:\n${route('127.0.0.1:8001', 'a')}httpProxy:\n  listen: 127.0.0.1:8001\n  rules:\n    - host: x.y\n      identity: x\n`, 'p.yaml', '/'));
    expect(withForward.message).toMatch(/field "httpProxy\.listen"\): route a and the HTTP proxy both listen on 127\.0\.0\.1:8001/);
    expect(configClash({ routes: [parseRouteFlag('127.0.0.1:0=api:443,identity=x,name=a'), parseRouteFlag('127.0.0.1:0=api:443,identity=x,name=b')] })).toBeUndefined();
  });
});

describe('host patterns, loopback, stats', () => {
  it('matches *.domain against one or more labels and nothing else', () => {
    expect(hostMatches('*.svc.internal', 'api.svc.internal')).toBe(true);
    expect(hostMatches('*.svc.internal', 'a.b.SVC.internal.')).toBe(true);
    expect(hostMatches('*.svc.internal', 'svc.internal')).toBe(false);
    expect(hostMatches('*.svc.internal', 'evil-svc.internal')).toBe(false);
    expect(hostMatches('*.svc.internal', 'api.svc.internal.evil.com')).toBe(false);
    expect(hostMatches('localhost', 'localhost')).toBe(true);
    expect(hostMatches('api-*.corp', 'api-1.corp')).toBe(true);
    expect(hostMatches('api-*.corp', 'api-1.x.corp')).toBe(false);
  });

  it('knows loopback addresses', () => {
    for (const h of ['127.0.0.1', '127.3.2.1', '::1', 'localhost']) expect(isLoopback(h)).toBe(true);
    for (const h of ['0.0.0.0', '::', '10.0.0.1', '128.0.0.1', 'example.com']) expect(isLoopback(h)).toBe(false);
  });

  it('computes nearest-rank p50/p95, counts errors by code and keeps the last one in words', () => {
    const s = new RouteStats('r', 'l', 'u');
    for (let i = 1; i <= 100; i++) s.handshake(i, i % 2 === 0);
    expect(s.view().lastError).toBeUndefined();
    s.error('KEYPORT_TLS_CLOSED', 'first');
    s.error('KEYPORT_TLS_CLOSED', 'second');
    expect(s.view()).toMatchObject({ handshakesFull: 50, handshakesResumed: 50, handshakeMsP50: 50, handshakeMsP95: 95, errors: { KEYPORT_TLS_CLOSED: 2 }, lastError: { code: 'KEYPORT_TLS_CLOSED', message: 'second' } });
  });
});
