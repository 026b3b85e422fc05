import type { IdentityRecord } from '../identities/schema';
import { parseCertificate } from '../pki/certificate';
import { verifyServerChain } from '../pki/verify';
import type { EnrollmentProvider } from './provider';
import type { ProviderSettings } from './settings';

type StepCaSettings = Extract<ProviderSettings, { kind: 'step-ca' }>;
import type { BundleChange, TrustBundles } from './trust-bundles';

/** One CA's bundle after `roots refresh`, with warnings for what the change breaks. */
export interface RootsReport extends BundleChange {
  caUrl: string;
  warnings: string[];
}

/**
 * Refreshes the bundle of every CA an identity renews from: fetched with the current bundle as trust,
 * rewritten in place. A root that disappears, or an identity whose chain no longer leads to any root
 * of the new bundle, is a warning: servers that trust only the new bundle will refuse that identity.
 */
export async function refreshRoots(
  identities: IdentityRecord[],
  bundles: TrustBundles,
  providerFor: (s: ProviderSettings) => EnrollmentProvider,
): Promise<RootsReport[]> {
  const byBundle = new Map<string, { settings: StepCaSettings; members: IdentityRecord[] }>();
  for (const r of identities) {
    const p = r.renewal?.provider;
    if (!p || p.kind !== 'step-ca') continue;
    const entry = byBundle.get(p.bundle) ?? { settings: p, members: [] };
    entry.members.push(r);
    byBundle.set(p.bundle, entry);
  }
  const reports: RootsReport[] = [];
  for (const [name, { settings, members }] of byBundle) {
    const provider = providerFor(settings);
    const fetched = await provider.roots({ caRoots: await bundles.read(name), makeKey: noKey });
    const change = await bundles.write(name, fetched.roots);
    const warnings = change.removed.map((r) => `the CA at ${settings.caUrl} no longer publishes root "${r.subject}" (sha256 ${r.fingerprintSha256.slice(0, 16)}…); servers and routes using ${change.file} stop trusting it.`);
    for (const m of members) {
      if (!(await chainsTo(m, fetched.roots))) {
        warnings.push(`identity ${m.id} ("${m.label}") chains to a root that is not in ${change.file} any more: servers trusting only the new roots will refuse it; renew it (keyport renew ${m.id}).`);
      }
    }
    reports.push({ ...change, caUrl: settings.caUrl, warnings });
  }
  return reports;
}

/** True when the identity's chain validates (for client authentication) to one of `roots`. */
export async function chainsTo(r: IdentityRecord, roots: Buffer[]): Promise<boolean> {
  const chain = r.chain.map((c) => Buffer.from(c, 'base64'));
  try {
    // Judged while the certificate is valid: expiry is the scheduler's concern, not the bundle's.
    const at = new Date(Math.min(Date.now(), parseCertificate(chain[0]!).notAfter.getTime() - 1000));
    await verifyServerChain({ chain, trustAnchors: roots, useSystemStore: false, purpose: 'clientAuth', now: at });
    return true;
  } catch {
    return false;
  }
}

const noKey = async (): Promise<never> => {
  throw new Error('fetching roots makes no key');
};
