// node-forge's own modules, imported one by one so that the bundle does not load all of forge
// (src/core/pki/pkcs12/ciphers.ts). Each registers itself on the object that lib/forge exports.
declare module 'node-forge/lib/forge' {
  import forge from 'node-forge';
  export default forge;
}
declare module 'node-forge/lib/des';
declare module 'node-forge/lib/rc2';
