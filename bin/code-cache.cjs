// Without a code cache, Node compiles the 1.7 MB bundle on every run: about a third of a short
// command's CPU. Node 22+'s module.enableCompileCache keeps only the code compiled with the top level;
// this keeps V8's code cache as it stands when the first run exits, with every function it called.
const { isAscii } = require('node:buffer');
const crypto = require('node:crypto');
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');
const vm = require('node:vm');

/**
 * Runs the CommonJS file `file` as require() would, with V8's compiled code read from and kept in
 * `dir` (owner-only). V8 checks only a cache's source length, so the cache is named by the Node
 * version and the file's identity and change times: device, inode, size, mtime and ctime. Any
 * write moves the ctime, which nothing can set back (an unpacker that restores the mtime cannot),
 * and hashing these costs nothing where hashing the 3 MB source took 11 ms of every run. A cache
 * V8 rejects is written again. Any failure to keep the cache costs only speed. Each Node version
 * keeps its own cache beside the others' (see isStale).
 */
function requireWithCodeCache(file, dir) {
  const source = readSource(file);
  const st = fs.statSync(file, { bigint: true });
  const identity = `${process.version} ${process.arch} ${st.dev} ${st.ino} ${st.size} ${st.mtimeNs} ${st.ctimeNs}`;
  const key = crypto.createHash('sha256').update(identity).digest('hex').slice(0, 32);
  const cacheFile = path.join(dir, `keyport-${process.version}-${key}.v8`);
  const cachedData = readOrUndefined(cacheFile);
  const script = new vm.Script(Module.wrap(source), { filename: file, ...(cachedData ? { cachedData } : {}) });
  if (!cachedData || script.cachedDataRejected) {
    // At exit, so the cache holds the functions this run compiled, not only the top level.
    process.once('exit', () => writeCache(script, dir, cacheFile));
  }
  const mod = new Module(file, module);
  mod.filename = file;
  mod.paths = Module._nodeModulePaths(path.dirname(file));
  mod.loaded = true;
  script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(file), mod, file, path.dirname(file));
  return mod.exports;
}

/**
 * The file's text. An ASCII file (the CLI bundle: scripts/build-cli.mjs escapes the rest) is read as
 * latin1, a copy into a one-byte string: decoding 1.7 MB as UTF-8 took 6-8 ms of every command, and
 * a single non-ASCII character made the whole source a two-byte string for V8's scanner.
 */
function readSource(file) {
  const bytes = fs.readFileSync(file);
  return isAscii(bytes) ? bytes.latin1Slice(0, bytes.length) : bytes.toString('utf8');
}

function readOrUndefined(file) {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

const CACHE = /^keyport-(v\d+\.\d+\.\d+-)?[0-9a-f]{32}\.v8$/;
/** The folders Node's own compile cache kept here before 2026-12-03 (`v24.22.3-x64-964aae3f-0`). */
const NODE_COMPILE_CACHE = /^v\d+\.\d+\.\d+-[a-z0-9]+-[0-9a-f]+-\d+$/;
/** Another Node's cache is kept this long after it was written, so switching Nodes (nvm) does not recompile. */
const OTHER_NODE_KEPT_MS = 30 * 86_400_000;

/** This Node's caches of other builds, other Nodes' caches a month old, and the names used before. */
function isStale(dir, name) {
  if (NODE_COMPILE_CACHE.test(name)) return true;
  const m = CACHE.exec(name);
  if (!m) return false;
  if (!m[1] || m[1] === `${process.version}-`) return true;
  return Date.now() - fs.statSync(path.join(dir, name)).mtimeMs > OTHER_NODE_KEPT_MS;
}

/** Writes the cache atomically (two runs may race) and drops stale ones. */
function writeCache(script, dir, cacheFile) {
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const tmp = `${cacheFile}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, script.createCachedData(), { mode: 0o600 });
    fs.renameSync(tmp, cacheFile);
    for (const name of fs.readdirSync(dir)) {
      if (path.join(dir, name) !== cacheFile && isStale(dir, name)) fs.rmSync(path.join(dir, name), { force: true, recursive: true });
    }
  } catch {
    // A read-only or full home: the next run compiles again.
  }
}

module.exports = { requireWithCodeCache };
