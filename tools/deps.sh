#!/bin/sh
# Make sure the Debian packages kvaudit needs are installed.
#   tools/deps.sh build   what `make` needs
#   tools/deps.sh test    what `make check` needs as well
#   tools/deps.sh deb     what `make deb` needs as well (dpkg-buildpackage)
#   tools/deps.sh docs    what `make docs-images` needs as well
#   tools/deps.sh fuzz    what `make fuzz` needs as well (clang, libFuzzer)
# As root, missing packages are installed with apt-get; otherwise the exact
# apt-get line is printed and the script fails.
set -eu

build="gcc make pkg-config zlib1g-dev libcjson-dev libxlsxwriter-dev libhpdf-dev libssl-dev libfontconfig-dev fonts-dejavu-core fonts-wqy-zenhei fonts-nanum"
test="$build libcmocka-dev poppler-utils unzip jq python3 python3-jsonschema groff-base mandoc valgrind"
deb="$build build-essential debhelper dpkg-dev"
docs="$build poppler-utils libreoffice-calc-nogui"
fuzz="$build clang libclang-rt-14-dev"

case "${1:-build}" in
build) want=$build ;;
test) want=$test ;;
deb) want=$deb ;;
docs) want=$docs ;;
fuzz) want=$fuzz ;;
*) echo "usage: $0 build|test|deb|docs|fuzz" >&2; exit 2 ;;
esac

missing=""
for p in $want; do
    st=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$st" = installed ] || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
    echo "Installing:$missing" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $missing >&2
else
    echo "kvaudit needs these Debian packages:" >&2
    echo "  sudo apt-get install$missing" >&2
    exit 1
fi
