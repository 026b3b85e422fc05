#!/usr/bin/env node
// The installed `keyport` command: runs the bundled CLI (npm run build:cli makes it).
const path = require('node:path');
const fs = require('node:fs');
const bundle = path.join(__dirname, '..', 'out', 'cli', 'keyport.js');
if (!fs.existsSync(bundle)) {
  process.stderr.write('Keyport CLI is not built yet: run `npm run build:cli` in the Keyport folder.\n');
  process.exit(1);
}
// Node 22+ keeps V8's compiled code of the bundle between runs: compiling 2.5 MB is a good part of a
// short command's time. In the user's own cache folder, not the shared temp dir others could write to.
require('node:module').enableCompileCache?.(path.join(require('node:os').homedir(), '.cache', 'keyport', 'compile-cache'));
require(bundle);
