# SPDX-License-Identifier: GPL-2.0
#
# stackblk top-level Makefile.
#
#   make                 build stackblk.ko (running kernel, or KDIR=...) and the CLI
#   make KDIR=/lib/modules/<ver>/build
#   make modules-all     build the module for every installed kernel into build/<ver>/
#   make check           the test tier CI runs (installs what it needs; about 18 min on
#                        a fresh 2-core machine, README "Test times"); ends "N passed, N failed"
#   make check-full      every case on 6.1, 6.12 and the debug kernel, full parameters
#   make demo            the mission in a guest: split+crypt over an emulated NVMe, fio,
#                        stat/depth/latency/affinity and the SVG pictures (README)
#   make install         install the module (running kernel) and the CLI
#   make clean

KVER ?= $(shell uname -r)
KDIR ?= $(shell if [ -d /lib/modules/$(KVER)/build ]; then echo /lib/modules/$(KVER)/build; \
		else ls -d /lib/modules/*/build 2>/dev/null | sort -V | tail -n1; fi)
PREFIX ?= /usr/local

.PHONY: all module tools modules-all check check-full demo bench install clean

all: module tools

module:
	@test -n "$(KDIR)" || { echo "no kernel headers found: install linux-headers-$(KVER) or pass KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

tools:
	$(MAKE) -C tools

modules-all:
	tests/lib/build-modules.sh

check:
	STACKBLK_TIER=check tests/run-all.sh

check-full:
	STACKBLK_TIER=full tests/run-all.sh

demo:
	tests/demo.sh

bench:
	tests/perf/bench.sh

install: all
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install
	$(MAKE) -C tools install PREFIX=$(PREFIX)

clean:
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null
	-$(MAKE) -C tools clean
	rm -rf build

# KUnit suites (tests/kunit/) on the cached debug test kernel, in a QEMU guest.
.PHONY: kunit
kunit:
	tests/kunit/run.sh
