import type { Diagnosis } from '../shared/diagnoses';
import type { ProbeReport } from '../shared/probe-report';

/** ANSI colours, only when writing to a terminal that wants them (NO_COLOR unset). */
export interface Paint {
  red(s: string): string;
  yellow(s: string): string;
  green(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
}

const plain: Paint = { red: (s) => s, yellow: (s) => s, green: (s) => s, dim: (s) => s, bold: (s) => s };

/** Colours for `stream`: ANSI on a TTY without NO_COLOR, none otherwise. */
export function paintFor(stream: NodeJS.WriteStream): Paint {
  if (!stream.isTTY || process.env.NO_COLOR) return plain;
  const ansi = (code: number) => (s: string) => `\x1b[${code}m${s}\x1b[0m`;
  return { red: ansi(31), yellow: ansi(33), green: ansi(32), dim: ansi(2), bold: ansi(1) };
}

/** The readable report: ✓/✗ per step with times, the negotiated parameters, the diagnosis cards, reproduce lines. */
export function reportText(r: ProbeReport, p: Paint = plain): string {
  const lines = [`${r.ok ? p.green('OK') : p.red('FAILED')}  ${r.url}${r.identity ? `  (identity ${r.identity})` : ''}`];
  const tried = r.identitiesTried ?? [];
  if (tried.length > 1) lines.push(`  tried     ${tried.join(', ')} (the server names no CA)`);
  for (const s of r.steps) {
    const mark = s.ok ? p.green('✓') : p.red('✗');
    const tail = s.error ? `  ${s.error.message} [${s.error.code}]` : s.detail ? `  ${p.dim(s.detail)}` : '';
    lines.push(`  ${mark} ${s.step.padEnd(9)} ${s.ms} ms${tail}`);
  }
  const n = r.negotiated;
  if (n) {
    const ems = n.extendedMasterSecret === false ? ' (no extended master secret)' : '';
    lines.push(`  TLS       ${n.version} ${n.cipherSuite} ${n.group}${n.alpn ? ` alpn=${n.alpn}` : ''}${n.resumed ? ' (resumed)' : ''}${ems}`);
    lines.push(`  client    certificate ${n.clientCertificateSent ? `sent, signed with ${n.signatureScheme ?? '-'}` : 'not sent'}`);
  }
  if (r.certificateRequest) {
    lines.push(`  asked for ${r.certificateRequest.certificateAuthorities.join('; ') || 'any CA'} (${r.certificateRequest.signatureAlgorithms.join(', ')})`);
  }
  for (const c of r.serverChain ?? []) lines.push(`  server    ${c.subject}  (issuer ${c.issuer}, until ${c.notAfter.slice(0, 10)})`);
  if (r.http) lines.push(`  HTTP      ${r.http.status} ${r.http.statusText}`, ...r.http.bodyPreview.split('\n').slice(0, 5).map((l) => `  | ${l}`));
  for (const d of r.diagnoses) lines.push('', ...card(d, p));
  lines.push('', p.dim('  reproduce:'));
  if (r.reproduce.proxy) lines.push(`    ${r.reproduce.proxy}`);
  lines.push(`    ${r.reproduce.curl}`, `    ${r.reproduce.openssl}`);
  if (r.reproduce.note) lines.push(p.dim(`    (${r.reproduce.note})`));
  return `${lines.join('\n')}\n`;
}

/** One diagnosis as a card: severity and title, then its detail and fix. */
function card(d: Diagnosis, p: Paint): string[] {
  const colour = d.severity === 'error' ? p.red : d.severity === 'warning' ? p.yellow : p.dim;
  return [`  ${colour(`${d.severity.toUpperCase()} ${d.code}`)}: ${p.bold(d.title)}`, `    ${d.detail}`, `    fix: ${d.fix}`];
}

/** One endpoint's outcome in `keyport test --all`: its report, or why it could not be tested. */
export interface AllRow {
  name: string;
  report?: ProbeReport;
  url?: string;
  error?: { code: string; message: string };
}

/** One line per endpoint for `keyport test --all`. */
export function resultsTable(rows: AllRow[], p: Paint = plain): string {
  const width = Math.max(4, ...rows.map((r) => r.name.length));
  return rows
    .map(({ name, report, url, error }) => {
      if (!report) return `${name.padEnd(width)}  ${p.red('FAILED')}  ${'-'.padStart(8)}  ${url ?? ''}  ${error?.message ?? ''} [${error?.code ?? ''}]`;
      const total = Math.round(report.steps.reduce((sum, s) => sum + s.ms, 0));
      const first = report.diagnoses[0];
      const verdict = report.ok ? p.green('OK    ') : p.red('FAILED');
      const why = first ? `${first.severity === 'error' ? p.red(first.code) : p.yellow(first.code)}: ${first.title}` : '';
      return `${name.padEnd(width)}  ${verdict}  ${`${total} ms`.padStart(8)}  ${report.url}${why ? `  ${why}` : ''}`;
    })
    .join('\n')
    .concat('\n');
}
