#!/usr/bin/env bash
# Installs what the compatibility tests need beyond npm packages: Debian's python3-kubernetes
# (a real Python client, importable from Debian's own /usr/bin/python3). Idempotent.
set -euo pipefail
if /usr/bin/python3 -c 'import kubernetes' 2>/dev/null; then
  echo "python3-kubernetes already installed"
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends python3-kubernetes
/usr/bin/python3 -c 'import kubernetes; print("python3-kubernetes", kubernetes.__version__)'
