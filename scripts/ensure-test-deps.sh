#!/usr/bin/env bash
# Install the system packages the test suite needs, only when missing (Debian):
# redis-server (live store tests) and chromium + chromium-driver (the dashboard's browser test,
# tests/maas/test_dashboard_browser.py, drives /usr/bin/chromium through /usr/bin/chromedriver).
set -euo pipefail
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -x /usr/bin/chromedriver ] || need+=(chromium-driver)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  echo "installing: ${need[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${need[@]}"
fi
