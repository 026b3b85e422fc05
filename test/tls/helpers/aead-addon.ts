import { gcmBackend, type GcmBackend } from '../../../src/core/tls/native-gcm';
import { requireBackend } from '../../testbed/backend';

/**
 * The AES-GCM backend this process uses, and whether Keyport's addon is missing from it (under CI
 * a failing test says so, see requireBackend). Call at collection time, as requireBackend.
 */
export function requireAeadAddon(): { backend: GcmBackend; missing: boolean } {
  const backend = gcmBackend();
  const { missing } = requireBackend('keyport-aead addon', () => backend.kind === 'openssl-addon' || backend.reason, 'build it with npm run build:native');
  return { backend, missing };
}
