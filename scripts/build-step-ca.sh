#!/usr/bin/env bash
# Builds step-ca (the smallstep online CA, 0.19) for the test bed from Debian's
# golang-github-smallstep-certificates-dev, which ships the library but not cmd/step-ca: the
# small main package in test/servers/step-ca runs its `commands.AppCommand`.
#
# Offline, in GOPATH mode against Debian's Go sources (GO111MODULE=off GOPATH=/usr/share/gocode),
# with golang-go (1.19). Idempotent: the binary is rebuilt only when main.go is newer or it is
# missing. Nothing enters this repository; the binary and Go's build cache live in
# KEYPORT_STEP_CA_DIR (default ~/.cache/keyport-step-ca): $DIR/step-ca, printed last.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIR="${KEYPORT_STEP_CA_DIR:-$HOME/.cache/keyport-step-ca}"
MAIN="$ROOT/test/servers/step-ca/main.go"
BIN="$DIR/step-ca"
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"

log() { printf 'build-step-ca: %s\n' "$*"; }

if [ ! -d /usr/share/gocode/src/github.com/smallstep/certificates ] || ! command -v go >/dev/null; then
  log "installing golang-go and golang-github-smallstep-certificates-dev"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    golang-go golang-github-smallstep-certificates-dev
fi

mkdir -p "$DIR"
if [ -x "$BIN" ] && [ "$BIN" -nt "$MAIN" ]; then
  log "up to date: $BIN"
else
  log "building $BIN with $(go version)"
  GO111MODULE=off GOPATH=/usr/share/gocode CGO_ENABLED=0 GOFLAGS= GOCACHE="$DIR/go-cache" \
    go build -trimpath -o "$BIN.tmp" "$MAIN"
  mv "$BIN.tmp" "$BIN"
fi
"$BIN" --version
echo "$BIN"
