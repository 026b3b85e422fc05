import { isIP } from 'node:net';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { KeyportError } from '../../shared/errors';
import { ChallengeTypes, parseMacKey, type ChallengeType, type DnsRecord, type ExternalAccount } from '../../core/enroll/acme';
import { readInputFile } from '../../core/input-file';
import { KeyAlgorithms } from '../../core/keystores/types';
import { action } from '../action';
import { print } from '../output';
import { collect } from '../options';
import { recover } from './enroll';
import { parseAlgorithm, parseDestination } from './keys';

interface AcmeOptions {
  directory: string;
  ca?: string;
  domain: string[];
  to: string;
  alg: string;
  label?: string;
  eabKid?: string;
  eabHmacFile?: string;
  challenge: string;
  httpPort: string;
  json?: boolean;
}

/** `enroll acme`, hung under the `enroll` command given. */
export function registerAcmeEnroll(enroll: Command): void {
  enroll
    .command('acme')
    .description('get a certificate from an ACME CA (RFC 8555); the key and the account key are made in the store')
    .requiredOption('--directory <url>', 'the ACME directory URL (https://...)')
    .option('--ca <file>', "PEM root(s) that issued the ACME server's TLS certificate (default: the system's)")
    .option('--domain <name>', 'a name for the certificate (required); repeatable', collect, [])
    .requiredOption('--to <dest>', 'keychain or pkcs11:TOKEN_LABEL')
    .option('--alg <alg>', `key algorithm: ${KeyAlgorithms.join(', ')}`, 'EC-P256')
    .option('--label <name>', 'identity label (default: the certificate CN)')
    .option('--eab-kid <kid>', 'external account binding key id from the CA')
    .option('--eab-hmac-file <file>', 'file holding the EAB MAC key (base64url) from the CA')
    .option('--challenge <type>', `how to prove the names: ${ChallengeTypes.join(' or ')}`, 'http-01')
    .option('--http-port <n>', 'loopback port to serve http-01 answers on (the port the CA validates on)', '80')
    .option('--json', 'print JSON')
    .action(
      action<AcmeOptions>(async (_args, o, k) => {
        checkDomains(o.domain);
        await recover(k);
        const id = await k.acme.enroll({
          directory: o.directory,
          caPem: o.ca ? (await readInputFile(o.ca, 'CA file')).toString('utf8') : undefined,
          domains: o.domain,
          to: parseDestination(o.to),
          algorithm: parseAlgorithm(o.alg),
          label: o.label,
          eab: await externalAccount(o),
          challenge: parseChallenge(o.challenge),
          httpPort: parsePort(o.httpPort),
          awaitDnsRecord: askForDnsRecord(),
        });
        print({ id }, o.json === true, () => `${id}\n`);
      }),
    );
}

async function externalAccount(o: AcmeOptions): Promise<ExternalAccount | undefined> {
  if (!o.eabKid && !o.eabHmacFile) return undefined;
  if (!o.eabKid || !o.eabHmacFile) {
    throw new KeyportError('KEYPORT_INVALID_ARGUMENT', 'External account binding needs both --eab-kid K and --eab-hmac-file F.');
  }
  const text = (await readInputFile(o.eabHmacFile, 'EAB MAC key file')).toString('utf8');
  return { kid: o.eabKid, macKey: parseMacKey(text, o.eabHmacFile) };
}

/** At least one name, each a DNS name (a leading `*.` allowed) or an IP address, before any key is made. */
function checkDomains(domains: string[]): void {
  if (domains.length === 0) throw new KeyportError('KEYPORT_INVALID_ARGUMENT', 'Name the certificate with at least one --domain NAME.');
  const bad = domains.find((d) => !isIP(d) && !/^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i.test(d));
  if (bad !== undefined) {
    throw new KeyportError('KEYPORT_INVALID_ARGUMENT', `Cannot ask for "${bad}": --domain takes a DNS name such as api.example.com, or an IP address.`);
  }
}

function parseChallenge(type: string): ChallengeType {
  if ((ChallengeTypes as readonly string[]).includes(type)) return type as ChallengeType;
  throw new KeyportError('KEYPORT_INVALID_ARGUMENT', `Unknown challenge "${type}": use --challenge ${ChallengeTypes.join(' or ')}.`);
}

function parsePort(text: string): number {
  const port = /^\d+$/.test(text) ? Number(text) : NaN;
  if (port >= 1 && port <= 65535) return port;
  throw new KeyportError('KEYPORT_INVALID_ARGUMENT', `Cannot serve http-01 on port "${text}": give a port from 1 to 65535 with --http-port.`);
}

/**
 * dns-01 as a printed instruction: each TXT record on stderr, then one line on stdin (Enter) once
 * it exists. Stdin closed before that cancels the enrollment.
 */
function askForDnsRecord(): (record: DnsRecord) => Promise<void> {
  let lines: AsyncIterator<string> | undefined;
  return async (record) => {
    process.stderr.write(
      `Create this DNS record for ${record.domain}, then press Enter:\n  ${record.name}. TXT "${record.value}"\n`,
    );
    lines ??= createInterface({ input: process.stdin, terminal: false })[Symbol.asyncIterator]();
    const next = await lines.next();
    if (next.done) {
      throw new KeyportError('KEYPORT_ACME_CHALLENGE_FAILED', `Enrollment cancelled: input ended before the TXT record for ${record.domain} was confirmed.`);
    }
  };
}
