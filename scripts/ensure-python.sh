#!/usr/bin/env bash
# Make sure Python 3.11 with venv support exists (fresh Debian lacks python3-venv).
set -euo pipefail
PY=${1:-python3.11}
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
if ! command -v "$PY" >/dev/null 2>&1 || ! "$PY" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  echo "installing Python 3.11 with venv support (apt)"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q python3.11 python3.11-venv python3.11-dev build-essential
fi
