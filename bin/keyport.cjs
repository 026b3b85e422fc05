#!/usr/bin/env node
// The installed `keyport` command: runs the bundled CLI (npm run build:cli makes it).
const path = require('node:path');
const fs = require('node:fs');
const bundle = path.join(__dirname, '..', 'out', 'cli', 'keyport.js');
if (!fs.existsSync(bundle)) {
  process.stderr.write('Keyport CLI is not built yet: run `npm run build:cli` in the Keyport folder.\n');
  process.exit(1);
}
// V8's compiled code of the bundle is kept between runs: compiling 1.7 MB is a good part of a short
// command's time. Through bin/code-cache.cjs on every Node, also 22+: its module.enableCompileCache
// caches only what is compiled with the top level, so each run compiled again every function it
// called (Node 24, `keyport list`: 0.235 s CPU against 0.19 s, median of 12). In the user's own
// cache folder, not the shared temp dir others could write to.
const cacheDir = path.join(require('node:os').homedir(), '.cache', 'keyport', 'compile-cache');
require('./code-cache.cjs').requireWithCodeCache(bundle, cacheDir);
