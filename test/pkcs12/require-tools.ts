/** The tools a PKCS#12 test file needs, through the test bed: a failure under CI, a notice elsewhere. */
import { needs, requireBackend } from '../testbed/backend';

/** True when every command is on PATH; call at collection time. */
export function requireTools(...commands: string[]): boolean {
  return requireBackend(commands.join(' + '), () => needs(commands)).available;
}
