import { Badge } from '../../components/Badge';
import { Card } from '../../components/Card';
import { CopyButton } from '../../components/CopyButton';
import { ErrorText } from '../../components/ErrorText';
import { Loading } from '../../components/Spinner';
import { useChain } from '../../hooks/useIdentity';
import type { CertificateSummary } from './chain';

/** The identity's chain, leaf first: for each certificate its names, usages, fingerprints and validity. */
export function ChainView({ pem }: { pem: string }) {
  const chain = useChain(pem);
  return (
    <Card title="Certificate chain" actions={<CopyButton text={pem} label="Copy PEM" />}>
      {chain === undefined && <Loading label="Reading the chain…" />}
      {chain instanceof Error && <ErrorText>The stored chain cannot be read ({chain.message}); re-import the identity.</ErrorText>}
      {Array.isArray(chain) && (
        <ol className="chain" aria-label="Certificates, leaf first">
          {chain.map((certificate, index) => (
            <li key={certificate.sha256} className="chain-item" data-chain-index={index}>
              <ChainCertificate certificate={certificate} role={roleOf(index, certificate)} />
            </li>
          ))}
        </ol>
      )}
    </Card>
  );
}

function roleOf(index: number, certificate: CertificateSummary): string {
  if (index === 0) return 'Client certificate';
  return certificate.selfSigned ? 'Root CA' : 'Intermediate CA';
}

function ChainCertificate({ certificate, role }: { certificate: CertificateSummary; role: string }) {
  return (
    <div className="chain-cert">
      <div className="chain-head">
        <Badge tone={role === 'Client certificate' ? 'info' : 'neutral'}>{role}</Badge>
        <span className="mono chain-subject">{certificate.subject}</span>
      </div>
      <dl className="kv kv-compact">
        <dt>Issuer</dt>
        <dd className="mono">{certificate.issuer}</dd>
        {certificate.sans.length > 0 && (
          <>
            <dt>SANs</dt>
            <dd>{certificate.sans.join(', ')}</dd>
          </>
        )}
        <dt>Key usage</dt>
        <dd data-field="key-usage">{certificate.keyUsage.join(', ') || <span className="muted">not restricted</span>}</dd>
        <dt>Extended key usage</dt>
        <dd data-field="eku">{certificate.extendedKeyUsage.join(', ') || <span className="muted">not restricted</span>}</dd>
        <dt>Valid</dt>
        <dd>
          {certificate.notBefore.toLocaleDateString()} → {certificate.notAfter.toLocaleDateString()}
        </dd>
        <dt>Public key</dt>
        <dd>{certificate.publicKey}</dd>
        <dt>Serial</dt>
        <dd className="mono">{certificate.serial}</dd>
        <dt>SHA-256</dt>
        <dd className="mono fingerprint">{certificate.sha256}</dd>
        <dt>SHA-1</dt>
        <dd className="mono fingerprint">{certificate.sha1}</dd>
      </dl>
    </div>
  );
}
