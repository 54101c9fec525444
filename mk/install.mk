# make install / make uninstall: the binary, the man page, and reference
# copies of what a reviewer may want beside it (the templates the binary
# has built in, the JSON Schemas, the collection scripts, the README).
#
#   make install PREFIX=/usr/local DESTDIR=/tmp/stage
#
# The directories follow the GNU names and can each be overridden.
.PHONY: install uninstall

BINDIR  ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share
MANDIR  ?= $(DATADIR)/man
DOCDIR  ?= $(DATADIR)/doc/kvaudit
PKGDATA := $(DATADIR)/kvaudit
INSTALL ?= install

INSTALL_TEMPLATES := $(sort $(wildcard templates/*.json))
INSTALL_SCHEMAS   := $(sort $(wildcard schemas/*.schema.json))
INSTALL_DOC_PNGS  := $(sort $(wildcard docs/*.png))

install: all
	$(call say,INSTALL,$(DESTDIR)$(PREFIX))
	$(Q)$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
	    $(DESTDIR)$(PKGDATA)/templates $(DESTDIR)$(PKGDATA)/schemas \
	    $(DESTDIR)$(PKGDATA)/scripts $(DESTDIR)$(DOCDIR)
	$(Q)$(INSTALL) -m 0755 $(BIN) $(DESTDIR)$(BINDIR)/kvaudit
	$(Q)$(INSTALL) -m 0644 kvaudit.1 $(DESTDIR)$(MANDIR)/man1/kvaudit.1
	$(Q)$(INSTALL) -m 0644 $(INSTALL_TEMPLATES) $(DESTDIR)$(PKGDATA)/templates
	$(Q)$(INSTALL) -m 0644 $(INSTALL_SCHEMAS) $(DESTDIR)$(PKGDATA)/schemas
	$(Q)$(INSTALL) -m 0755 scripts/collect.sh $(DESTDIR)$(PKGDATA)/scripts
	$(Q)$(INSTALL) -m 0644 scripts/collect.ps1 $(DESTDIR)$(PKGDATA)/scripts
	$(Q)$(INSTALL) -m 0644 README.md $(DESTDIR)$(DOCDIR)
ifneq ($(INSTALL_DOC_PNGS),)
	$(Q)$(INSTALL) -d $(DESTDIR)$(DOCDIR)/docs
	$(Q)$(INSTALL) -m 0644 $(INSTALL_DOC_PNGS) $(DESTDIR)$(DOCDIR)/docs
endif

# Removes exactly what install wrote, then kvaudit's own directories when
# they are empty; directories shared with other programs stay.
uninstall:
	$(call say,RM,$(DESTDIR)$(PREFIX))
	$(Q)rm -f $(DESTDIR)$(BINDIR)/kvaudit $(DESTDIR)$(MANDIR)/man1/kvaudit.1 \
	    $(addprefix $(DESTDIR)$(PKGDATA)/templates/,$(notdir $(INSTALL_TEMPLATES))) \
	    $(addprefix $(DESTDIR)$(PKGDATA)/schemas/,$(notdir $(INSTALL_SCHEMAS))) \
	    $(DESTDIR)$(PKGDATA)/scripts/collect.sh \
	    $(DESTDIR)$(PKGDATA)/scripts/collect.ps1 \
	    $(DESTDIR)$(DOCDIR)/README.md \
	    $(addprefix $(DESTDIR)$(DOCDIR)/docs/,$(notdir $(INSTALL_DOC_PNGS)))
	$(Q)for d in $(PKGDATA)/templates $(PKGDATA)/schemas $(PKGDATA)/scripts \
	    $(PKGDATA) $(DOCDIR)/docs $(DOCDIR); do \
	    [ ! -d "$(DESTDIR)$$d" ] || rmdir "$(DESTDIR)$$d" 2>/dev/null || true; \
	done
