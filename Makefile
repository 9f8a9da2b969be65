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
# The guest reads it from its command line (testbed_slow=N) and stretches
# the deadlines that wait for a mechanism by it.
export TESTBED_SLOW ?= 5
# The debug run adds the stress test on the spm topology, for this long.
export TESTBED_STRESS ?= 120
# Node0 of the tiered topology gets 512 MiB, not 1 GiB: the tests that fill
# it to its watermarks take half the time (bin/boot).
export NODE0_MB ?= 512
LOGTAG := -debug
endif

.PHONY: all setup tree build kernel initramfs demo check check-series \
	shell series refresh build-each compare-base kunit bench clean

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
	@grep -v '^\[' build/logs/console-demo$(LOGTAG).log | tr -d '\r' | grep -v '^[RSVKL] '
	@python3 bin/bench-report --demo build/logs/results-demo$(LOGTAG).log

check-series: setup
	@bin/check-series

# Seven guests: the two-tier machine runs everything else; dram2 (two DRAM
# nodes and a lower tier) runs the NUMA balancing mode 1 test; spm (a
# specific-purpose memory node from soft-reserved memory) the SPM tests,
# and spmmid again with that node's tier between two of system RAM;
# holes (node1 with a far hot-added dimm) the pghot tests again; cxl2
# (two lower-tier nodes) the pghot core and klruscand tests again; tierchg
# (a node that changes tier) pghot_tier_change.
TOPOLOGIES := tiered dram2 spm spmmid holes cxl2 tierchg
ifeq ($(DEBUG),1)
# The debug kernel runs about 5 times slower under TCG: every test once
# (tiered, dram2, and spm with the stress test), and on holes the tests
# that walk a node's span and its hole; spmmid and cxl2 repeat what runs.
TOPOLOGIES := tiered dram2 spm holes tierchg
export HOLES_TESTS ?= pghot_hotplug,pghot_hostile
endif
# The upstream gate: the base's own mm selftests (guest/upstream-mm) on
# the patched and on the unpatched kernel (bin/upstream-gate), on these
# topologies; bin/results compares them.  spm alone: it has a top-tier, a
# lower-tier and (patched) a specific-purpose node, so tiered would only
# repeat it, for 13 more minutes of CI (UPSTREAM_TOPOLOGIES="tiered spm"
# runs both).  Not on the debug kernel: the unpatched kernel is built
# without the debug options.
UPSTREAM_TOPOLOGIES ?= spm
ifeq ($(DEBUG),1)
UPSTREAM_TOPOLOGIES :=
endif
# bin/results wants the console and results logs of each guest, in order.
sfx = $(if $(filter tiered,$(1)),,-$(1))
logs = $(foreach t,$(TOPOLOGIES),build/logs/console-check$(LOGTAG)$(call sfx,$(t)).log \
	build/logs/results-check$(LOGTAG)$(call sfx,$(t)).log) \
	$(foreach t,$(UPSTREAM_TOPOLOGIES),$(foreach k,upstream upstream-base, \
	build/logs/console-$(k)$(call sfx,$(t)).log build/logs/results-$(k)$(call sfx,$(t)).log))

# The series check once: make check DEBUG=1 runs after make check in CI.
CHECK_SERIES := $(if $(filter 1,$(DEBUG)),,check-series)

check: $(CHECK_SERIES) build
	@for t in $(TOPOLOGIES); do bin/boot check $$t || true; done
	@$(if $(UPSTREAM_TOPOLOGIES),bin/upstream-gate $(UPSTREAM_TOPOLOGIES) || true)
	@bin/results $(logs)

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

# make bench (QUICK=1: the short run): pghot against unpatched 6.12's NUMA
# balancing mode 2 and DAMON migrate_hot, side by side, and the scaling
# runs; out/bench/report.md.  Not part of make check.
bench: build
	@bin/bench

build-each: setup
	@bin/build-each

compare-base: build
	@bin/compare-base

clean:
	rm -rf build/obj build/initramfs build/initramfs.cpio.gz build/selftests out
