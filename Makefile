# kvaudit — see README.md. `make` is quiet; `make V=1` shows the commands.

VERSION  := 0.1.0
PREFIX   ?= /usr/local
BUILD    ?= build

CC       ?= cc
PKGS     := libcjson xlsxwriter libcrypto fontconfig
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

WARN     := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
            -Wmissing-prototypes -Wformat=2 -Wno-format-nonliteral
ifeq ($(WERROR),1)
WARN     += -Werror
endif
OPT      ?= -O2 -g
CPPFLAGS += -D_POSIX_C_SOURCE=200809L -D_XOPEN_SOURCE=700 \
            -DKVA_VERSION='"$(VERSION)"' -I$(BUILD)/gen
CFLAGS   += -std=c11 $(OPT) $(WARN) $(PKG_CFLAGS) $(SAN)
LDLIBS   += $(PKG_LIBS) -lhpdf -lpthread -lm
LDFLAGS  += $(SAN)

ifneq ($(V),1)
Q := @
say = @printf '  %-7s %s\n' $(1) $(2)
else
Q :=
say =
endif

SRC       := $(sort $(wildcard src/*.c src/*/*.c))
OBJ       := $(SRC:%.c=$(BUILD)/%.o)
LIB_OBJ   := $(filter-out $(BUILD)/src/main.o,$(OBJ))
TEMPLATES := $(sort $(wildcard templates/*.json))
GEN       := $(BUILD)/gen/templates_builtin.h
UNIT_SRC  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
BIN       := $(BUILD)/kvaudit

.PHONY: all deps deps-test demo check unit asan valgrind clean install \
        uninstall format bench fuzz

all: $(BIN)

deps:
	$(Q)sh tools/deps.sh build

deps-test:
	$(Q)sh tools/deps.sh test

$(BIN): $(OBJ)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(OBJ) $(LDLIBS)

$(BUILD)/%.o: %.c | $(GEN)
	$(call say,CC,$<)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# The built-in templates: every templates/*.json as a C string.
$(GEN): $(TEMPLATES) tools/embed.sh
	$(call say,GEN,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)sh tools/embed.sh $(TEMPLATES) > $@.tmp && mv $@.tmp $@

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJ)
	$(call say,CC,$<)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) -Isrc $(CFLAGS) $(shell pkg-config --cflags cmocka) \
	    -o $@ $< $(LIB_OBJ) $(LDFLAGS) $(LDLIBS) $(shell pkg-config --libs cmocka)

demo: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)rm -rf kvaudit-report
	$(Q)$(BIN) report -f xlsx,pdf,json,csv,md,sh,ps1 -o kvaudit-report \
	    --baseline samples/baseline/report.json \
	    --title "Key Vault Defender coverage" --org "Contoso Group" \
	    --as-of 2026-11-23 samples/estate || test $$? -eq 1
	@echo
	@echo "Reports written to $(CURDIR)/kvaudit-report/:"
	@ls -1 kvaudit-report | sed 's/^/  /'

unit: $(UNIT_BIN)

check: deps-test
	$(Q)$(MAKE) --no-print-directory all unit
	$(Q)BUILD=$(BUILD) sh tests/run.sh

# ASan and UBSan over the whole suite: the unit binaries, the fuzz replays
# and, through build-asan/kvaudit, every shell suite (ASAN_BUILD=DIR builds
# elsewhere). Every report is also written under DIR/sanitizer/, so that
# one in a run whose status or stderr a test ignores still counts: it is
# shown after the run and added to its failures. KVA_SANITIZER tells the
# suites that peak-RSS bounds mean nothing under ASan's shadow memory;
# KVA_PDF_BIG=0 skips the 100,000-vault PDF, which checks only such a bound.
# OPT and SAN stay in the environment, so that a suite which runs make on
# the build directory (tests/install) keeps building it instrumented.
asan:
	$(Q)b=$(or $(ASAN_BUILD),build-asan); d=$$b/sanitizer; \
	OPT="-O1 -g"; SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"; \
	export OPT SAN; \
	$(MAKE) --no-print-directory BUILD=$$b deps-test all unit || exit 2; \
	rm -rf $$d; mkdir -p $$d; \
	o=halt_on_error=1:print_stacktrace=1:exitcode=86:log_path=$(CURDIR)/$$d/report; \
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:detect_stack_use_after_return=1:strict_string_checks=1:$$o \
	UBSAN_OPTIONS=$$o KVA_SANITIZER=address KVA_PDF_BIG=0 \
	    BUILD=$$b sh tests/run.sh | tee $$d/run.log; \
	n=$$(find $$d -name 'report.*' | wc -l); \
	if [ "$$n" -gt 0 ]; then \
	    echo "sanitizer reports: $$n"; \
	    for r in $$d/report.*; do echo "  $$r"; head -40 $$r | sed 's/^/    | /'; done; \
	    sum=$$(tail -n 1 $$d/run.log); f=$${sum#*passed, }; \
	    echo "$${sum%% passed*} passed, $$(($${f%% failed*} + n)) failed"; \
	    exit 1; \
	fi; \
	tail -n 1 $$d/run.log | grep -q '^[0-9]* passed, 0 failed$$'

# The golden tests and the command-line suites with every run of the
# binary under memcheck (tests/lib.sh, KVA_VALGRIND=1: --leak-check=full,
# an error exits 99). valgrind's log goes to files as well, so that an
# error in a run whose status a test ignores still counts.
valgrind: all
	$(Q)d=tests/out/valgrind-$(notdir $(BUILD)); rm -rf $$d; \
	mkdir -p $$d/log; p=0; f=0; \
	for s in tests/golden/run.sh tests/cli/*.sh; do \
	    n=$$(echo $$s | sed 's|^tests/||; s|\.sh$$||; s|/|-|g'); \
	    VALGRIND_OPTS="--log-file=$(CURDIR)/$$d/log/$$n.%p" KVA_VALGRIND=1 \
	        BUILD=$(BUILD) sh $$s >$$d/$$n.log 2>&1; rc=$$?; \
	    sp=$$(grep -c '^ok ' $$d/$$n.log); sf=$$(grep -c '^not ok ' $$d/$$n.log); \
	    [ $$rc -ne 0 ] && [ $$sf -eq 0 ] && sf=1; \
	    for r in $$(find $$d/log -name "$$n.*" -size +0); do \
	        sf=$$((sf + 1)); echo "not ok - valgrind: $$r" >>$$d/$$n.log; \
	        head -40 $$r | sed 's/^/    | /' >>$$d/$$n.log; \
	    done; \
	    printf '%-28s %4d passed, %d failed\n' "valgrind $$n" $$sp $$sf; \
	    [ $$sf -eq 0 ] || grep -A40 '^not ok' $$d/$$n.log | head -60 | sed 's/^/    /'; \
	    p=$$((p + sp)); f=$$((f + sf)); \
	done; \
	echo "$$p passed, $$f failed"; [ $$f -eq 0 ]

format:
	$(Q)clang-format -i $(SRC) $(wildcard src/*.h src/*/*.h) $(UNIT_SRC)

# install and uninstall (PREFIX, DESTDIR): mk/install.mk.

clean:
	rm -rf build build-asan kvaudit-report tests/out

# Further targets (fuzzing, benchmarks, packaging, ...) live in mk/.
-include $(sort $(wildcard mk/*.mk))

-include $(OBJ:.o=.d)
