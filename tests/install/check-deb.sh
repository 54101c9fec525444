#!/bin/sh
# make check-deb: the Debian package as an air-gapped reviewer gets it.
#
#   sh tests/install/check-deb.sh ./kvaudit_VERSION_ARCH.deb
#
# As root: installs the .deb with apt-get (its dependencies come from the
# configured archive), runs the installed kvaudit on samples/ (every format,
# SHA256SUMS checked, report.json valid against the installed schema), looks
# at the man page and the files the package owns, then purges it and checks
# that nothing of it is left. Not part of make check: it changes the system.
# Refuses to run when kvaudit is already installed as a package.
. tests/lib.sh

deb=${1:-}
if [ -z "$deb" ] || [ ! -f "$deb" ]; then
    echo "usage: $0 ./kvaudit_VERSION_ARCH.deb" >&2
    exit 2
fi
case $deb in
/* | ./*) ;;
*) deb=./$deb ;;
esac
if [ "$(id -u)" -ne 0 ]; then
    echo "check-deb: needs root (it installs and purges the package)" >&2
    exit 2
fi
if [ "$(dpkg-query -W -f '${db:Status-Status}' kvaudit 2>/dev/null)" = installed ]; then
    echo "check-deb: kvaudit is installed already; remove it first" >&2
    exit 2
fi

version=$(sed -n 's/^VERSION *:= *//p' Makefile)
expect_eq ".deb version" "$version" "$(dpkg-deb -f "$deb" Version)"
depends=$(dpkg-deb -f "$deb" Depends)
for p in libcjson1 libxlsxwriter4 libhpdf-2.3.0 libssl3 libfontconfig1 fonts-dejavu-core fonts-wqy-zenhei fonts-nanum; do
    case $depends in
    *"$p"*) ok "Depends names $p" ;;
    *) fail "Depends names $p" "Depends: $depends" ;;
    esac
done

DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$deb" >"$T_TMP/apt.log" 2>&1
rc=$?
expect_eq "apt-get install ./.deb: exit" 0 "$rc"
[ "$rc" -eq 0 ] || tail -20 "$T_TMP/apt.log" | sed 's/^/# /'
expect_eq "installed as /usr/bin/kvaudit" /usr/bin/kvaudit "$(command -v kvaudit)"
expect_eq "installed --version" "kvaudit $version" "$(kvaudit --version | head -1)"

out=$T_TMP/report
kvaudit report -f xlsx,pdf,json,csv,md,sh,ps1 --as-of 2026-11-23 -o "$out" \
    samples/estate >"$T_TMP/stdout" 2>"$T_TMP/stderr" </dev/null
expect_eq "installed kvaudit report on samples/: exit" 0 "$?"
check "summary on stdout" grep -q '^Verdict  *FAIL$' "$T_TMP/stdout"
expect_eq "nothing on stderr" "" "$(cat "$T_TMP/stderr")"
check "SHA256SUMS checks" sh -c "cd '$out' && sha256sum --quiet -c SHA256SUMS"
expect_eq "eight files written" 8 "$(ls "$out" | wc -l | tr -d ' ')"
check "the PDF has pages" sh -c "pdfinfo '$out/report.pdf' | grep -q '^Pages: *[1-9]'"
kvaudit check --as-of 2026-11-23 samples/estate >/dev/null 2>&1 </dev/null
expect_eq "installed kvaudit check on samples/: exit 1 (the control fails)" 1 "$?"
if /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
    check "report.json valid against /usr/share/kvaudit/schemas" \
        /usr/bin/python3 -m jsonschema -i "$out/report.json" /usr/share/kvaudit/schemas/report.schema.json
fi
check "man page installed" test -f /usr/share/man/man1/kvaudit.1.gz
check "man page renders" sh -c "zcat /usr/share/man/man1/kvaudit.1.gz | groff -man -Tutf8 >/dev/null"
for f in /usr/share/kvaudit/templates/control.json /usr/share/kvaudit/templates/commands.json \
    /usr/share/kvaudit/templates/wording.json /usr/share/kvaudit/schemas/report.schema.json \
    /usr/share/kvaudit/schemas/exceptions.schema.json /usr/share/kvaudit/scripts/collect.sh \
    /usr/share/kvaudit/scripts/collect.ps1 /usr/share/doc/kvaudit/README.md.gz \
    /usr/share/doc/kvaudit/copyright; do
    check "package owns $f" sh -c "dpkg -L kvaudit | grep -qx '$f'"
done
kvaudit report -q -f json --templates /usr/share/kvaudit/templates --as-of 2026-11-23 \
    -o "$T_TMP/templated" samples/estate </dev/null
expect_eq "installed templates usable with --templates" 0 "$?"
check "installed templates give the same report" cmp "$out/report.json" "$T_TMP/templated/report.json"

DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq kvaudit >"$T_TMP/apt.log" 2>&1
expect_eq "apt-get purge kvaudit: exit" 0 "$?"
check "purged: no /usr/bin/kvaudit" test ! -e /usr/bin/kvaudit
check "purged: no /usr/share/kvaudit" test ! -e /usr/share/kvaudit
check "purged: no /usr/share/doc/kvaudit" test ! -e /usr/share/doc/kvaudit
check "purged: no man page" test ! -e /usr/share/man/man1/kvaudit.1.gz
check "purged: dpkg forgot it" sh -c "! dpkg -s kvaudit >/dev/null 2>&1"

finish
