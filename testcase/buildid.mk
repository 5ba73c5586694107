# SPDX-License-Identifier: GPL-2.0-only
# testcase/buildid.mk: the module's build-id parser (module/buildid_parse.c)
# built for the host, as a unit test under ASan and UBSan and as a
# libFuzzer target. Included by the top-level Makefile, which sets BUILD,
# HOST_CC, USER_CFLAGS, SAN_CFLAGS, HOST_TESTS and FUZZ_TARGETS.

BUILDID_SRC := module/buildid_parse.c
BUILDID_DEPS := $(BUILDID_SRC) module/buildid_parse.h module/buildid_shim.h
BUILDID_FUZZ_CC ?= clang
BUILDID_STATIC := $(BUILD)/tests/buildid_static

# A static binary to test on: its notes differ from a PIE's.
$(BUILDID_STATIC):
	@mkdir -p $(dir $@)
	printf 'int main(void) { return 0; }\n' | \
		$(HOST_CC) -static -Wl,--build-id=sha1 -x c -o $@ -

$(BUILD)/tests/host_buildid: testcase/host_buildid.c testcase/tap.h \
			     $(BUILDID_DEPS) | $(BUILDID_STATIC)
	@mkdir -p $(dir $@)
	$(HOST_CC) $(USER_CFLAGS) $(SAN_CFLAGS) -Imodule -Itestcase \
		-Wl,--build-id=sha1 -o $@ $< $(BUILDID_SRC)

# Run with the static binary named, from HOST_TESTS.
$(BUILD)/tests/host_buildid.sh: $(BUILD)/tests/host_buildid
	printf '#!/bin/sh\nBUILDID_STATIC=%s exec %s "$$@"\n' \
		$(abspath $(BUILDID_STATIC)) $(abspath $<) > $@
	chmod 0755 $@

HOST_TESTS += $(BUILD)/tests/host_buildid.sh

$(BUILD)/fuzz/fuzz_buildid: testcase/fuzz_buildid.c $(BUILDID_DEPS)
	@mkdir -p $(dir $@)
	$(BUILDID_FUZZ_CC) $(USER_CFLAGS) -Imodule \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
		-o $@ $< $(BUILDID_SRC)

FUZZ_TARGETS += $(BUILD)/fuzz/fuzz_buildid
FUZZ_RUN_fuzz_buildid := testcase/fuzz-buildid.sh $(BUILD)/fuzz/fuzz_buildid \
	$(BUILD)/tests/host_buildid $(BUILDID_STATIC)
