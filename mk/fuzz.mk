# Fuzzing (fuzz/README.md).
#
#   make fuzz [FUZZ_SECONDS=N] [FUZZ_TARGETS="read scan estate"]
#       builds the libFuzzer targets with clang into $(FUZZ_BUILD), seeds
#       fuzz/corpus-TARGET/ (fuzz/make-corpus.sh) and runs each target for
#       N seconds; a crash, leak or timeout is left in
#       $(FUZZ_BUILD)/artifacts/TARGET/ and fails the target.
#
# The same target sources are also linked, with the project's compiler
# and flags, into $(BUILD)/fuzz/replay-TARGET (built by `make unit`), which
# tests/regress/run-regress.sh runs over tests/regress/TARGET/ in
# `make check` and, instrumented, in `make asan`.

.PHONY: fuzz fuzz-bins fuzz-corpus fuzz-clean

FUZZ_TARGETS ?= read scan estate
FUZZ_SECONDS ?= 60
FUZZ_BUILD   ?= build-fuzzer
FUZZ_CC      ?= clang
# Extra libFuzzer flags, e.g. FUZZ_FLAGS=-jobs=2.
FUZZ_FLAGS   ?=
# Where the targets write their scratch files: memory when there is a
# /dev/shm (fuzz_estate's output set syncs every file it commits).
FUZZ_TMPDIR  ?= $(if $(wildcard /dev/shm/.),/dev/shm,$(CURDIR)/$(FUZZ_BUILD)/tmp)

FUZZ_OBJDIR := $(BUILD)/fuzz/obj
FUZZ_OBJ    := $(patsubst fuzz/%.c,$(FUZZ_OBJDIR)/%.o,$(wildcard fuzz/*.c))
REPLAY_BIN  := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/replay-%)
FUZZ_BIN    := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz-%)

unit: $(REPLAY_BIN)

$(FUZZ_OBJ): $(FUZZ_OBJDIR)/%.o: fuzz/%.c | $(GEN)
	$(call say,CC,$<)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) -Isrc $(CFLAGS) -MMD -MP -c -o $@ $<

# main.c once more, its main() renamed: the whole command as a function
# for fuzz_estate (fuzz/cli_main.h).
$(FUZZ_OBJDIR)/cli_main.o: src/main.c fuzz/cli_main.h | $(GEN)
	$(call say,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CPPFLAGS) -Dmain=kva_cli_main -include fuzz/cli_main.h \
	    $(CFLAGS) -MMD -MP -c -o $@ $<

$(REPLAY_BIN): $(BUILD)/fuzz/replay-%: $(FUZZ_OBJDIR)/fuzz_%.o \
    $(FUZZ_OBJDIR)/util.o $(FUZZ_OBJDIR)/replay.o $(LIB_OBJ)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LDLIBS)

$(FUZZ_BIN): $(BUILD)/fuzz/fuzz-%: $(FUZZ_OBJDIR)/fuzz_%.o \
    $(FUZZ_OBJDIR)/util.o $(LIB_OBJ)
	$(call say,LD,$@)
	$(Q)$(CC) $(LDFLAGS) -fsanitize=fuzzer -o $@ $(filter %.o,$^) $(LDLIBS)

$(BUILD)/fuzz/replay-estate $(BUILD)/fuzz/fuzz-estate: \
    $(FUZZ_OBJDIR)/cli_main.o

# Called by `fuzz` with BUILD=$(FUZZ_BUILD) and clang's instrumentation.
fuzz-bins: $(FUZZ_BIN)

fuzz-corpus:
	$(Q)sh fuzz/make-corpus.sh $(FUZZ_TARGETS)

fuzz:
	$(Q)sh tools/deps.sh fuzz
	$(Q)sh fuzz/make-corpus.sh $(FUZZ_TARGETS)
	$(Q)$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=$(FUZZ_CC) \
	    OPT="-O1 -g" SAN="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer \
	    -fno-sanitize-recover=all" fuzz-bins
	$(Q)mkdir -p $(FUZZ_TMPDIR); failed=""; \
	for t in $(FUZZ_TARGETS); do \
	    mkdir -p $(FUZZ_BUILD)/artifacts/$$t; \
	    echo "fuzz-$$t: $(FUZZ_SECONDS) s"; \
	    TMPDIR=$(FUZZ_TMPDIR) \
	    $(FUZZ_BUILD)/fuzz/fuzz-$$t fuzz/corpus-$$t \
	        -dict=fuzz/kvaudit.dict -max_total_time=$(FUZZ_SECONDS) \
	        -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
	        -close_fd_mask=2 \
	        -artifact_prefix=$(CURDIR)/$(FUZZ_BUILD)/artifacts/$$t/ $(FUZZ_FLAGS) \
	        2>$(FUZZ_BUILD)/fuzz-$$t.log || failed="$$failed $$t"; \
	    grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::number_of_executed_units|^stat::peak_rss|SUMMARY|ERROR|invariant' \
	        $(FUZZ_BUILD)/fuzz-$$t.log | sed 's/^/  /'; \
	done; \
	if [ -n "$$failed" ]; then \
	    echo "fuzz: findings in:$$failed (see $(FUZZ_BUILD)/artifacts/ and $(FUZZ_BUILD)/fuzz-*.log)"; \
	    exit 1; \
	fi

fuzz-clean:
	rm -rf $(FUZZ_BUILD)

-include $(FUZZ_OBJ:.o=.d) $(FUZZ_OBJDIR)/cli_main.d
