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

asan:
	$(Q)$(MAKE) --no-print-directory BUILD=build-asan OPT="-O1 -g" \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" check

valgrind: all
	$(Q)KVA_VALGRIND=1 BUILD=$(BUILD) sh tests/golden/run.sh

format:
	$(Q)clang-format -i $(SRC) $(wildcard src/*.h src/*/*.h) $(UNIT_SRC)

# install and uninstall (PREFIX, DESTDIR): mk/install.mk.

clean:
	rm -rf build build-asan kvaudit-report tests/out

# Further targets (fuzzing, benchmarks, packaging, ...) live in mk/.
-include $(sort $(wildcard mk/*.mk))

-include $(OBJ:.o=.d)
