# pghot: hot page tracking and promotion, and specific-purpose memory
# nodes, as a patch series on Linux 6.12 LTS.  See README.md.
#
#   make          set up, build, boot the testbed and run the demo
#   make check    consistency check, build, boot, KUnit + kselftests
#   make shell    boot the testbed with an interactive serial shell

# make check DEBUG=1: the same on a debug kernel (lockdep, KASAN, DEBUG_VM;
# config/extra/debug.config), built in build/obj-debug.
ifeq ($(DEBUG),1)
export OBJ := $(CURDIR)/build/obj-debug
export EXTRA_CONFIG := debug
export BOOT_TIMEOUT ?= 3000
LOGTAG := -debug
endif

.PHONY: all setup tree build kernel initramfs demo check check-series \
	shell series refresh build-each compare-base kunit clean

all: demo

setup:
	@bin/setup

tree: setup
	@bin/tree

kernel: tree
	@bin/build-kernel

initramfs: tree
	@bin/build-initramfs

build: kernel initramfs

demo: build
	@bin/boot demo
	@grep -v '^\[' build/logs/console-demo$(LOGTAG).log | tr -d '\r'

check-series: setup
	@bin/check-series

# Six guests: the two-tier machine runs everything else; dram2 (two DRAM
# nodes and a lower tier) runs the NUMA balancing mode 1 test; spm (a
# specific-purpose memory node from soft-reserved memory) the SPM tests,
# and spmmid again with that node's tier between two of system RAM;
# holes (node1 with a far hot-added dimm) the pghot tests again; cxl2
# (two lower-tier nodes) the pghot core and klruscand tests again.
check: check-series build
	@bin/boot check tiered || true
	@bin/boot check dram2 || true
	@bin/boot check spm || true
	@bin/boot check spmmid || true
	@bin/boot check holes || true
	@bin/boot check cxl2 || true
	@bin/results build/logs/console-check$(LOGTAG).log build/logs/results-check$(LOGTAG).log \
		build/logs/console-check$(LOGTAG)-dram2.log build/logs/results-check$(LOGTAG)-dram2.log \
		build/logs/console-check$(LOGTAG)-spm.log build/logs/results-check$(LOGTAG)-spm.log \
		build/logs/console-check$(LOGTAG)-spmmid.log build/logs/results-check$(LOGTAG)-spmmid.log \
		build/logs/console-check$(LOGTAG)-holes.log build/logs/results-check$(LOGTAG)-holes.log \
		build/logs/console-check$(LOGTAG)-cxl2.log build/logs/results-check$(LOGTAG)-cxl2.log

shell: build
	@bin/boot shell

series: setup
	@bin/series

refresh:
	@bin/refresh

# The series' KUnit suites under tools/testing/kunit/kunit.py, each with its
# own .kunitconfig (not part of make check: a kunit.py kernel of its own).
kunit: tree
	@bin/kunit-suites

build-each: setup
	@bin/build-each

compare-base: build
	@bin/compare-base

clean:
	rm -rf build/obj build/initramfs build/initramfs.cpio.gz build/selftests out
