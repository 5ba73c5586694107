# testcase/: the demo programs and the in-VM test suite.
#
# Everything here runs in the busybox guest, so it is linked statically.
# Any testcase/test_*.c becomes $(BUILD)/vm/bin/test_* linked with
# testlib.c; run-vm-tests.sh runs every test_* it finds there.

TC_BIN := $(BUILD)/vm/bin
TC_CFLAGS := $(USER_CFLAGS) -Itestcase -static
TC_HDRS := $(wildcard uapi/*.h) testcase/tap.h testcase/testlib.h
TC_DEMOS := $(TC_BIN)/helloworld $(TC_BIN)/userstack $(TC_BIN)/hptest \
	    $(TC_BIN)/perf_hold
TC_TESTS := $(patsubst testcase/%.c,$(TC_BIN)/%,$(wildcard testcase/test_*.c))

VM_PROGS += $(TC_DEMOS) $(TC_TESTS) $(TC_BIN)/run-vm-tests.sh

$(TC_BIN):
	mkdir -p $@

$(TC_BIN)/helloworld $(TC_BIN)/hptest $(TC_BIN)/perf_hold: $(TC_BIN)/%: testcase/%.c $(TC_HDRS) | $(TC_BIN)
	$(CC) $(TC_CFLAGS) -o $@ $<

# The capture tests need a chain an unwinder can only walk with .eh_frame.
$(TC_BIN)/userstack: testcase/userstack.c $(TC_HDRS) | $(TC_BIN)
	$(CC) $(TC_CFLAGS) -O2 -fomit-frame-pointer -pthread -o $@ $<

$(TC_TESTS): $(TC_BIN)/%: testcase/%.c testcase/testlib.c $(TC_HDRS) | $(TC_BIN)
	$(CC) $(TC_CFLAGS) -pthread -o $@ $< testcase/testlib.c

$(TC_BIN)/run-vm-tests.sh: testcase/run-vm-tests.sh | $(TC_BIN)
	install -m 0755 $< $@
