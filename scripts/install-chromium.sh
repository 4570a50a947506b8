#!/usr/bin/env bash
# The browser tests drive Debian's chromium through playwright-core (no downloaded browsers).
# Installs it with apt when it is missing and we are root (CI on a clean machine); otherwise says so.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
else
  echo "chromium is not installed and cannot be installed here (not root, or no apt-get):" \
       "the browser tests will be skipped. Install Debian's chromium to run them." >&2
fi
