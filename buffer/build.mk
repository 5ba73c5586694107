# SPDX-License-Identifier: GPL-2.0-only
# Host unit tests of the ring buffer: the module's varmon_ring.c built for
# userspace under ASan and UBSan. Included by the top-level Makefile, which
# sets BUILD, HOST_CC, USER_CFLAGS and SAN_CFLAGS.

VARMON_RING_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))

$(BUILD)/tests/test_ring: $(VARMON_RING_DIR)/test_ring.c \
			  $(VARMON_RING_DIR)/varmon_ring.c \
			  $(VARMON_RING_DIR)/varmon_ring.h \
			  $(VARMON_RING_DIR)/ring_shim.h \
			  uapi/varmon_record.h
	@mkdir -p $(dir $@)
	$(HOST_CC) $(USER_CFLAGS) $(SAN_CFLAGS) -I$(VARMON_RING_DIR) -pthread \
		-o $@ $(filter %.c,$^)

HOST_TESTS += $(BUILD)/tests/test_ring
