# testcase/bench.mk: the make bench programs (tools/bench.sh runs them in
# the VM through tools/bench-guest.sh). Like the tests they are static;
# unlike them they are named bench_*, so run-vm-tests.sh leaves them
# alone. The top-level Makefile includes this before build.mk (sorted
# names), so nothing here uses build.mk's variables.

BENCH_BIN := $(BUILD)/vm/bin
BENCH_PROGS := $(patsubst testcase/%.c,$(BENCH_BIN)/%,$(wildcard testcase/bench_*.c))
BENCH_LIB := testcase/benchlib.c testcase/testlib.c
BENCH_HDRS := $(wildcard uapi/*.h) testcase/benchlib.h testcase/testlib.h

VM_PROGS += $(BENCH_PROGS) $(BENCH_BIN)/bench-guest.sh

$(BENCH_PROGS): $(BENCH_BIN)/%: testcase/%.c $(BENCH_LIB) $(BENCH_HDRS)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -Itestcase -static -pthread -o $@ $< $(BENCH_LIB)

$(BENCH_BIN)/bench-guest.sh: tools/bench-guest.sh
	@mkdir -p $(dir $@)
	install -m 0755 $< $@

# The parsers of the bench programs (records, procfs text) under
# libFuzzer; `make fuzz-smoke` runs it briefly from a few real samples.
BENCH_FUZZ := $(BUILD)/fuzz/fuzz_bench
BENCH_FUZZ_CC ?= clang

$(BENCH_FUZZ): testcase/fuzz_bench.c $(BENCH_LIB) $(BENCH_HDRS)
	@mkdir -p $(dir $@)
	$(BENCH_FUZZ_CC) $(USER_CFLAGS) -Itestcase \
		-fsanitize=fuzzer,address,undefined -o $@ $< $(BENCH_LIB)

FUZZ_TARGETS += $(BENCH_FUZZ)
FUZZ_RUN_fuzz_bench := testcase/fuzz-bench.sh $(BENCH_FUZZ)
