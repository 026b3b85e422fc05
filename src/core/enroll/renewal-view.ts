import { KeyportError } from '../../shared/errors';
import type { IdentityRecord } from '../identities/schema';
import { scheduleOf } from './schedule';
import type { ProviderSettings, RenewalState } from './settings';

/** What `keyport renewal show` prints. */
export interface RenewalView {
  id: string;
  label: string;
  provider: ProviderSettings;
  at: number;
  rekey: boolean;
  notAfter: string;
  /** When the scheduler will renew (ISO 8601); absent for manual identities, which only get reminders. */
  nextRunAt?: string;
  state: RenewalState;
  history: Array<{ serial: string; notAfter: string; retiredAt: string; reason: string }>;
}

/** The renewal settings, schedule and history of one identity. */
export function renewalView(record: IdentityRecord): RenewalView {
  const s = record.renewal;
  if (!s) {
    throw new KeyportError('KEYPORT_RENEWAL_NOT_CONFIGURED', `Identity ${record.id} has no renewal settings; set them with keyport renewal set ${record.id} --step-ca URL --root FILE.`);
  }
  const schedule = scheduleOf(record, s);
  return {
    id: record.id,
    label: record.label,
    provider: s.provider,
    at: s.at,
    rekey: s.rekey,
    notAfter: schedule.notAfter.toISOString(),
    ...(s.provider.kind === 'manual' ? {} : { nextRunAt: schedule.nextRunAt.toISOString() }),
    state: s.state,
    history: record.history.map((h) => ({ serial: h.serial, notAfter: h.notAfter, retiredAt: h.retiredAt, reason: h.reason })),
  };
}
