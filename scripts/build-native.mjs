// Builds Keyport's own Node-API addon (native/aead: AES-GCM for TLS records) with node-gyp and
// puts it in out/native, beside the bundles that load it, so that the packaged app carries it too.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const source = path.join(root, 'native', 'aead');
const nodeGyp = createRequire(path.join(root, 'package.json')).resolve('node-gyp/bin/node-gyp.js');

// The headers of the Node that runs this, when it has them (Debian's and nodejs.org's do): node-gyp
// would otherwise download them, and this machine may have no way out.
const ownHeaders = path.resolve(process.execPath, '..', '..');
const nodedir = process.env.npm_config_nodedir || (existsSync(path.join(ownHeaders, 'include', 'node', 'node_api.h')) ? ownHeaders : undefined);
const args = [nodeGyp, 'rebuild', '--directory', source, '--loglevel', 'warn', ...(nodedir ? ['--nodedir', nodedir] : [])];
const run = spawnSync(process.execPath, args, { stdio: 'inherit' });
if (run.status !== 0) {
  process.stderr.write(
    'Cannot build native/aead: node-gyp failed (see above). It needs python3, make, a C compiler and ' +
      "Node's headers (npm_config_nodedir names their folder).\n",
  );
  process.exit(1);
}
mkdirSync(path.join(root, 'out', 'native'), { recursive: true });
copyFileSync(path.join(source, 'build', 'Release', 'keyport_aead.node'), path.join(root, 'out', 'native', 'keyport_aead.node'));
