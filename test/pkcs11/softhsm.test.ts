import { requireBackend } from '../testbed/backend';
import { startSoftHsm } from '../testbed/softhsm';
import { tokenSuite } from './token-suite';

tokenSuite({
  name: 'SoftHSM2',
  start: () => startSoftHsm(),
  algorithms: ['EC-P256', 'EC-P384', 'RSA-2048', 'RSA-3072'],
  canImport: true,
  missing: requireBackend('softhsm2').missing,
});
