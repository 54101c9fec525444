# make deb: the Debian package, built with dpkg-buildpackage from a copy of
# the source in $(BUILD)/deb (the working tree gets no debian/kvaudit,
# debian/files or the like) and a clean environment (this make's variables,
# BUILD or OPT say, must not reach the package build), then copied here:
#   ./kvaudit_$(VERSION)_<arch>.deb
# It installs with `apt-get install ./kvaudit_<version>_<arch>.deb`.
#
# make check-deb: build it, install it with apt-get, run the installed
# kvaudit on samples/, purge it and check that nothing is left (root, and
# it changes the system: not part of make check).
.PHONY: deb check-deb

DEB_STAGE   := $(BUILD)/deb
DEB_SRC     := $(DEB_STAGE)/kvaudit-$(VERSION)
DEB_CONTENT := Makefile mk src templates tools scripts schemas samples \
               debian kvaudit.1 README.md $(wildcard docs)
DEB_ARCH     = $(shell dpkg --print-architecture)
DEB_FILE     = kvaudit_$(VERSION)_$(DEB_ARCH).deb

deb:
	$(Q)sh tools/deps.sh deb
	$(Q)v=$$(dpkg-parsechangelog -l debian/changelog -S Version) && \
	    [ "$$v" = "$(VERSION)" ] || { \
	    echo "debian/changelog is at $$v, the Makefile at $(VERSION)" >&2; \
	    exit 1; }
	$(call say,STAGE,$(DEB_SRC))
	$(Q)rm -rf $(DEB_STAGE)
	$(Q)mkdir -p $(DEB_SRC)
	$(Q)cp -R $(DEB_CONTENT) $(DEB_SRC)/
	$(Q)cd $(DEB_SRC)/debian && rm -rf kvaudit .debhelper files \
	    debhelper-build-stamp *.substvars *.log smoke
	$(call say,DPKG,$(DEB_FILE))
	$(Q)cd $(DEB_SRC) && env -i PATH="$$PATH" HOME="$$HOME" \
	    TMPDIR="$${TMPDIR:-/tmp}" LC_ALL=C.UTF-8 \
	    DEB_BUILD_OPTIONS="$${DEB_BUILD_OPTIONS-}" \
	    DEB_BUILD_PROFILES="$${DEB_BUILD_PROFILES-}" \
	    dpkg-buildpackage -b -us -uc \
	    >../dpkg-buildpackage.log 2>&1 || { \
	    tail -40 ../dpkg-buildpackage.log >&2; \
	    echo "dpkg-buildpackage failed: $(DEB_STAGE)/dpkg-buildpackage.log" >&2; \
	    exit 1; }
	$(Q)cp $(DEB_STAGE)/$(DEB_FILE) .
	@echo "Built ./$(DEB_FILE); install it with"
	@echo "  apt-get install ./$(DEB_FILE)"

check-deb: deb
	$(Q)sh tests/install/check-deb.sh ./$(DEB_FILE)
