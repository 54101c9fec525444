#!/bin/sh
# make install / make uninstall into a DESTDIR, as a packager or a reviewer
# would use them:
#   - every file lands where the man page's FILES section says, with its
#     mode (programs 0755, data 0644), the data identical to the tree's;
#   - the installed binary, run from elsewhere, writes the samples' reports
#     (every format, SHA256SUMS that checks), the same bytes as the build's
#     binary; the installed templates, given to --templates, change
#     nothing; the installed schema validates the installed binary's
#     report; the installed man page renders; collect.sh answers --help;
#   - uninstall leaves no file and none of kvaudit's directories, for the
#     default layout and for overridden directories.
. tests/lib.sh

root=$(pwd)
case $KVA in
/*) kva_abs=$KVA ;;
*) kva_abs=$root/$KVA ;;
esac

# make_in TARGET VARS...: make TARGET with this build directory, quietly
make_in() {
    t=$1
    shift
    make -s --no-print-directory BUILD="$BUILD" "$t" "$@" >"$T_TMP/make.out" 2>&1
}

stage=$T_TMP/stage
prefix=/usr/local
make_in install PREFIX=$prefix DESTDIR="$stage"
expect_eq "make install: exit" 0 "$?"
p=$stage$prefix

# mode FILE: its permission bits in octal
mode() { stat -c '%a' "$1" 2>/dev/null || echo missing; }
expect_eq "bin/kvaudit 0755" 755 "$(mode "$p/bin/kvaudit")"
expect_eq "man1/kvaudit.1 0644" 644 "$(mode "$p/share/man/man1/kvaudit.1")"
check "man page installed unchanged" cmp kvaudit.1 "$p/share/man/man1/kvaudit.1"
for f in templates/*.json; do
    expect_eq "$f 0644" 644 "$(mode "$p/share/kvaudit/$f")"
    check "$f installed unchanged" cmp "$f" "$p/share/kvaudit/$f"
done
for f in schemas/report.schema.json schemas/exceptions.schema.json; do
    expect_eq "$f 0644" 644 "$(mode "$p/share/kvaudit/$f")"
    check "$f installed unchanged" cmp "$f" "$p/share/kvaudit/$f"
done
expect_eq "scripts/collect.sh 0755" 755 "$(mode "$p/share/kvaudit/scripts/collect.sh")"
expect_eq "scripts/collect.ps1 0644" 644 "$(mode "$p/share/kvaudit/scripts/collect.ps1")"
check "collect.sh installed unchanged" cmp scripts/collect.sh "$p/share/kvaudit/scripts/collect.sh"
check "collect.ps1 installed unchanged" cmp scripts/collect.ps1 "$p/share/kvaudit/scripts/collect.ps1"
expect_eq "README.md 0644" 644 "$(mode "$p/share/doc/kvaudit/README.md")"
for png in docs/*.png; do
    [ -f "$png" ] || continue
    check "$png installed beside the README" cmp "$png" "$p/share/doc/kvaudit/$png"
done
# nothing else: the list of installed files is exactly this
find "$stage" -type f | sed "s|^$stage||" | sort >"$T_TMP/installed"
{
    echo "$prefix/bin/kvaudit"
    echo "$prefix/share/doc/kvaudit/README.md"
    for png in docs/*.png; do [ -f "$png" ] && echo "$prefix/share/doc/kvaudit/$png"; done
    for f in schemas/*.schema.json templates/*.json; do echo "$prefix/share/kvaudit/$f"; done
    echo "$prefix/share/kvaudit/scripts/collect.ps1"
    echo "$prefix/share/kvaudit/scripts/collect.sh"
    echo "$prefix/share/man/man1/kvaudit.1"
} | sort >"$T_TMP/expected"
check "installed files are exactly the expected ones" diff "$T_TMP/expected" "$T_TMP/installed"

# --- the installed binary, run from another directory ---------------------
work=$T_TMP/work
mkdir -p "$work"
ln -s "$root/samples" "$work/samples"
mkdir -p "$work/bin"
ln -s "$kva_abs" "$work/bin/kvaudit"
all=xlsx,pdf,json,csv,md,sh,ps1
args="-f $all --as-of 2026-11-23 --org Contoso samples/estate"
# shellcheck disable=SC2086
(cd "$work" && timeout 120 "$p/bin/kvaudit" report -o installed $args) >"$T_TMP/out1" 2>"$T_TMP/err1" </dev/null
expect_eq "installed binary: exit" 0 "$?"
check "installed binary: summary printed" grep -q '^Verdict  *FAIL$' "$T_TMP/out1"
for f in report.json report.xlsx report.pdf findings.csv summary.md remediate.sh remediate.ps1 SHA256SUMS; do
    check "installed binary wrote $f" test -s "$work/installed/$f"
done
check "installed binary: SHA256SUMS checks" sh -c "cd '$work/installed' && sha256sum --quiet -c SHA256SUMS"
# The build's binary, with the same command line (the outputs quote it),
# gives the same bytes.
mkdir -p "$work/b"
ln -s "$root/samples" "$work/b/samples"
# shellcheck disable=SC2086
(cd "$work/b" && PATH="$work/bin:$PATH" timeout 120 kvaudit report -o installed $args) >/dev/null 2>&1 </dev/null
for f in report.json report.xlsx report.pdf findings.csv summary.md remediate.sh remediate.ps1 SHA256SUMS; do
    check "installed and built binaries agree: $f" cmp "$work/b/installed/$f" "$work/installed/$f"
done
# The installed templates are the built-in ones.
# shellcheck disable=SC2086
(cd "$work" && timeout 120 "$p/bin/kvaudit" report -o templated \
    --templates "$p/share/kvaudit/templates" $args) >/dev/null 2>"$T_TMP/err2" </dev/null
expect_eq "installed templates: exit" 0 "$?"
check "installed templates change nothing" cmp "$work/installed/report.json" "$work/templated/report.json"
if /usr/bin/python3 -c 'import jsonschema' 2>/dev/null; then
    check "installed schema validates the installed binary's report" \
        /usr/bin/python3 -m jsonschema -i "$work/installed/report.json" "$p/share/kvaudit/schemas/report.schema.json"
    check "installed schema validates the samples' register" \
        /usr/bin/python3 -m jsonschema -i samples/estate/exceptions.json "$p/share/kvaudit/schemas/exceptions.schema.json"
else
    fail "python3-jsonschema is installed" "install it: sh tools/deps.sh test"
fi
"$p/bin/kvaudit" --version >"$T_TMP/version" 2>&1
expect_eq "installed --version: exit" 0 "$?"
expect_eq "installed --version" "kvaudit $(sed -n 's/^VERSION *:= *//p' Makefile)" "$(head -1 "$T_TMP/version")"
if command -v groff >/dev/null 2>&1; then
    check "installed man page renders" sh -c "groff -ww -man -Tutf8 '$p/share/man/man1/kvaudit.1' 2>&1 >/dev/null | grep -q . && exit 1 || exit 0"
else
    fail "groff is installed" "install groff-base: sh tools/deps.sh test"
fi
if command -v bash >/dev/null 2>&1; then
    bash "$p/share/kvaudit/scripts/collect.sh" --help >"$T_TMP/collect" 2>&1
    expect_eq "installed collect.sh --help: exit" 0 "$?"
    check "installed collect.sh --help: usage" grep -q 'collect.sh' "$T_TMP/collect"
else
    fail "bash is installed" "collect.sh needs bash"
fi

# --- uninstall --------------------------------------------------------------
make_in uninstall PREFIX=$prefix DESTDIR="$stage"
expect_eq "make uninstall: exit" 0 "$?"
expect_eq "uninstall leaves no file" "" "$(find "$stage" -type f -o -type l | head -5)"
for d in share/kvaudit share/doc/kvaudit; do
    check "uninstall removes $d" test ! -e "$p/$d"
done
make_in uninstall PREFIX=$prefix DESTDIR="$stage"
expect_eq "make uninstall twice: exit" 0 "$?"

# --- other directories ------------------------------------------------------
stage2=$T_TMP/stage2
make_in install PREFIX=/opt/kvaudit MANDIR=/usr/share/man DESTDIR="$stage2"
expect_eq "install with PREFIX and MANDIR: exit" 0 "$?"
check "binary under PREFIX" test -x "$stage2/opt/kvaudit/bin/kvaudit"
check "man page under MANDIR" test -f "$stage2/usr/share/man/man1/kvaudit.1"
check "data under PREFIX/share/kvaudit" test -f "$stage2/opt/kvaudit/share/kvaudit/schemas/report.schema.json"
make_in uninstall PREFIX=/opt/kvaudit MANDIR=/usr/share/man DESTDIR="$stage2"
expect_eq "uninstall with PREFIX and MANDIR: exit" 0 "$?"
expect_eq "uninstall with PREFIX and MANDIR leaves no file" "" "$(find "$stage2" -type f | head -5)"

# --- the Debian packaging's metadata (make deb builds it; make check-deb
# installs it) ---------------------------------------------------------------
version=$(sed -n 's/^VERSION *:= *//p' Makefile)
if command -v dpkg-parsechangelog >/dev/null 2>&1; then
    expect_eq "debian/changelog is at the Makefile's version" "$version" \
        "$(dpkg-parsechangelog -l debian/changelog -S Version 2>/dev/null)"
else
    expect_eq "debian/changelog is at the Makefile's version" "kvaudit ($version)" \
        "$(head -1 debian/changelog | cut -d' ' -f1-2)"
fi
check "debian/rules is executable" test -x debian/rules
for p in fonts-dejavu-core fonts-wqy-zenhei fonts-nanum '${shlibs:Depends}'; do
    check "debian/control: kvaudit depends on $p" \
        sh -c "sed -n '/^Package: kvaudit/,/^\$/p' debian/control | sed -n '/^Depends:/,/^[A-Z]/p' | grep -qF -- '$p'"
done
# Every library the binary links comes from a Build-Depends package, or
# from a package one of them depends on (libfreetype-dev through
# libfontconfig-dev).
bdeps=$(sed -n '/^Build-Depends:/,/^[A-Z]/p' debian/control | sed 's/^Build-Depends://; s/<[^>]*>//g; s/([^)]*)//g' |
    tr ',' '\n' | sed 's/[[:space:]]//g' | grep -v '^[A-Z]' | grep .)
indirect=
for b in $bdeps; do
    indirect="$indirect $(dpkg-query -W -f '${Depends}' "$b" 2>/dev/null | tr ',' '\n' | sed 's/([^)]*)//; s/|.*//; s/[[:space:]]//g; s/:any$//' | tr '\n' ' ')"
done
for lib in $(pkg-config --libs libcjson xlsxwriter libcrypto fontconfig 2>/dev/null) -lhpdf; do
    case $lib in -l*) ;; *) continue ;; esac
    # the file the linker takes, its path tidied but the link not followed
    # (the .so link belongs to the -dev package)
    so=$(realpath -s "$(${CC:-cc} -print-file-name="lib${lib#-l}.so")")
    pkg=$(dpkg-query -S "$so" 2>/dev/null | head -1 | cut -d: -f1)
    case " $(echo $bdeps) $indirect " in
    *" $pkg "*) [ -n "$pkg" ] && ok "Build-Depends brings $pkg (for $lib)" ||
        fail "Build-Depends brings the package of $lib" "$so: no package" ;;
    *) fail "Build-Depends brings the package of $lib" "$so: ${pkg:-no package}" ;;
    esac
done

finish
