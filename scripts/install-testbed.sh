#!/usr/bin/env bash
# Installs Keyport's real test bed on Debian 12 / Ubuntu 22.04+ (run as root or with sudo).
# Every backend the tests use comes from here: keychain (gnome-keyring over D-Bus), PKCS#11
# (SoftHSM2, swtpm + tpm2-abrmd + tpm2-pkcs11, OpenSC), TLS peers, PKCS#12 makers, Chromium.
set -euo pipefail
SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
PACKAGES=(
  # build: keytar compiles against libsecret; pkcs11js against node's headers
  build-essential python3 pkg-config libsecret-1-dev
  # OS keychain: Secret Service over a private D-Bus session
  dbus gnome-keyring libsecret-tools
  # PKCS#11: SoftHSM2, the TPM stack, OpenSC, smartcard reader emulation
  softhsm2 opensc pcscd vsmartcard-vpcd
  vsmartcard-vpicc python3-virtualsmartcard python3-pycryptodome  # vicc, the virtual card (Debian omits its Crypto dependency)
  swtpm swtpm-tools tpm2-abrmd tpm2-tools libtss2-tcti-tabrmd0 libtpm2-pkcs11-1 libtpm2-pkcs11-tools
  # TLS peers and PKCS#12 makers
  openssl gnutls-bin nginx-light libnginx-mod-http-echo golang-go default-jre-headless libnss3-tools
  stunnel4 libengine-pkcs11-openssl android-libboringssl-dev
  # ACME CA for enroll acme: pebble (with pebble-challtestsrv as its DNS)
  pebble
  # BoGo (BoringSSL's TLS tests): its runner builds from Debian's source package (scripts/build-bogo.sh)
  golang-golang-x-crypto-dev dpkg-dev xz-utils
  # gnutls-serv cannot bind loopback only: tests run it in a private network namespace
  iproute2 util-linux coreutils
  # UI tests
  chromium
  # step-ca (enrollment and renewal): built from its Go library by scripts/build-step-ca.sh
  golang-github-smallstep-certificates-dev
)
# Go >= 1.21 (extended master secret) for the Go interop peer: golang-1.23-go, from
# bookworm-backports on Debian 12 (elsewhere from the release, if it has it). golang-go (1.19)
# stays the default go: BoGo and step-ca build with it.
BOOKWORM=$([ "$(. /etc/os-release && echo "${VERSION_CODENAME:-}")" = bookworm ] && echo yes || true)
if [ -n "$BOOKWORM" ] && ! grep -hsqE '^[^#]*bookworm-backports' /etc/apt/sources.list \
  /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; then
  printf '%s\n' 'Types: deb' 'URIs: http://deb.debian.org/debian' 'Suites: bookworm-backports' 'Components: main' \
    'Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg' | $SUDO tee /etc/apt/sources.list.d/keyport-backports.sources >/dev/null
fi
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}"
if [ -n "$BOOKWORM" ]; then
  $SUDO apt-get install -y -qq --no-install-recommends -t bookworm-backports golang-1.23-go
else
  $SUDO apt-get install -y -qq --no-install-recommends golang-1.23-go ||
    echo "install-testbed: no golang-1.23-go here: the tls-go test backend will be missing" >&2
fi
