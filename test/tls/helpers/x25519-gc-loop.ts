// Run by x25519-gc-deadlock.test.ts under --gc-interval: many X25519 key shares, most dropped unused
// (as a connection that fails before the ServerHello drops its share).
import { createKeyShare } from '../../../src/core/tls/key-share';

const rounds = Number(process.argv[2] ?? 2000);
for (let i = 0; i < rounds; i++) {
  const ours = createKeyShare('X25519');
  if (i % 100 !== 0) continue;
  const theirs = createKeyShare('X25519');
  if (!ours.computeSecret(theirs.publicKey).equals(theirs.computeSecret(ours.publicKey))) throw new Error('the two secrets differ');
}
console.log(`ok ${rounds}`);
