/**
 * Finds tokens by module and label, keeps one TokenSession per token, and lists what every
 * module offers for `keyport tokens`.
 */
import * as pkcs11 from 'pkcs11js';
import { KeyportError, toKeyportError } from '../../shared/errors';
import { isCkr, mapPkcs11Error } from './ckr';
import type { LoadedModule, ModuleSet } from './modules';
import type { ModuleSummary, SlotSummary, TokenAddress } from './protocol';
import { TokenSession, tokenFlags } from './token-session';

/** CK_SLOT_INFO flag (missing from pkcs11js's typings). */
const CKF_TOKEN_PRESENT = 0x1;

const trim = (s: string): string => s.replace(/[\s\0]+$/, '');

/**
 * A card the module cannot read (no PKCS#15 application, an unknown applet) or one pulled out
 * between two calls: that slot has no usable token, but the module's other slots still count.
 */
const NO_USABLE_TOKEN = [pkcs11.CKR_TOKEN_NOT_RECOGNIZED, pkcs11.CKR_TOKEN_NOT_PRESENT, pkcs11.CKR_DEVICE_REMOVED];

/** C_GetTokenInfo, or undefined when the slot holds no usable token (see NO_USABLE_TOKEN). */
function tokenInfo(mod: LoadedModule, slot: pkcs11.Handle): pkcs11.TokenInfo | undefined {
  try {
    return mod.lib.C_GetTokenInfo(slot);
  } catch (e) {
    if (isCkr(e, ...NO_USABLE_TOKEN)) return undefined;
    return guardModule(mod, () => {
      throw e;
    });
  }
}

/** Every token this process talks to, by module path and label. */
export class TokenDirectory {
  private readonly sessions = new Map<string, TokenSession>();

  constructor(private readonly modules: ModuleSet) {}

  /** The session for a token, finding its slot on first use or after the token was removed. */
  get(address: TokenAddress): TokenSession {
    const key = `${address.module}\0${address.token}`;
    const known = this.sessions.get(key);
    if (known && !known.removed) return known;
    known?.close();
    const mod = this.modules.get(address.module);
    const slot = findSlot(mod, address.token);
    const session = new TokenSession(mod, address.token, slot);
    this.sessions.set(key, session);
    return session;
  }

  /** Slots and tokens of each module; a module that fails is listed with its error. */
  list(modules: string[]): ModuleSummary[] {
    return modules.map((path) => {
      try {
        const mod = this.modules.get(path);
        return {
          module: path,
          description: trim(mod.info.libraryDescription),
          manufacturer: trim(mod.info.manufacturerID),
          slots: this.slotsOf(mod),
        };
      } catch (e) {
        const err = toKeyportError(e, `Cannot read PKCS#11 module ${path}`);
        return { module: path, slots: [], error: { code: err.code, message: err.message } };
      }
    });
  }

  /** Closes every session (host shutdown). */
  closeAll(): void {
    for (const session of this.sessions.values()) session.close();
    this.sessions.clear();
  }

  private slotsOf(mod: LoadedModule): SlotSummary[] {
    const { lib } = mod;
    const slots = guardModule(mod, () => lib.C_GetSlotList(false));
    return slots.map((slot) => {
      const info = guardModule(mod, () => lib.C_GetSlotInfo(slot));
      const summary: SlotSummary = { slotId: Buffer.from(slot).toString('hex'), description: trim(info.slotDescription) };
      if ((info.flags & CKF_TOKEN_PRESENT) === 0) return summary;
      const token = tokenInfo(mod, slot);
      if (!token) return { ...summary, unrecognizedToken: true };
      const label = trim(token.label);
      summary.token = {
        label,
        manufacturer: trim(token.manufacturerID),
        model: trim(token.model),
        serial: trim(token.serialNumber),
        flags: tokenFlags(token.flags),
        loggedIn: this.sessions.get(`${mod.path}\0${label}`)?.isLoggedIn ?? false,
      };
      return summary;
    });
  }
}

/** The slot holding the token labelled `label`. */
function findSlot(mod: LoadedModule, label: string): pkcs11.Handle {
  const { lib } = mod;
  const slots = guardModule(mod, () => lib.C_GetSlotList(true));
  const labels: string[] = [];
  for (const slot of slots) {
    const info = tokenInfo(mod, slot);
    if (!info) continue;
    const tokenLabel = trim(info.label);
    if (tokenLabel === label) return slot;
    if (tokenLabel) labels.push(`"${tokenLabel}"`);
  }
  const present = labels.length ? `it has ${labels.join(', ')}` : 'it has no initialized token';
  throw new KeyportError('KEYPORT_TOKEN_NOT_FOUND', `No token labelled "${label}" in PKCS#11 module ${mod.path} (${present}); check the label with "keyport tokens".`);
}

function guardModule<T>(mod: LoadedModule, op: () => T): T {
  try {
    return op();
  } catch (e) {
    throw mapPkcs11Error(e, { token: mod.path, subject: `PKCS#11 module ${mod.path}`, activity: 'listing slots' });
  }
}
