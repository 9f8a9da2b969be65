#!/bin/sh
# The `make` demo: show the tiers, then make bench's static scenario (a
# 32 MiB hot set in 256 MiB on the lower tier, 20 s) under NUMA balancing
# mode 2 with pghot off, and through each pghot source the testbed has
# (hardware hints as injected IBS samples: no testbed CPU has IBS).  The
# host turns what it reports into make bench's headline table
# (bin/bench-report --demo).

echo "=== topology"
for t in /sys/devices/virtual/memory_tiering/memory_tier*; do
	echo "  $(basename "$t"): nodes $(cat "$t/nodelist")"
done
dmesg | sed -n 's/.*\(Demotion targets for Node.*\)/  \1/p' | sort -u
for m in mode2 pghot-hint pghot-scan pghot-ibs; do
	echo "=== $m"
	bench_mech=$m bench_scen=static:20 /bench/bench.sh
done
[ -r /sys/kernel/debug/pghot/nodes ] && echo "=== pghot nodes" && cat /sys/kernel/debug/pghot/nodes
