import { requireBackend } from '../testbed/backend';
import { startTpm } from '../testbed/tpm';
import { tokenSuite } from './token-suite';

tokenSuite({
  name: 'a TPM (swtpm + tpm2-pkcs11)',
  start: () => startTpm(),
  algorithms: ['EC-P256', 'EC-P384', 'RSA-2048', 'RSA-3072'],
  canImport: false,
  missing: requireBackend('tpm').missing,
});
