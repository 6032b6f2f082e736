#!/bin/sh
# Headless Chromium and its WebDriver for tests/test_site_browser.py (Debian packages).
# Never fatal: without them the browser test skips and says why.
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; then
    exit 0
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1 && SUDO="sudo -n"
if command -v apt-get >/dev/null 2>&1; then
    $SUDO apt-get update -qq >/dev/null 2>&1 \
        && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null 2>&1 \
        || echo "install_browser.sh: could not install chromium/chromium-driver; the browser test will skip" >&2
else
    echo "install_browser.sh: no apt-get here; install chromium and chromedriver to run the browser test" >&2
fi
exit 0
