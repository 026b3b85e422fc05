import { KeyportError } from '../../shared/errors';

/** One PEM block: its label (`CERTIFICATE`, `PRIVATE KEY`, ...) and DER bytes. */
export interface PemBlock {
  label: string;
  der: Buffer;
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----([\s\S]*?)-----END \1-----/g;

/** All PEM blocks in `text`, in order. Headers inside a block (Proc-Type, DEK-Info) are kept out of the DER. */
export function decodePem(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const m of text.matchAll(PEM_BLOCK)) {
    const body = (m[2] ?? '')
      .split(/\r?\n/)
      .filter((line) => !line.includes(':'))
      .join('');
    blocks.push({ label: m[1] ?? '', der: Buffer.from(body.replace(/\s+/g, ''), 'base64') });
  }
  return blocks;
}

/** PEM text for one DER object, 64 columns, trailing newline. */
export function encodePem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** True when the bytes look like PEM text rather than DER. */
export function looksLikePem(data: Buffer): boolean {
  return data.subarray(0, 4096).toString('latin1').includes('-----BEGIN ');
}

/**
 * Certificates from a PEM bundle or a single DER certificate, in file order.
 * `what` names the file in the error ("Cannot read certificate file ca.pem: ...").
 */
export function readCertificates(data: Buffer, what: string): Buffer[] {
  if (!looksLikePem(data)) {
    if (data[0] === 0x30) return [data];
    throw new KeyportError('KEYPORT_PEM_INVALID', `Cannot read ${what}: it is neither PEM nor a DER certificate.`);
  }
  const certs = decodePem(data.toString('latin1'))
    .filter((b) => b.label === 'CERTIFICATE' || b.label === 'TRUSTED CERTIFICATE')
    .map((b) => b.der);
  if (certs.length === 0) {
    throw new KeyportError('KEYPORT_PEM_INVALID', `Cannot read ${what}: it holds no "BEGIN CERTIFICATE" block.`);
  }
  return certs;
}
