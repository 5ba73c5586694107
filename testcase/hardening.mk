# testcase/hardening.mk: the hardening tests of issue 8 (test_fuzz and
# test_churn). build.mk builds them like every testcase/test_*.c; this
# only adds the headers they share, so that a change to them rebuilds them.
# Included after build.mk (the top-level Makefile sorts the fragments).

$(TC_BIN)/test_fuzz $(TC_BIN)/test_churn: testcase/rec_check.h testcase/hardening.h
