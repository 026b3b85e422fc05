#!/usr/bin/env bash
# Builds BoGo, BoringSSL's TLS test runner, from Debian's source package
# android-platform-external-boringssl (bookworm: 13.0.0+r24), for test/bogo.
#
# Idempotent: every step is skipped when its result is already there. Nothing of the source
# package enters this repository; it lives in KEYPORT_BOGO_DIR (default ~/.cache/keyport-bogo):
#   $DIR/pkg/      the .dsc and tarballs from `apt-get source --download-only`
#   $DIR/src/      the unpacked source package (BoringSSL's tree is $DIR/src/src)
#   $DIR/gopath/   a GOPATH whose boringssl.googlesource.com/boringssl links to $DIR/src/src
#   $DIR/runner.test  the runner (a Go test binary); run it from its resource dir, printed last
#
# KEYPORT_BOGO_REBUILD=1 rebuilds the runner binary.
set -euo pipefail

DIR="${KEYPORT_BOGO_DIR:-$HOME/.cache/keyport-bogo}"
SRC_PKG=android-platform-external-boringssl
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

log() { printf 'build-bogo: %s\n' "$*"; }

# The Debian mirror the machine already uses (deb822 .sources first, then sources.list).
debian_mirror() {
  local uri
  uri=$(grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}' | grep -v -- '-security' | head -n1 || true)
  if [ -z "$uri" ]; then
    uri=$(grep -hsE '^deb +(\[[^]]*\] +)?[a-z]+://[^ ]+ +bookworm ' /etc/apt/sources.list | head -n1 |
      sed -E 's/^deb +(\[[^]]*\] +)?([^ ]+).*/\2/' || true)
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

has_bookworm_deb_src() {
  grep -hsqE '^deb-src .* bookworm ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list && return 0
  grep -hs -A3 '^Types:.*deb-src' /etc/apt/sources.list.d/*.sources | grep -qE '^Suites:.*\bbookworm\b'
}

ensure_deb_src() {
  if has_bookworm_deb_src; then
    log "deb-src for bookworm already configured"
    return 1
  fi
  local mirror file=/etc/apt/sources.list.d/keyport-deb-src.sources
  mirror=$(debian_mirror)
  log "adding deb-src for bookworm from $mirror in $file"
  $SUDO tee "$file" >/dev/null <<EOF
Types: deb-src
URIs: $mirror
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
}

# The runner imports golang.org/x/crypto/{chacha20,chacha20poly1305,curve25519,hkdf}; x/crypto
# pulls in golang.org/x/sys (packaged as a dependency). dpkg-dev unpacks the source package.
ensure_packages() {
  local missing=()
  for p in golang-go golang-golang-x-crypto-dev dpkg-dev xz-utils; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    log "packages present: golang-go golang-golang-x-crypto-dev dpkg-dev"
    return
  fi
  log "installing ${missing[*]}"
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

fetch_source() {
  if [ -d "$DIR/src/src/ssl/test/runner" ]; then
    log "source already unpacked in $DIR/src ($(cat "$DIR/src/BORINGSSL_REVISION" 2>/dev/null || echo '?'))"
    return
  fi
  mkdir -p "$DIR/pkg"
  if ! ls "$DIR"/pkg/*.dsc >/dev/null 2>&1; then
    log "downloading source package $SRC_PKG into $DIR/pkg"
    (cd "$DIR/pkg" && apt-get source --download-only -qq "$SRC_PKG")
  fi
  log "unpacking into $DIR/src"
  rm -rf "$DIR/src.tmp"
  dpkg-source --no-check -x "$(ls "$DIR"/pkg/*.dsc | head -n1)" "$DIR/src.tmp" >/dev/null
  mv "$DIR/src.tmp" "$DIR/src"
}

build_runner() {
  local gopath="$DIR/gopath" link="$DIR/gopath/src/boringssl.googlesource.com/boringssl"
  mkdir -p "$(dirname "$link")"
  [ -L "$link" ] || ln -sfn "$DIR/src/src" "$link"
  if [ -x "$DIR/runner.test" ] && [ "${KEYPORT_BOGO_REBUILD:-0}" != 1 ]; then
    log "runner already built: $DIR/runner.test"
    return
  fi
  log "building the runner (GOPATH mode, Debian's golang.org/x/crypto)"
  (cd "$link/ssl/test/runner" &&
    GO111MODULE=off GOPATH="$gopath:/usr/share/gocode" GOFLAGS= CGO_ENABLED=0 \
      go test -c -o "$DIR/runner.test.tmp" .)
  mv "$DIR/runner.test.tmp" "$DIR/runner.test"
  log "built $DIR/runner.test ($(go version | awk '{print $3}'))"
}

main() {
  mkdir -p "$DIR"
  local need_update=0
  ensure_deb_src && need_update=1
  if [ ! -d "$DIR/src/src/ssl/test/runner" ] && ! apt-cache showsrc "$SRC_PKG" 2>/dev/null | grep -q '^Package:'; then
    need_update=1
  fi
  if [ "$need_update" = 1 ]; then
    log "apt-get update"
    $SUDO apt-get update -qq
  fi
  ensure_packages
  fetch_source
  build_runner
  log "runner: $DIR/runner.test"
  log "resource dir: $DIR/src/src/ssl/test/runner"
}

main "$@"
