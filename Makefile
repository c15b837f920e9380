# SPDX-License-Identifier: GPL-2.0
#
# stackblk top-level Makefile.
#
#   make                 build stackblk.ko for the running kernel and the CLI; fails,
#                        naming the package to install, without its headers
#   make KVER=<ver>      build for another installed kernel (/lib/modules/<ver>/build)
#   make KDIR=<dir>      build against a kernel build tree
#   make modules-all     build the module for every installed kernel into build/<ver>/
#   make check           the test tier CI runs (installs what it needs; about 18 min on
#                        a fresh 2-core machine, README "Test times"); ends "N passed, N failed"
#   make check-full      every case on 6.1, 6.12 and the debug kernel, full parameters
#   make demo            the mission in a guest: split+crypt over an emulated NVMe, fio,
#                        stat/depth/latency/affinity and the SVG pictures (README)
#   make install         the module (/lib/modules/$(KVER)/updates/), the CLI, its man
#                        page and bash completion, the bpftrace scripts and fio jobs
#                        (PREFIX=/usr/local, DESTDIR=); make uninstall removes them
#   make dkms-install    the module's sources into /usr/src/stackblk-<version> and
#                        `dkms install` for the running kernel (DKMS_KERNELS=...);
#                        make dkms-remove: `dkms remove stackblk/<version> --all`
#   make clean
#
# The version is dkms.conf's PACKAGE_VERSION (Kbuild, tools/Makefile).

VERSION := $(shell sed -n 's/^PACKAGE_VERSION="\([^"]*\)"$$/\1/p' dkms.conf)
PREFIX ?= /usr/local
RUNNING_KVER := $(shell uname -r)

# The kernel to build for: KDIR, or KVER, or the running kernel.  Its headers
# are looked for where that kernel's own modules go, never elsewhere: a module
# built against another kernel's headers fails at insmod ("Invalid module
# format").  Without them, `make` stops and names the package.
ifneq ($(KDIR),)
KDIR := $(patsubst %/,%,$(KDIR))
KVER ?= $(if $(filter /lib/modules/%/build,$(KDIR)),$(patsubst /lib/modules/%/build,%,$(KDIR)),$(shell cat $(KDIR)/include/config/kernel.release 2>/dev/null))
KDIR_WHY := KDIR=$(KDIR) is not a kernel build tree (no $(KDIR)/Makefile)
else
ifneq ($(KVER),)
KDIR_WHY := no kernel headers for $(KVER): /lib/modules/$(KVER)/build is missing.
else
KVER := $(RUNNING_KVER)
KDIR_WHY := no kernel headers for the running kernel $(KVER): /lib/modules/$(KVER)/build is missing.
endif
KDIR := /lib/modules/$(KVER)/build
KDIR_HINT := Install them: apt-get install linux-headers-$(KVER) (Debian, Ubuntu; kernel-devel-$(KVER) on Fedora)
endif
MODDIR := /lib/modules/$(KVER)/updates

.PHONY: all module tools modules-all check check-full demo bench install uninstall \
	dkms-install dkms-remove clean

all: module tools

module:
	@if [ ! -f "$(KDIR)/Makefile" ]; then \
		echo "stackblk: $(KDIR_WHY)" >&2; \
		$(if $(KDIR_HINT),echo "stackblk: $(KDIR_HINT)" >&2;) \
		h=$$(for b in /lib/modules/*/build; do [ -f "$$b/Makefile" ] && \
			basename "$$(dirname "$$b")"; done | tr '\n' ' '); \
		[ -z "$$h" ] || echo "stackblk: or build for a kernel whose headers are installed: make KVER=<version> ($${h% })" >&2; \
		exit 1; \
	fi
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

# Into DESTDIR (packaging, tests) depmod is left to the package's scripts.
install: all
	install -d $(DESTDIR)$(MODDIR)
	install -m 0644 stackblk.ko $(DESTDIR)$(MODDIR)/stackblk.ko
	$(if $(DESTDIR),,depmod -a $(KVER))
	$(MAKE) -C tools install PREFIX=$(PREFIX)

uninstall:
	rm -f $(DESTDIR)$(MODDIR)/stackblk.ko
	-rmdir $(DESTDIR)$(MODDIR) 2>/dev/null
	$(if $(DESTDIR),,depmod -a $(KVER))
	$(MAKE) -C tools uninstall PREFIX=$(PREFIX)

# DKMS from this tree: only what the module's build needs goes to
# $(DKMS_SRC)/stackblk-$(VERSION) (not tools/, tests/, build/ or .git: `dkms
# add .` would copy all but the dot files).  DKMS_FLAGS: e.g. --dkmstree,
# --installtree for a private tree (tests/host/packaging.sh).
DKMS ?= dkms
DKMS_SRC ?= /usr/src
DKMS_FLAGS ?=
DKMS_KERNELS ?= $(KVER)
DKMS_SRCDIR = $(DKMS_SRC)/stackblk-$(VERSION)
dkms-install:
	rm -rf "$(DKMS_SRCDIR)"
	install -d "$(DKMS_SRCDIR)"
	cp -a dkms.conf Kbuild module include "$(DKMS_SRCDIR)/"
	$(DKMS) add --sourcetree "$(DKMS_SRC)" $(DKMS_FLAGS) stackblk/$(VERSION)
	$(DKMS) install --sourcetree "$(DKMS_SRC)" $(DKMS_FLAGS) stackblk/$(VERSION) \
		$(foreach k,$(DKMS_KERNELS),-k $(k))

dkms-remove:
	$(DKMS) remove --sourcetree "$(DKMS_SRC)" $(DKMS_FLAGS) stackblk/$(VERSION) --all
	rm -rf "$(DKMS_SRCDIR)"

clean:
	-[ ! -f "$(KDIR)/Makefile" ] || $(MAKE) -C $(KDIR) M=$(CURDIR) clean
	-$(MAKE) -C tools clean
	rm -rf build

# KUnit suites (tests/kunit/) on the cached debug test kernel, in a QEMU guest.
.PHONY: kunit
kunit:
	tests/kunit/run.sh
