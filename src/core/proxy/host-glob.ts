/**
 * True when `host` matches `pattern` (case-insensitive): an exact name, or `*.domain`, where the
 * leading `*` stands for one or more labels (`*.svc.internal` matches `api.svc.internal` and
 * `a.b.svc.internal`, not `svc.internal`). Any other `*` stands for characters within one label.
 */
export function hostMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase().replace(/\.$/, '');
  const re = p.startsWith('*.') ? `^[^.]+(?:\\.[^.]+)*\\.${labelGlob(p.slice(2))}$` : `^${labelGlob(p)}$`;
  return new RegExp(re).test(h);
}

function labelGlob(p: string): string {
  return p
    .split('*')
    .map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('[^.]*');
}
