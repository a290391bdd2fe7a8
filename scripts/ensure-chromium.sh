#!/bin/sh
# Installs Debian's chromium-headless-shell if no headless Chromium is on the PATH (the report's
# browser test needs one). Idempotent: does nothing when one is already there.
set -eu
for b in chromium-headless-shell chromium chromium-browser; do
  if command -v "$b" >/dev/null 2>&1; then
    echo "ensure-chromium: $(command -v "$b") is installed"
    exit 0
  fi
done
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "ensure-chromium: no headless Chromium and no root or sudo to install it: the report's browser test will be skipped (CI=true: fail)" >&2
    exit 0
  fi
  SUDO="sudo"
fi
echo "ensure-chromium: installing chromium-headless-shell (apt)"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium-headless-shell >/dev/null
command -v chromium-headless-shell
