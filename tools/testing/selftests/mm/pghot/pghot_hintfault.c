// SPDX-License-Identifier: GPL-2.0
/*
 * NUMA balancing hint faults as a pghot source: with
 * kernel.numa_balancing=2 and vm.pghot_record_hintfaults_enable=1, hint
 * faults on a 32 MiB hot set placed on node 1 are recorded by pghot and
 * kmigrated promotes at least 99% of it to node 0 within 10 seconds,
 * while at most 1% of the 224 MiB cold rest moves, and every byte
 * survives; it still gets there with node 0 90% full.  With the source
 * off, nothing is recorded.
 */
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../kselftest_harness.h"
#include "tier_util.h"
#include "pghot_util.h"

#define MB		(1024UL * 1024)
#define TOTAL		(256 * MB)
#define HOT		(32 * MB)
#define SEED		0x5eed0006ULL
#define DEADLINE	10.0

FIXTURE(hintfault) {
	char *buf;
};

FIXTURE_SETUP(hintfault)
{
	const char *why = pghot_missing(0);

	self->buf = NULL;
	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, pghot_quiet());
	ASSERT_EQ(0, tier_set_knob("/proc/sys/kernel/numa_balancing", "2"));
	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("record_hintfaults_enable"), "1"));
	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("promote_freq_threshold"), "2"));
	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("promote_freq_window_ms"), "5000"));
	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("promote_rate_limit_MBps"), "65536"));
	self->buf = tier_alloc_on_node(TOTAL, 1, SEED);
	ASSERT_NE(NULL, self->buf);
}

FIXTURE_TEARDOWN(hintfault)
{
	if (self->buf)
		munmap(self->buf, TOTAL);
	tier_restore_all();
}

TEST_F_TIMEOUT(hintfault, hot_set_promoted, 90)
{
	size_t hot_pages = HOT / tier_page_size;
	size_t cold_pages = (TOTAL - HOT) / tier_page_size;
	long long recorded = tier_vmstat("pghot_recorded_hintfaults");
	long long promoted = tier_vmstat("pghot_promoted");
	long long faults0 = tier_vmstat("numa_hint_faults");
	long long pass_ns = pghot_node_stat(1, "pass_ns");
	struct tier_promotion p = tier_promote_hot_set(self->buf, TOTAL, HOT, DEADLINE);

	TH_LOG("%.1fs after the first hint fault: hot %zu/%zu on node0, cold %zu/%zu on node0",
	       p.secs, p.hot_on0, hot_pages, p.cold_on0, cold_pages);
	if (pass_ns >= 0)
		TH_LOG("task system time %.3fs, kmigrated %.3fs", p.stime,
		       (pghot_node_stat(1, "pass_ns") - pass_ns) / 1e9);
	TH_LOG("numa_hint_faults +%lld, pghot_recorded_hintfaults +%lld, pghot_promoted +%lld",
	       tier_vmstat("numa_hint_faults") - faults0,
	       tier_vmstat("pghot_recorded_hintfaults") - recorded,
	       tier_vmstat("pghot_promoted") - promoted);
	EXPECT_GE(p.hot_on0 * 100, hot_pages * 99);
	EXPECT_LE(p.cold_on0 * 100, cold_pages);
	EXPECT_GT(tier_vmstat("pghot_recorded_hintfaults"), recorded);
	EXPECT_GE(tier_vmstat("pghot_promoted") - promoted, (long long)p.hot_on0 * 99 / 100);
	ASSERT_EQ(-1, tier_verify(self->buf, TOTAL, SEED));
}

/* Node 0's free memory, total memory, in bytes. */
static int node0_mem(size_t *free, size_t *total)
{
	char line[256];
	unsigned long long kb;
	FILE *f = fopen("/sys/devices/system/node/node0/meminfo", "r");

	if (!f)
		return -1;
	*free = *total = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Node 0 MemTotal: %llu kB", &kb) == 1)
			*total = kb * 1024;
		else if (sscanf(line, "Node 0 MemFree: %llu kB", &kb) == 1)
			*free = kb * 1024;
	}
	fclose(f);
	return *free && *total ? 0 : -1;
}

/*
 * With node 0 so full of cold anonymous memory (over 90%) that the hot
 * set does not fit in what is free, the hot set still gets there:
 * kmigrated wakes kswapd, and demotion makes room.
 */
TEST_F_TIMEOUT(hintfault, hot_set_promoted_under_pressure, 150)
{
	size_t hot_pages = HOT / tier_page_size, hot_on0 = 0, free, total, fill;
	long long demoted = tier_vmstat("pgdemote_kswapd");
	double start;
	char *cold0;

	ASSERT_EQ(0, node0_mem(&free, &total));
	if (free < HOT)
		SKIP(return, "node0 is already full");
	/* Leave half the hot set's size free, and at most 10% of the node. */
	fill = (free - (HOT / 2 < total / 10 ? HOT / 2 : total / 10)) & ~(MB - 1);
	/* Filling that far reclaims: let it demote rather than OOM. */
	ASSERT_EQ(0, tier_set_knob("/sys/kernel/mm/numa/demotion_enabled", "1"));
	cold0 = mmap(NULL, fill, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, cold0);
	ASSERT_EQ(0, madvise(cold0, fill, MADV_NOHUGEPAGE));
	ASSERT_EQ(0, tier_mbind(cold0, fill, 0));
	tier_fill(cold0, fill, SEED + 1);
	ASSERT_EQ(0, tier_mbind(cold0, fill, -1));
	ASSERT_EQ(0, node0_mem(&free, &total));
	TH_LOG("node0: %zu MiB cold placed, %zu of %zu MiB free", fill / MB,
	       free / MB, total / MB);

	start = tier_now();
	while (tier_now() - start < 60) {
		tier_touch(self->buf, HOT);
		hot_on0 = tier_pages_on_node(self->buf, HOT, 0);
		if (hot_on0 * 100 >= hot_pages * 99)
			break;
	}
	TH_LOG("after %.1fs: hot %zu/%zu on node0, pgdemote_kswapd +%lld",
	       tier_now() - start, hot_on0, hot_pages,
	       tier_vmstat("pgdemote_kswapd") - demoted);
	EXPECT_GE(hot_on0 * 100, hot_pages * 99);
	EXPECT_GT(tier_vmstat("pgdemote_kswapd"), demoted);
	EXPECT_EQ(-1, tier_verify(cold0, fill, SEED + 1));
	ASSERT_EQ(-1, tier_verify(self->buf, TOTAL, SEED));
	munmap(cold0, fill);
}

TEST_F_TIMEOUT(hintfault, disabled_records_nothing, 60)
{
	long long recorded = tier_vmstat("pghot_recorded_hintfaults");
	long long faults = tier_vmstat("numa_hint_faults");
	double start = tier_now();

	ASSERT_EQ(0, tier_write_file(PGHOT_SYSCTL("record_hintfaults_enable"), "0"));
	while (tier_now() - start < 4)
		tier_touch(self->buf, HOT);
	/* NUMA balancing itself ran; pghot heard nothing of it. */
	EXPECT_GT(tier_vmstat("numa_hint_faults"), faults);
	EXPECT_EQ(recorded, tier_vmstat("pghot_recorded_hintfaults"));
	ASSERT_EQ(-1, tier_verify(self->buf, TOTAL, SEED));
}

TEST_HARNESS_MAIN
