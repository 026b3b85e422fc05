import type { IdentityStatus, KeyStoreView } from '../../../shared/identity';
import { Badge, type BadgeTone } from '../../components/Badge';
import { expiryOf, STATUS_LABELS } from './expiry';
import { keyStoreKind } from './key-store';

const STATUS_TONES: Record<IdentityStatus, BadgeTone> = {
  valid: 'success',
  expiring: 'warning',
  expired: 'danger',
  'not-yet-valid': 'neutral',
};

/** The identity's status as a coloured badge. */
export function StatusBadge({ status }: { status: IdentityStatus }) {
  return (
    <span data-field="status" data-status={status}>
      <Badge tone={STATUS_TONES[status]}>{STATUS_LABELS[status]}</Badge>
    </span>
  );
}

/** Where the key lives, as a badge coloured by device kind (Keychain, SoftHSM/HSM, TPM, Smartcard). */
export function KeyStoreBadge({ store }: { store: KeyStoreView }) {
  const kind = keyStoreKind(store);
  return (
    <span data-field="key-store" data-kind={kind.label}>
      <Badge tone={kind.tone} title={kind.where}>
        {kind.label}
        {store.kind === 'pkcs11' && <span className="badge-detail">{store.token}</span>}
      </Badge>
    </span>
  );
}

/** The expiry countdown in its status colour, with the exact date for hover and screen readers. */
export function ExpiryCountdown(props: { status: IdentityStatus; notBefore: string; notAfter: string; now: number; sentence?: boolean }) {
  const expiry = expiryOf(props, props.now);
  const text = props.sentence && props.status !== 'not-yet-valid' ? `${props.status === 'expired' ? 'Expired' : 'Expires'} ${expiry.text}` : expiry.text;
  return (
    <time className={`countdown countdown-${expiry.tone}`} dateTime={props.notAfter} title={new Date(props.notAfter).toLocaleString()}>
      {text}
    </time>
  );
}
