# keyport_aead: AES-GCM for TLS records on the OpenSSL that the Node process already carries
# (node-gyp's headers are that OpenSSL's, and its symbols come from the node binary). Built by
# scripts/build-native.mjs into out/native/. Node-API, so one build serves Node 20, Node 24 and
# Electron without a rebuild for each ABI.
{
  "targets": [
    {
      "target_name": "keyport_aead",
      "sources": ["aead.c"],
      "defines": ["NAPI_VERSION=8"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Werror"],
      # Every OpenSSL symbol is bound when the addon loads: a host without them (an Electron whose
      # BoringSSL does not export them) fails the load, which falls back to node:crypto, rather than
      # crashing at the first record.
      "ldflags": ["-Wl,-z,now"]
    }
  ]
}
