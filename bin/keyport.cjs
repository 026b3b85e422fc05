#!/usr/bin/env node
// The installed `keyport` command: runs the bundled CLI (npm run build:cli makes it).
const path = require('node:path');
const fs = require('node:fs');
const bundle = path.join(__dirname, '..', 'out', 'cli', 'keyport.js');
if (!fs.existsSync(bundle)) {
  process.stderr.write('Keyport CLI is not built yet: run `npm run build:cli` in the Keyport folder.\n');
  process.exit(1);
}
// V8's compiled code of the bundle is kept between runs: compiling 2.5 MB is a good part of a short
// command's time. Node 22+ does it itself; Node 20 through bin/code-cache.cjs. In the user's own
// cache folder, not the shared temp dir others could write to.
const cacheDir = path.join(require('node:os').homedir(), '.cache', 'keyport', 'compile-cache');
const { enableCompileCache } = require('node:module');
if (enableCompileCache) {
  enableCompileCache(cacheDir);
  require(bundle);
} else {
  require('./code-cache.cjs').requireWithCodeCache(bundle, cacheDir);
}
