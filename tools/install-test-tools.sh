#!/usr/bin/env bash
# Installs the checkers that tests/test_html_a11y.py runs on a built site, and nothing else:
#   apt: default-jre-headless (only when no Java >= 17 is present; vnu.jar needs 17+),
#        chromium, fonts-liberation, strace (tests/test_writes_inside.py traces a real run)
#   npm: tools/package-lock.json (vnu-jar, axe-core, playwright-core) into tools/node_modules,
#        never downloading a browser of its own (Debian's /usr/bin/chromium is used)
# Idempotent: when everything is there it only checks, in well under a second.
# Without root and without sudo it prints what is missing and exits 0, so the tests skip.
set -uo pipefail

TOOLS=$(cd "$(dirname "$0")" && pwd)
STAMP="$TOOLS/node_modules/.installed-lock"

java_ok() {
  command -v java >/dev/null 2>&1 || return 1
  local major
  major=$(java -version 2>&1 | sed -n 's/.* version "\([0-9]*\).*/\1/p' | head -1)
  [ -n "$major" ] && [ "$major" -ge 17 ]
}

missing=()
java_ok || missing+=(default-jre-headless)
[ -x /usr/bin/chromium ] || missing+=(chromium)
dpkg -s fonts-liberation >/dev/null 2>&1 || missing+=(fonts-liberation)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
command -v strace >/dev/null 2>&1 || missing+=(strace)

if [ ${#missing[@]} -gt 0 ]; then
  can_install=1
  if [ "$(id -u)" = 0 ]; then
    SUDO=()
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    SUDO=(sudo -n)
  else
    echo "install-test-tools: not root and no sudo: skipping apt-get install ${missing[*]} (HTML/a11y tests will skip)"
    can_install=0
  fi
  if [ "$can_install" = 1 ]; then
    echo "install-test-tools: apt-get install ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # a stale package list is the usual failure: update once and retry
    if ! "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/tmp/install-test-tools-apt.log 2>&1; then
      "${SUDO[@]}" apt-get update -q >>/tmp/install-test-tools-apt.log 2>&1
      "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >>/tmp/install-test-tools-apt.log 2>&1 \
        || { tail -20 /tmp/install-test-tools-apt.log; echo "install-test-tools: apt-get install failed"; exit 1; }
    fi
  fi
fi

if ! command -v npm >/dev/null 2>&1; then
  echo "install-test-tools: npm not found: skipping node packages (HTML/a11y tests will skip)"
  exit 0
fi
# npm ci wipes node_modules, so run it only when the lock file changed since the last install
if [ -f "$STAMP" ] && cmp -s "$STAMP" "$TOOLS/package-lock.json" \
   && [ -f "$TOOLS/node_modules/vnu-jar/build/dist/vnu.jar" ] && [ -f "$TOOLS/node_modules/axe-core/axe.min.js" ] \
   && [ -d "$TOOLS/node_modules/playwright-core" ]; then
  exit 0
fi
echo "install-test-tools: npm ci in tools/"
(cd "$TOOLS" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts --no-audit --no-fund --loglevel=error) \
  || { echo "install-test-tools: npm ci failed"; exit 1; }
cp "$TOOLS/package-lock.json" "$STAMP"
echo "install-test-tools: ok"
