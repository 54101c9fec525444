# make bench [BENCH=1x|4x|10x|smoke] [ROUNDS=N] [SEED=S]: see bench/README.md
.PHONY: bench bench-clean
BENCH ?= 1x
bench: all
	$(Q)BUILD=$(BUILD) BENCH=$(BENCH) CC="$(CC)" sh bench/bench.sh
bench-clean:
	rm -rf bench/data
