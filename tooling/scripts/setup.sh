#!/usr/bin/env bash
# Makes a fresh Debian machine with Node 20 ready to build, test and run keyroute:
# installs the system packages the backends need (when missing) and the npm dependencies
# (when node_modules is missing or older than package-lock.json). Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/../.."

# Debian packages: GnuPG (gpg-agent, gpgsm), SoftHSM2, OpenSC's pkcs11-tool, GnuTLS's certtool,
# p11-kit, and a compiler for pkcs11js's native addon. See ../shared/RECIPES.md.
PACKAGES=(gnupg gpg-agent gpgsm scdaemon softhsm2 opensc p11-kit p11-kit-modules gnutls-bin openssl python3 make g++)

missing=()
for package in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done

if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=(); elif sudo -n true 2>/dev/null; then SUDO=(sudo); else
    echo "keyroute setup: missing Debian packages: ${missing[*]}" >&2
    echo "install them with: sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
  echo "keyroute setup: installing ${missing[*]}"
  "${SUDO[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -qq "${missing[@]}"
fi

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" -lt 20 ]; then
  echo "keyroute setup: Node $node_major found, Node 20 or newer is needed" >&2
  exit 1
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "keyroute setup: npm ci"
  npm ci --no-audit --no-fund
fi
