# pghot: hot page tracking and promotion, and specific-purpose memory
# nodes, as a patch series on Linux 6.12 LTS.  See README.md.
#
#   make          set up, build, boot the testbed and run the demo
#   make check    consistency check, build, boot, KUnit + kselftests
#   make shell    boot the testbed with an interactive serial shell

.PHONY: all setup tree build kernel initramfs demo check check-series \
	shell series refresh build-each clean

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
	@grep -v '^\[' build/logs/console-demo.log | tr -d '\r'

check-series: setup
	@bin/check-series

check: check-series build
	@bin/boot check || true
	@bin/results build/logs/console-check.log build/logs/results-check.log

shell: build
	@bin/boot shell

series: setup
	@bin/series

refresh:
	@bin/refresh

build-each: setup
	@bin/build-each

clean:
	rm -rf build/obj build/initramfs build/initramfs.cpio.gz build/selftests out
