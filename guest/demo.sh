#!/bin/sh
# The `make` demo: show the tiers, put a hot set on the lower tier, have
# it promoted by NUMA balancing, then through each pghot source the
# testbed has (hardware hints as injected IBS samples: no testbed CPU has
# IBS), and print the counters after each.

counters() {
	grep -E '^(pgpromote|pgdemote|numa_|pghot_|hwhint_|pgmigrate_success)' /proc/vmstat |
		awk '{printf "  %-32s %s\n", $1, $2}'
}

echo "=== topology"
for t in /sys/devices/virtual/memory_tiering/memory_tier*; do
	echo "  $(basename "$t"): nodes $(cat "$t/nodelist")"
done
dmesg | sed -n 's/.*\(Demotion targets for Node.*\)/  \1/p' | sort -u
echo "=== counters before"
counters
echo "=== NUMA balancing mode 2, promoting in the faulting task (pghot source off)"
/tests/pghot/numab_promote
echo "=== counters"
counters
echo "=== the same through pghot: hint faults recorded, kmigrated promotes"
/tests/pghot/pghot_source -r source.hintfault.hot_set_promoted
echo "=== counters"
counters
if [ -e /proc/sys/vm/pghot_klruscand_interval_ms ]; then
	echo "=== through pghot: klruscand's page table scans recorded (NUMA balancing off)"
	/tests/pghot/pghot_source -r source.pgtscan.hot_set_promoted
	echo "=== counters"
	counters
fi
if [ -e /sys/kernel/debug/pghot/hwhint_inject ]; then
	echo "=== through pghot: hardware hints, as INJECTED IBS samples (no CPU here has IBS)"
	/tests/pghot/pghot_source -r source.hwhint.hot_set_promoted
	echo "=== counters"
	counters
fi
echo "=== pghot on its own: a hot set recorded through debugfs"
/tests/pghot/pghot_promote -t hot_set_promoted
echo "=== counters after"
counters
[ -r /sys/kernel/debug/pghot/nodes ] && echo "=== pghot nodes" && cat /sys/kernel/debug/pghot/nodes
