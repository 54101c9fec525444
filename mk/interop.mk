# make check-interop: open report.xlsx with LibreOffice headless and check
# every cell against report.json (needs libreoffice-calc-nogui and jq).
.PHONY: check-interop
check-interop: all
	$(Q)BUILD=$(BUILD) sh tests/xlsx/interop.sh
