// Runs electronegativity over argv[2] and prints its findings as JSON. The caller runs this in a
// private network namespace: the tool fetches translations and Electron's release list from the
// internet at start-up, and tests reach nothing but loopback.
const run = require('@doyensec/electronegativity');

(async () => {
  const result = await run({
    input: process.argv[2],
    electronVersionOverride: process.argv[3],
    isRelative: true,
    // Compares with Electron's latest releases over the network: nothing to compare offline.
    excludeFromScan: ['AvailableSecurityFixesGlobalCheck'],
  });
  const issues = result.issues.map((i) => ({
    id: i.id,
    severity: i.severity.name,
    confidence: i.confidence.name,
    file: i.file,
    line: i.location.line,
    description: i.description,
  }));
  process.stdout.write(`${JSON.stringify({ checks: result.globalChecks + result.atomicChecks, errors: result.errors, issues })}\n`);
})().catch((e) => {
  process.stderr.write(`${e.stack}\n`);
  process.exit(1);
});
