#!/bin/sh
# make bench, in the guest: one mechanism (bench_mech= on the command
# line), every scenario of bench_scen= (comma-separated SCENARIO:SECONDS;
# bench_secs= when a scenario names no time), with /bench/bench-workload.
# For each scenario it sends to the results port
#   @@ bench MECH SCENARIO
#   the workload's S, R, V and K lines (bench/workload.c)
#   R damon_* <n>                      DAMON's scheme stats (damon)
#   @@ end
# and first, once, "L nodeN <ns>": each node's HMAT read latency.
# Mechanisms:
#   mode2        kernel.numa_balancing=2, pghot's sources off (on the
#                patched kernel: mode 2 through the moved policy)
#   damon        DAMON sysfs, paddr over node1's memory, DAMOS_MIGRATE_HOT
#                to node 0 for every region accessed at least once in an
#                aggregation window, any size and age, no quota
#   pghot-hint   pghot through NUMA balancing hint faults
#   pghot-scan   pghot through klruscand
#   pghot-ibs    pghot through injected IBS samples (synthetic: no IBS here)
# Every other knob keeps its default, but for compaction_proactiveness (0).

R=${R:-/dev/ttyS1}
mech=${bench_mech:-mode2}
scens=$(echo "${bench_scen:-static}" | tr , ' ')
S=/proc/sys/vm
D=/sys/kernel/mm/damon/admin/kdamonds/0

emit() { echo "$*" >$R; }
say() { echo "$*" | tee -a $R; }

# node1's physical range: its memory blocks.
node1_range() {
	bs=$((0x$(cat /sys/devices/system/memory/block_size_bytes)))
	lo= hi=
	for b in /sys/devices/system/node/node1/memory[0-9]*; do
		[ -e "$b" ] || continue
		i=${b##*memory}
		[ -z "$lo" ] || [ "$i" -lt "$lo" ] && lo=$i
		[ -z "$hi" ] || [ "$i" -gt "$hi" ] && hi=$i
	done
	[ -n "$lo" ] && echo "$((lo * bs)) $(((hi + 1) * bs))"
}

damon_on() {
	set -- $(node1_range)
	[ $# = 2 ] || { say "### bench: node1 has no memory blocks"; return 1; }
	A=/sys/kernel/mm/damon/admin/kdamonds
	echo 1 >$A/nr_kdamonds &&
		echo 1 >$D/contexts/nr_contexts &&
		echo paddr >$D/contexts/0/operations &&
		echo 1 >$D/contexts/0/targets/nr_targets &&
		echo 1 >$D/contexts/0/targets/0/regions/nr_regions &&
		echo "$1" >$D/contexts/0/targets/0/regions/0/start &&
		echo "$2" >$D/contexts/0/targets/0/regions/0/end &&
		echo 1 >$D/contexts/0/schemes/nr_schemes &&
		echo migrate_hot >$D/contexts/0/schemes/0/action &&
		echo 0 >$D/contexts/0/schemes/0/target_nid &&
		echo 18446744073709551615 >$D/contexts/0/schemes/0/access_pattern/sz/max &&
		echo 1 >$D/contexts/0/schemes/0/access_pattern/nr_accesses/min &&
		echo 4294967295 >$D/contexts/0/schemes/0/access_pattern/nr_accesses/max &&
		echo 4294967295 >$D/contexts/0/schemes/0/access_pattern/age/max ||
		{ say "### bench: DAMON setup failed"; return 1; }
	echo "--- damon: paddr $1-$2, migrate_hot to node 0"
}

# Every mechanism off.
all_off() {
	for k in hintfaults pgtscans hwhints; do
		[ -f $S/pghot_record_${k}_enable ] && echo 0 >$S/pghot_record_${k}_enable
	done
	echo 0 >/proc/sys/kernel/numa_balancing
	[ -f $D/state ] && echo off >$D/state 2>/dev/null
	return 0
}

# $mech on: when the workload's memory is in place.
mech_on() {
	case "$mech" in
	mode2) echo 2 >/proc/sys/kernel/numa_balancing ;;
	damon) echo on >$D/state ;;
	pghot-hint)
		echo 2 >/proc/sys/kernel/numa_balancing &&
			echo 1 >$S/pghot_record_hintfaults_enable ;;
	pghot-scan) echo 1 >$S/pghot_record_pgtscans_enable ;;
	pghot-ibs) echo 1 >$S/pghot_record_hwhints_enable ;;
	*) false ;;
	esac
}

setup() {
	# No proactive compaction: pages migrated are the mechanism's.
	echo 0 >/proc/sys/vm/compaction_proactiveness
	all_off
	case "$mech" in
	damon) damon_on ;;
	pghot-ibs) echo Y >/sys/kernel/debug/pghot/hwhint_emulate ;;
	mode2 | pghot-hint | pghot-scan) true ;;
	*) false ;;
	esac && mech_on && all_off ||
		{ say "### bench: cannot set up $mech on this kernel"; return 1; }
}

echo "### bench: $mech, scenarios $scens"
# The topology's read latencies (HMAT), for the modeled memory time.
for n in /sys/devices/system/node/node[0-9]*; do
	l=$n/access0/initiators/read_latency
	[ -f "$l" ] && say "L $(basename "$n") $(cat "$l")"
done
setup || exit 0
for item in $scens; do
	scen=${item%%:*}
	secs=${item#*:}
	[ "$secs" = "$item" ] && secs=${bench_secs:-40}
	sync
	echo 3 >/proc/sys/vm/drop_caches
	echo 1 >/proc/sys/vm/compact_memory
	feed=
	[ "$mech" = pghot-ibs ] && feed=hwhint
	emit "@@ bench $mech $scen"
	echo "### bench $mech $scen"
	# The mechanism starts once the workload's memory is in place.
	rm -f /tmp/go
	mkfifo /tmp/go
	/bench/bench-workload "$scen" "$secs" $feed </tmp/go >/tmp/out 2>&1 &
	pid=$!
	exec 3>/tmp/go
	while kill -0 $pid 2>/dev/null && ! grep -q '^R placed' /tmp/out; do
		usleep 100000
	done
	mech_on || say "### bench: could not start $mech"
	echo go >&3
	exec 3>&-
	wait $pid
	echo "R exit $?" >>/tmp/out
	# DAMON's own count of what its scheme did (since the boot).
	[ "$mech" = damon ] && echo update_schemes_stats >$D/state &&
		for f in nr_tried sz_tried nr_applied sz_applied; do
			echo "R damon_$f $(cat $D/contexts/0/schemes/0/stats/$f)" >>/tmp/out
		done
	all_off
	cat /tmp/out >$R
	grep -E '^R |^V (pgpromote|pgdemote|pgmigrate|numa_hint_faults |pghot_promoted)|^K ' /tmp/out
	emit "@@ end"
done
