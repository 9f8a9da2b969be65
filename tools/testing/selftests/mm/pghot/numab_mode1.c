// SPDX-License-Identifier: GPL-2.0
/*
 * NUMA balancing mode 1 (kernel.numa_balancing=1) still moves a task's
 * memory between two top-tier (DRAM) nodes, towards the node the task
 * runs on.  Needs two nodes with CPUs and memory (the testbed's "dram2"
 * topology).
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../kselftest_harness.h"
#include "tier_util.h"

#define MB		(1024UL * 1024)
#define SIZE		(64 * MB)
#define SEED		0x5eed0005ULL
#define DEADLINE	30.0

/* Pin the task to the CPUs of @node; 0 or -1. */
static int run_on_node(int node)
{
	char path[64], list[64];
	cpu_set_t set;
	int lo, hi, cpu;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d/cpulist", node);
	if (tier_read_file(path, list, sizeof(list)) || !*list)
		return -1;
	if (sscanf(list, "%d-%d", &lo, &hi) != 2) {
		lo = atoi(list);
		hi = lo;
	}
	CPU_ZERO(&set);
	for (cpu = lo; cpu <= hi; cpu++)
		CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

FIXTURE(mode1) {
	char *buf;
};

FIXTURE_SETUP(mode1)
{
	self->buf = NULL;
	if (getuid())
		SKIP(return, "must run as root");
	if ((tier_memory_nodes() & 3) != 3 || tier_of_node(0) != tier_of_node(1))
		SKIP(return, "needs nodes 0 and 1 in the same (top) tier");
	if (run_on_node(0))
		SKIP(return, "node0 has no CPUs");
	if (tier_set_knob("/proc/sys/kernel/numa_balancing", "1"))
		SKIP(return, "no NUMA balancing");
	/* pghot's hint fault source must not get in mode 1's way. */
	if (!access("/proc/sys/vm/pghot_record_hintfaults_enable", W_OK))
		ASSERT_EQ(0, tier_set_knob("/proc/sys/vm/pghot_record_hintfaults_enable", "1"));
	self->buf = tier_alloc_on_node(SIZE, 1, SEED);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(mode1)
{
	if (self->buf)
		munmap(self->buf, SIZE);
	tier_restore_all();
}

TEST_F_TIMEOUT(mode1, memory_follows_task, 90)
{
	size_t pages = SIZE / tier_page_size, on0 = 0;
	long long migrated = tier_vmstat("numa_pages_migrated");
	double start = tier_now();
	int pass = 0;

	while (tier_now() - start < DEADLINE) {
		tier_touch(self->buf, SIZE);
		if (++pass % 8 == 0) {
			on0 = tier_pages_on_node(self->buf, SIZE, 0);
			if (on0 * 10 >= pages * 9)
				break;
		}
	}
	on0 = tier_pages_on_node(self->buf, SIZE, 0);
	TH_LOG("after %.1fs: %zu/%zu pages on node0, numa_pages_migrated +%lld",
	       tier_now() - start, on0, pages, tier_vmstat("numa_pages_migrated") - migrated);
	EXPECT_GE(on0 * 10, pages * 9);
	/* Mode 1 moves pages between top-tier nodes: not a promotion. */
	ASSERT_EQ(-1, tier_verify(self->buf, SIZE, SEED));
}

TEST_HARNESS_MAIN
