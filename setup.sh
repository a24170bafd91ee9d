#!/usr/bin/env bash
# Install what the app needs (and, with "dev", what the tests need) on a fresh Debian machine.
#   bash setup.sh        runtime: Python packages; as root also Debian's chromium (static chart
#                        export for the briefings via kaleido) and CJK fonts (Chinese in images)
#   bash setup.sh dev    the same plus the test tools (pytest, playwright's Python API, pgserver…) and,
#                        as root, LibreOffice and poppler-utils (the tests render slides and documents)
# Nothing is downloaded at run time: Playwright uses /usr/bin/chromium, never its own browser.
set -euo pipefail
cd "$(dirname "$0")"

if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi "Noto Sans CJK"; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium fonts-noto-cjk fonts-noto-color-emoji >/dev/null
  fi
  # dev: LibreOffice (headless) and poppler render the deck and the Word files to PNG in the tests
  if [ "${1:-}" = "dev" ] && { ! command -v soffice >/dev/null 2>&1 || ! command -v pdftoppm >/dev/null 2>&1; }; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends libreoffice-impress libreoffice-writer poppler-utils >/dev/null
  fi
elif ! command -v chromium >/dev/null 2>&1; then
  echo "提示：未安装 chromium 与 fonts-noto-cjk（需 root：apt-get install chromium fonts-noto-cjk）；" \
       "汇报材料中的图表图片将无法生成，其余功能不受影响。" >&2
fi

requirements=requirements.txt
[ "${1:-}" = "dev" ] && requirements=requirements-dev.txt
python3 -m pip install -q --disable-pip-version-check -r "$requirements"
