# variable_monitor: kernel module, ucli, test programs, VM tests.
#
#   make            module (against KDIR) and userspace programs
#   make demo       install deps, boot a VM, run the demo, print the report
#   make check      install deps, run host tests and the VM suite on 6.1 and 6.12
#   make clean

# Default to the running kernel's headers; machines that cannot load
# modules into their own kernel (ours) fall back to the newest Debian
# headers installed.
ifeq ($(origin KDIR),undefined)
KDIR := /lib/modules/$(shell uname -r)/build
ifeq ($(wildcard $(KDIR)/Makefile),)
KDIR := $(shell ls -d /usr/src/linux-headers-*-amd64 2>/dev/null | \
	  grep -v -e '-rt-amd64' -e '-cloud-amd64' | sort -V | tail -n1)
$(info variable_monitor: no headers for the running kernel, using $(KDIR))
endif
endif

BUILD ?= build
CC ?= gcc
HOST_CC ?= gcc
USER_CFLAGS := -std=c11 -Wall -Wextra -Werror -O2 -g -Iuapi
SAN_CFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all \
	      -fno-omit-frame-pointer

USER_PROGS :=
VM_PROGS :=
HOST_TESTS :=
FUZZ_TARGETS :=

.PHONY: all module userspace vm-progs host-tests fuzz-smoke check demo \
	deps clean dkms-source

all: module userspace

# O_MOD=DIR also leaves a copy of the module there (one per kernel).
module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules
	$(if $(O_MOD),mkdir -p $(O_MOD) && cp module/variable_monitor.ko $(O_MOD)/)

include $(sort $(wildcard */build.mk) $(wildcard */*.mk))

userspace: $(USER_PROGS)

vm-progs: $(VM_PROGS)

host-tests: $(HOST_TESTS)
	@for t in $(HOST_TESTS); do echo "# host: $$t"; $$t || echo "not ok - $$t exited $$?"; done

# What DKMS needs to build the module: dkms.conf and the kernel sources.
DKMS_SOURCE_DIR ?= $(DESTDIR)/usr/src/variable_monitor-$(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
dkms-source:
	mkdir -p $(DKMS_SOURCE_DIR)
	cp -r dkms.conf Kbuild module buffer uapi $(DKMS_SOURCE_DIR)/
	find $(DKMS_SOURCE_DIR) \( -name '*.o' -o -name '*.ko' -o -name '*.cmd' \
		-o -name '*.mod*' -o -name '*.order' -o -name 'Module.symvers' \) -delete

deps:
	tools/deps.sh

check: deps
	tools/check.sh

demo: deps
	tools/demo.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(BUILD)
