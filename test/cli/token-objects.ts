/**
 * What a PKCS#11 backend's token holds, per OpenSC's pkcs11-tool: an oracle independent of
 * Keyport's token host. A throwaway token's PIN in pkcs11-tool's argv is fine.
 */
import type { Backend } from '../identity/backends';
import { runChecked } from '../testbed/proc';

/** How many certificates and private keys the backend's token holds, per pkcs11-tool after a login. */
export async function tokenObjects(backend: Backend): Promise<{ certificates: number; privateKeys: number }> {
  const { stdout } = await runChecked('pkcs11-tool', [...tokenArgs(backend), '--login', '--pin', backend.env.KEYPORT_PIN!, '--list-objects'], {
    env: backend.env,
  });
  const count = (re: RegExp) => (stdout.match(re) ?? []).length;
  return { certificates: count(/^Certificate Object;/gm), privateKeys: count(/^Private Key Object;/gm) };
}

/** `--module M --token-label T` of a PKCS#11 backend (a throwaway token's PIN in pkcs11-tool's argv is fine). */
function tokenArgs(backend: Backend): string[] {
  const module = backend.flags[backend.flags.indexOf('--pkcs11-module') + 1]!;
  return ['--module', module, '--token-label', backend.to.slice('pkcs11:'.length)];
}

/** Labels of the certificate objects on the backend's token, per OpenSC's pkcs11-tool (no login: certificates are public). */
export async function tokenCertificates(backend: Backend): Promise<string[]> {
  const { stdout } = await runChecked('pkcs11-tool', [...tokenArgs(backend), '--list-objects', '--type', 'cert'], { env: backend.env });
  return [...stdout.matchAll(/^Certificate Object;[\s\S]*?label:\s*(.*)$/gm)].map((m) => m[1]!.trim());
}
