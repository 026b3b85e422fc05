import { promises as fs } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument, isNode } from 'yaml';
import { KeyportError } from '../../shared/errors';
import { configError } from './config-errors';
import { ProxyConfigSchema, type ProxyConfig } from './schema';

/**
 * Parses a proxy configuration written as YAML or JSON (JSON is YAML), validated by the schema.
 * Errors name the line and the field. Relative `ca` paths are taken from `baseDir`.
 */
export function parseProxyConfig(text: string, source: string, baseDir: string): ProxyConfig {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const syntax = doc.errors[0];
  if (syntax) {
    const line = lines.linePos(syntax.pos[0]).line;
    throw new KeyportError('KEYPORT_PROXY_CONFIG_INVALID', `Invalid proxy configuration (${source}, line ${line}): ${syntax.message.split('\n')[0]}; fix it and try again.`);
  }
  const parsed = ProxyConfigSchema.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    const lineOf = (p: readonly PropertyKey[]): number | undefined => {
      // The deepest node that exists on the issue's path (a missing field points at its parent).
      for (let n = p.length; n >= 0; n--) {
        const node: unknown = n === 0 ? doc.contents : doc.getIn(p.slice(0, n) as unknown[], true);
        if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
      }
      return undefined;
    };
    throw configError(source, parsed.error.issues[0]!, lineOf);
  }
  return withAbsoluteCaPaths(parsed.data, baseDir);
}

/** Reads and parses a configuration file. */
export async function loadProxyConfigFile(file: string): Promise<ProxyConfig> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new KeyportError('KEYPORT_FILE_UNREADABLE', `Cannot read the proxy configuration ${file}: ${(e as Error).message}.`);
  }
  return parseProxyConfig(text, file, path.dirname(path.resolve(file)));
}

function withAbsoluteCaPaths(config: ProxyConfig, baseDir: string): ProxyConfig {
  const abs = (files?: string[]): string[] | undefined => files?.map((f) => path.resolve(baseDir, f));
  return {
    ...config,
    routes: config.routes.map((r) => ({ ...r, ca: abs(r.ca) })),
    ...(config.httpProxy ? { httpProxy: { ...config.httpProxy, rules: config.httpProxy.rules.map((r) => ({ ...r, ca: abs(r.ca) })) } } : {}),
  };
}
