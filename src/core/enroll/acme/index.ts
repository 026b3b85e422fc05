/**
 * ACME (RFC 8555) enrollment: the one entry point. `AcmeService` enrolls and renews identities;
 * `AcmeProvider` is the same work behind the enrollment provider interface (../provider.ts).
 */
export { AcmeService, type AcmeEnrollment } from './service';
export { AcmeProvider, type AcmeParams, type AcmeDependencies } from './provider';
export { ChallengeTypes, type ChallengeType, type DnsRecord } from './authorization';
export { parseMacKey, type ExternalAccount } from './account';
