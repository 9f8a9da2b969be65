#!/bin/sh
# The `make` demo: show the tiers, put a hot set on the lower tier, let
# NUMA balancing in tiering mode promote it, and print the counters.

counters() {
	grep -E '^(pgpromote|pgdemote|numa_|pghot_|pgmigrate_success)' /proc/vmstat |
		awk '{printf "  %-32s %s\n", $1, $2}'
}

echo "=== topology"
for t in /sys/devices/virtual/memory_tiering/memory_tier*; do
	echo "  $(basename "$t"): nodes $(cat "$t/nodelist")"
done
dmesg | sed -n 's/.*\(Demotion targets for Node.*\)/  \1/p' | sort -u
echo "=== counters before"
counters
echo "=== NUMA balancing mode 2 (upstream memory tiering)"
/tests/pghot/numab_promote
echo "=== counters after"
counters
