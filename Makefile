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
	deps clean dkms-source install uninstall check-all check-debug bench \
	version deb check-system

# The one version of everything (the DKMS source, the pkg-config file, the
# packages): the newest entry of debian/changelog, less any Debian revision.
VERSION := $(shell awk 'NR == 1 { gsub(/[()]/, "", $$2); sub(/-[^-]*$$/, "", $$2); print $$2 }' debian/changelog)

version:
	@echo $(VERSION)

all: module userspace

# O_MOD=DIR also leaves a copy of the module there (one per kernel).
module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules
	$(if $(O_MOD),mkdir -p $(O_MOD) && cp module/variable_monitor.ko $(O_MOD)/)

include $(sort $(wildcard */build.mk) $(wildcard */*.mk))

userspace: $(USER_PROGS)

vm-progs: $(VM_PROGS)

# Host unit tests (ASan+UBSan) and a short run of each libFuzzer target;
# everything prints TAP.
host-tests: $(HOST_TESTS) $(FUZZ_TARGETS)
	@for t in $(HOST_TESTS); do echo "# host: $$t"; $$t || echo "not ok - $$t exited $$?"; done
	@$(MAKE) --no-print-directory fuzz-smoke

fuzz-smoke: $(FUZZ_TARGETS)
	@$(foreach t,$(FUZZ_TARGETS),echo "# fuzz: $(t)"; \
		$(FUZZ_RUN_$(notdir $(t))) || echo "not ok - $(t) exited $$?";)

# What DKMS needs to build the module: dkms.conf and the kernel sources.
DKMS_SOURCE_DIR ?= $(DESTDIR)/usr/src/variable_monitor-$(VERSION)
dkms-source:
	mkdir -p $(DKMS_SOURCE_DIR)
	cp -r Kbuild module buffer uapi $(DKMS_SOURCE_DIR)/
	sed 's/#MODULE_VERSION#/$(VERSION)/' dkms.conf > $(DKMS_SOURCE_DIR)/dkms.conf
	find $(DKMS_SOURCE_DIR) \( -name '*.o' -o -name '*.ko' -o -name '*.cmd' \
		-o -name '*.mod*' -o -name '*.order' -o -name 'Module.symvers' \) -delete

# The pkg-config file of the app headers (make install and the package).
$(BUILD)/variable-monitor.pc: tools/install/variable-monitor.pc.in debian/changelog
	@mkdir -p $(dir $@)
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' $< > $@

# make install [DESTDIR=...] [PREFIX=/usr/local]: the module (for KDIR),
# ucli, the headers and their pkg-config file, the udev rule and the man pages.
PREFIX ?= /usr/local
INSTALL_FILES := \
	$(PREFIX)/bin/ucli \
	$(PREFIX)/include/variable_monitor/monitor_user.h \
	$(PREFIX)/include/variable_monitor/variable_monitor.h \
	$(PREFIX)/include/variable_monitor/varmon_record.h \
	$(PREFIX)/share/pkgconfig/variable-monitor.pc \
	/etc/udev/rules.d/60-variable_monitor.rules \
	$(PREFIX)/share/man/man8/ucli.8 \
	$(PREFIX)/share/man/man4/variable_monitor.4 \
	$(PREFIX)/share/man/man3/start_watch.3
MODULE_RELEASE = $(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null)
MODULE_INSTALLED = /lib/modules/$(MODULE_RELEASE)/extra/module

install: module $(BUILD)/ucli/ucli $(BUILD)/variable-monitor.pc
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_PATH=$(DESTDIR) \
		INSTALL_MOD_DIR=extra modules_install
	install -D -m 0755 $(BUILD)/ucli/ucli $(DESTDIR)$(PREFIX)/bin/ucli
	install -D -m 0644 -t $(DESTDIR)$(PREFIX)/include/variable_monitor \
		uapi/monitor_user.h uapi/variable_monitor.h uapi/varmon_record.h
	install -D -m 0644 $(BUILD)/variable-monitor.pc \
		$(DESTDIR)$(PREFIX)/share/pkgconfig/variable-monitor.pc
	install -D -m 0644 tools/install/60-variable_monitor.rules \
		$(DESTDIR)/etc/udev/rules.d/60-variable_monitor.rules
	install -D -m 0644 tools/install/ucli.8 $(DESTDIR)$(PREFIX)/share/man/man8/ucli.8
	install -D -m 0644 tools/install/variable_monitor.4 \
		$(DESTDIR)$(PREFIX)/share/man/man4/variable_monitor.4
	install -D -m 0644 tools/install/start_watch.3 \
		$(DESTDIR)$(PREFIX)/share/man/man3/start_watch.3
	@echo "installed; for the udev rule: groupadd -r varmon && udevadm control --reload"

uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALL_FILES)) \
		$(DESTDIR)$(MODULE_INSTALLED)/variable_monitor.ko*
	-rmdir $(DESTDIR)$(PREFIX)/include/variable_monitor $(DESTDIR)$(MODULE_INSTALLED) \
		$(DESTDIR)$(PREFIX)/share/pkgconfig
	$(if $(DESTDIR),,-depmod -a $(MODULE_RELEASE))

deps:
	tools/deps.sh

# The Debian packages, built from a copy of the tree (dpkg-buildpackage
# writes next to the source directory), into $(BUILD)/deb; then lintian.
DEB_DIR := $(BUILD)/deb
deb:
	tools/deps.sh system
	rm -rf $(DEB_DIR)
	mkdir -p $(DEB_DIR)/variable-monitor-$(VERSION)
	tar -c --exclude=./$(BUILD) --exclude=./.git --exclude='*.o' --exclude='*.ko' \
		--exclude='.*.cmd' --exclude='*.mod*' --exclude=Module.symvers \
		--exclude=modules.order . | tar -x -C $(DEB_DIR)/variable-monitor-$(VERSION)
	cd $(DEB_DIR)/variable-monitor-$(VERSION) && dpkg-buildpackage -us -uc -b
	rm -rf $(DEB_DIR)/variable-monitor-$(VERSION)
	lintian --fail-on error,warning $(DEB_DIR)/*.changes

check: deps
	tools/check.sh

# Every kernel that is set up: the Debian 6.1 and 6.12 kernels, their
# PREEMPT_RT flavours, and the 7.2 debug kernel if it is already built.
# make check-system is not part of it: its boots take longer than CI's
# whole budget under TCG, and it does not pass in full yet.
check-all:
	tools/deps.sh rt
	VARMON_KERNELS="6.1 6.12 6.1-rt 6.12-rt debug-cached" tools/check.sh

# The .debs on a booted Debian bookworm image (built with mmdebstrap on
# first use, then cached under /var/cache/variable_monitor).
check-system: deps
	tools/deps.sh system
	tools/check-system.sh

# Benchmarks (not tests): one VM boot, a Markdown table and
# build/bench/bench.json. make bench BENCH_KERNEL=6.12 for another kernel.
bench: deps
	tools/bench.sh

# The suite on Linux 7.2 with KASAN, lockdep and kmemleak, built from
# Debian sid's source on first use (30-45 minutes, then cached).
check-debug: deps
	VARMON_KERNELS=debug tools/check.sh

demo: deps
	tools/demo.sh

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf $(BUILD)
