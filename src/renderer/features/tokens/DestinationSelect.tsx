import type { Destination } from '../../../shared/views';
import { presentTokens, useTokens } from '../../hooks/useTokens';

/** Props of {@link DestinationSelect}. */
export interface DestinationSelectProps {
  value: Destination;
  onChange: (destination: Destination) => void;
  id?: string;
  'aria-invalid'?: boolean;
  'aria-describedby'?: string;
}

/** Encodes a destination as one option value: `keychain` or `pkcs11:LABEL`. */
function encode(destination: Destination): string {
  return destination.kind === 'keychain' ? 'keychain' : `pkcs11:${destination.token}`;
}

function decode(value: string): Destination {
  return value.startsWith('pkcs11:') ? { kind: 'pkcs11', token: value.slice('pkcs11:'.length) } : { kind: 'keychain' };
}

/**
 * Where a key goes: the OS keychain or a present PKCS#11 token (a native <select>: Radix Select
 * injects a <style> element the CSP refuses, and the native one is as accessible).
 */
export function DestinationSelect({ value, onChange, ...aria }: DestinationSelectProps) {
  const { result } = useTokens();
  const tokens = result?.ok ? presentTokens(result.value) : [];
  return (
    <select {...aria} value={encode(value)} onChange={(e) => onChange(decode(e.target.value))}>
      <option value="keychain">OS keychain (this computer)</option>
      {tokens.map((token) => (
        <option key={`${token.module}|${token.label}`} value={`pkcs11:${token.label}`}>
          Token “{token.label}”{token.description ? ` — ${token.description}` : ''}
          {token.loggedIn ? '' : ' (PIN needed)'}
        </option>
      ))}
      {!result && <option disabled>Looking for tokens…</option>}
    </select>
  );
}
