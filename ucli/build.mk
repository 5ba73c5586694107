# SPDX-License-Identifier: GPL-2.0-only
# ucli: the userspace CLI, its host tests and its fuzz targets.
# Included by the top-level Makefile, which sets BUILD, CC, USER_CFLAGS and
# SAN_CFLAGS and collects USER_PROGS, VM_PROGS, HOST_TESTS, FUZZ_TARGETS.

UCLI_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
UCLI_OUT := $(BUILD)/ucli
UCLI_TESTS_OUT := $(BUILD)/tests
UCLI_FUZZ_OUT := $(BUILD)/fuzz
UCLI_FUZZ_CC ?= clang

UCLI_PKGS := libunwind-generic libdw libelf libsystemd
UCLI_PKG_CFLAGS := $(shell pkg-config --cflags $(UCLI_PKGS) 2>/dev/null)
UCLI_LIBS := $(shell pkg-config --libs $(UCLI_PKGS) 2>/dev/null)
ifeq ($(strip $(UCLI_LIBS)),)
UCLI_LIBS := -lunwind-generic -lunwind -ldw -lelf -lsystemd
endif
UCLI_LIBS += -ldl -llzma
UCLI_CFLAGS := $(USER_CFLAGS) -D_GNU_SOURCE -I$(UCLI_DIR) $(UCLI_PKG_CFLAGS) -MMD -MP

# Everything but the command line: also linked into unit tests and fuzzers.
UCLI_CORE := util jsonw record kallsyms elfsym unwind procfs resolve report \
	     demangle srcline perfmap print print_text print_json print_folded device
UCLI_MAIN := main cmd_dump cmd_proc cmd_watch sink_journal

# libiberty's demangler (C++, Rust legacy and v0), linked in as one object
# that exports cplus_demangle alone: libiberty's own xmalloc and friends
# would clash with ours.
UCLI_IBERTY := $(UCLI_OUT)/iberty_demangle.o

$(UCLI_IBERTY):
	@mkdir -p $(dir $@)
	ld -r -u cplus_demangle -o $@.tmp $(shell $(CC) -print-file-name=libiberty.a)
	objcopy --keep-global-symbol=cplus_demangle $@.tmp $@
	rm -f $@.tmp

UCLI_OBJS := $(addprefix $(UCLI_OUT)/obj/,$(addsuffix .o,$(UCLI_CORE) $(UCLI_MAIN))) \
	     $(UCLI_IBERTY)
UCLI_SAN_CORE := $(addprefix $(UCLI_OUT)/san/,$(addsuffix .o,$(UCLI_CORE))) \
		 $(UCLI_IBERTY)
UCLI_SAN_OBJS := $(UCLI_SAN_CORE) $(addprefix $(UCLI_OUT)/san/,$(addsuffix .o,$(UCLI_MAIN)))
UCLI_FUZZ_CORE := $(addprefix $(UCLI_OUT)/fuzz/,$(addsuffix .o,$(UCLI_CORE))) \
		  $(UCLI_IBERTY)

$(UCLI_OUT)/obj/%.o: $(UCLI_DIR)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(UCLI_CFLAGS) -c -o $@ $<

$(UCLI_OUT)/san/%.o: $(UCLI_DIR)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(UCLI_CFLAGS) $(SAN_CFLAGS) -c -o $@ $<

$(UCLI_OUT)/fuzz/%.o: $(UCLI_DIR)/%.c
	@mkdir -p $(dir $@)
	$(UCLI_FUZZ_CC) $(UCLI_CFLAGS) -fsanitize=fuzzer-no-link,address,undefined \
		-c -o $@ $<

$(UCLI_OUT)/ucli: $(UCLI_OBJS)
	$(CC) $(USER_CFLAGS) -o $@ $^ $(UCLI_LIBS)

# vm.sh copies the shared libraries a guest program needs.
$(BUILD)/vm/bin/ucli: $(UCLI_OUT)/ucli
	@mkdir -p $(dir $@)
	cp $< $@

# In the guest, run-vm-tests.sh runs every test_* it finds there.
$(BUILD)/vm/bin/test_ucli: $(UCLI_DIR)/tests/vm_test_ucli.sh
	@mkdir -p $(dir $@)
	install -m 0755 $< $@

$(BUILD)/vm/bin/ucli_watch_target: $(UCLI_DIR)/tests/watch_target.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -D_GNU_SOURCE -o $@ $<

# ucli against eu-stack on a real C++ program (vm.sh copies the shared
# libraries both need).
$(BUILD)/vm/bin/test_ucli_real: $(UCLI_DIR)/tests/vm_test_ucli_real.sh
	@mkdir -p $(dir $@)
	install -m 0755 $< $@

$(BUILD)/vm/bin/ucli_real_cxx: $(UCLI_DIR)/tests/real_cxx.cc
	@mkdir -p $(dir $@)
	$(CXX) -std=c++17 -Wall -Wextra -Werror -O2 -g -pthread -o $@ $<

$(BUILD)/vm/bin/eu-stack:
	@mkdir -p $(dir $@)
	cp "$$(command -v eu-stack)" $@

USER_PROGS += $(UCLI_OUT)/ucli
VM_PROGS += $(BUILD)/vm/bin/ucli $(BUILD)/vm/bin/test_ucli \
	    $(BUILD)/vm/bin/ucli_watch_target $(BUILD)/vm/bin/test_ucli_real \
	    $(BUILD)/vm/bin/ucli_real_cxx $(BUILD)/vm/bin/eu-stack

# ---- host tests (TAP, ASan + UBSan) ----------------------------------

UCLI_T := $(UCLI_DIR)/tests
UCLI_UNIT_TESTS := test_ucli_record test_ucli_jsonw test_ucli_kallsyms \
		   test_ucli_drain test_ucli_elfsym test_ucli_demangle

$(UCLI_TESTS_OUT)/ucli-san: $(UCLI_SAN_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) $(SAN_CFLAGS) -o $@ $^ $(UCLI_LIBS)

$(UCLI_OUT)/san/tests/%.o: $(UCLI_T)/%.c
	@mkdir -p $(dir $@)
	$(CC) $(UCLI_CFLAGS) -I$(UCLI_T) $(SAN_CFLAGS) -c -o $@ $<

$(addprefix $(UCLI_TESTS_OUT)/,$(UCLI_UNIT_TESTS)): $(UCLI_TESTS_OUT)/%: \
		$(UCLI_OUT)/san/tests/%.o $(UCLI_SAN_CORE)
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) $(SAN_CFLAGS) -o $@ $^ $(UCLI_LIBS)

# The stack generator must unwind only through CFI: -O2 without frame
# pointers, as the VM's userstack test program is built. No sanitizer:
# it copies its own stack, which ASan would see as a wild read.
UCLI_GEN_CFLAGS := $(USER_CFLAGS) -D_GNU_SOURCE -O2 -fomit-frame-pointer

$(UCLI_TESTS_OUT)/ucli_gen_stack: $(UCLI_T)/gen_stack.c uapi/varmon_record.h
	@mkdir -p $(dir $@)
	$(CC) $(UCLI_GEN_CFLAGS) -o $@ $< -lelf

# The same program with its CFI in .debug_frame only (no .eh_frame of ours).
$(UCLI_TESTS_OUT)/ucli_gen_stack_df: $(UCLI_T)/gen_stack.c uapi/varmon_record.h
	@mkdir -p $(dir $@)
	$(CC) $(UCLI_GEN_CFLAGS) -fno-asynchronous-unwind-tables -fno-unwind-tables \
		-o $@ $< -lelf

# Static: no .eh_frame_hdr (gcc asks the linker for one only when linking
# dynamically), as the VM's test programs are built.
$(UCLI_TESTS_OUT)/ucli_gen_stack_static: $(UCLI_T)/gen_stack.c uapi/varmon_record.h
	@mkdir -p $(dir $@)
	$(CC) $(UCLI_GEN_CFLAGS) -static -o $@ $< -lelf -lz

$(UCLI_TESTS_OUT)/ucli_watch_target: $(UCLI_T)/watch_target.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -D_GNU_SOURCE -o $@ $<

# Real programs, built the way their users build them.
$(UCLI_TESTS_OUT)/ucli_real_cxx: $(UCLI_T)/real_cxx.cc
	@mkdir -p $(dir $@)
	$(CXX) -std=c++17 -Wall -Wextra -Werror -O2 -g -pthread -o $@ $<

$(UCLI_TESTS_OUT)/ucli_real_sig: $(UCLI_T)/real_sig.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -D_GNU_SOURCE -o $@ $<

$(UCLI_TESTS_OUT)/ucli_real_jit: $(UCLI_T)/real_jit.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -D_GNU_SOURCE -o $@ $<

# Debian's rustc (rustup's, earlier in PATH, mangles differently).
UCLI_RUSTC ?= /usr/bin/rustc

$(UCLI_TESTS_OUT)/ucli_real_rust: $(UCLI_T)/real_rust.rs
	@mkdir -p $(dir $@)
	$(UCLI_RUSTC) -O -g -o $@ $<

$(UCLI_TESTS_OUT)/test_ucli_real.sh: $(UCLI_T)/test_ucli_real.sh \
		$(UCLI_TESTS_OUT)/ucli-san $(UCLI_TESTS_OUT)/ucli_gen_stack \
		$(UCLI_TESTS_OUT)/ucli_real_cxx $(UCLI_TESTS_OUT)/ucli_real_sig \
		$(UCLI_TESTS_OUT)/ucli_real_jit $(UCLI_TESTS_OUT)/ucli_real_rust
	@mkdir -p $(dir $@)
	install -m 0755 $< $@

$(UCLI_TESTS_OUT)/ucli_json_check: $(UCLI_T)/json_check.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) $(SAN_CFLAGS) -o $@ $<

UCLI_REPORT_DEPS := $(UCLI_TESTS_OUT)/ucli-san $(UCLI_TESTS_OUT)/ucli_gen_stack \
		    $(UCLI_TESTS_OUT)/ucli_gen_stack_df \
		    $(UCLI_TESTS_OUT)/ucli_gen_stack_static \
		    $(UCLI_TESTS_OUT)/ucli_watch_target \
		    $(UCLI_TESTS_OUT)/ucli_json_check

# The script runs from $(BUILD)/tests and finds the fixtures in the tree.
$(UCLI_TESTS_OUT)/test_ucli_report.sh: $(UCLI_T)/test_ucli_report.sh $(UCLI_REPORT_DEPS)
	@mkdir -p $(dir $@)
	sed 's|@UCLI_FIXTURES@|$(abspath $(UCLI_T))/fixtures|' $< > $@
	chmod 0755 $@

# The journal sink's stand-in for journald.
$(UCLI_TESTS_OUT)/ucli_journal_listen: $(UCLI_T)/journal_listen.c
	@mkdir -p $(dir $@)
	$(CC) $(USER_CFLAGS) -D_GNU_SOURCE $(SAN_CFLAGS) -o $@ $<

$(UCLI_TESTS_OUT)/test_ucli_journal.sh: $(UCLI_T)/test_ucli_journal.sh \
		$(UCLI_TESTS_OUT)/ucli-san $(UCLI_TESTS_OUT)/ucli_journal_listen
	@mkdir -p $(dir $@)
	sed 's|@UCLI_FIXTURES@|$(abspath $(UCLI_T))/fixtures|' $< > $@
	chmod 0755 $@

HOST_TESTS += $(addprefix $(UCLI_TESTS_OUT)/,$(UCLI_UNIT_TESTS)) \
	      $(UCLI_TESTS_OUT)/test_ucli_report.sh $(UCLI_TESTS_OUT)/test_ucli_real.sh \
	      $(UCLI_TESTS_OUT)/test_ucli_journal.sh

# ---- fuzz targets (clang libFuzzer) ----------------------------------

UCLI_FUZZERS := fuzz_ucli_records fuzz_ucli_text fuzz_ucli_elf

$(addprefix $(UCLI_FUZZ_OUT)/,$(UCLI_FUZZERS)): $(UCLI_FUZZ_OUT)/%: \
		$(UCLI_T)/%.c $(UCLI_FUZZ_CORE)
	@mkdir -p $(dir $@)
	$(UCLI_FUZZ_CC) $(filter-out -MMD -MP,$(UCLI_CFLAGS)) -I$(UCLI_T) \
		-fsanitize=fuzzer,address,undefined \
		-o $@ $< $(UCLI_FUZZ_CORE) $(UCLI_LIBS)

FUZZ_TARGETS += $(addprefix $(UCLI_FUZZ_OUT)/,$(UCLI_FUZZERS))
# How `make fuzz-smoke` runs each: briefly, from the seed corpus.
$(foreach f,$(UCLI_FUZZERS),$(eval FUZZ_RUN_$(f) := $(UCLI_T)/fuzz-smoke.sh $(UCLI_FUZZ_OUT)/$(f)))

-include $(wildcard $(UCLI_OUT)/*/*.d $(UCLI_OUT)/san/tests/*.d)
