#!/usr/bin/env bash
# Debian's Chromium for the dashboard's browser tests (tests/e2e). Playwright drives
# /usr/bin/chromium; its own browser download is never used (it does not work offline).
#   chromium.sh install   install Debian's `chromium` when /usr/bin/chromium is missing and we are
#                         root; otherwise only warn (`make run` does not need it, the browser tests do)
set -euo pipefail
source "$(dirname "$0")/common.sh"

install() {
  [ -x /usr/bin/chromium ] && return 0
  if [ "$(id -u)" != 0 ]; then
    say "warning: /usr/bin/chromium not found; the browser tests need Debian's 'chromium' (sudo apt-get install chromium)"
    return 0
  fi
  say "installing Debian's chromium package (browser tests)"
  (apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium) >"$RAPPORT_CACHE/apt-chromium.log" 2>&1 \
    || { tail -n 20 "$RAPPORT_CACHE/apt-chromium.log" >&2; die "apt-get install chromium failed (log above)"; }
  [ -x /usr/bin/chromium ] || die "chromium installed but /usr/bin/chromium is missing"
}

case "${1:-install}" in
  install) install ;;
  *) die "usage: $0 install" ;;
esac
