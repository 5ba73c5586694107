# testcase/conditions.mk: the tests of issue 6 (conditions, stall,
# rearm, old ABI). build.mk builds every testcase/test_*.c; this file only
# changes how test_abi_v0 is built.
#
# test_abi_v0 stands for an application built before the conditions
# existed: it, and the testlib.c linked into it, see the first ABI's
# headers only. testcase/abi_v0/ holds them unchanged from commit 7679e95;
# uapi/ is taken off the include path, and the test refuses to compile if
# a newer header leaks in. Included after build.mk (the top-level
# Makefile sorts the fragments), which defines TC_BIN and TC_CFLAGS.

TC_ABI_V0 := $(TC_BIN)/test_abi_v0

$(TC_ABI_V0): TC_CFLAGS := $(filter-out -Iuapi,$(TC_CFLAGS)) -Itestcase/abi_v0
$(TC_ABI_V0): $(wildcard testcase/abi_v0/*.h)
