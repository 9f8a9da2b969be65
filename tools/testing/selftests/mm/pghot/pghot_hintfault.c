// SPDX-License-Identifier: GPL-2.0
/*
 * NUMA balancing hint faults as a pghot source: with
 * kernel.numa_balancing=2 and vm.pghot_record_hintfaults_enable=1, hint
 * faults on a 32 MiB hot set placed on node 1 are recorded by pghot and
 * kmigrated promotes at least 99% of it to node 0 within 10 seconds,
 * while at most 1% of the 224 MiB cold rest moves, and every byte
 * survives.  With the source off, nothing is recorded.
 */
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
	double start = tier_now(), elapsed = 0, first_fault = 0;
	size_t hot_on0 = 0, cold_on0;
	int pass = 0;

	while (elapsed < DEADLINE) {
		tier_touch(self->buf, HOT);
		/* From the first hint fault on, the scanner's timing is out. */
		if (!first_fault && tier_vmstat("numa_hint_faults") > faults0)
			first_fault = tier_now();
		if (++pass % 16 == 0) {
			hot_on0 = tier_pages_on_node(self->buf, HOT, 0);
			if (hot_on0 * 100 >= hot_pages * 99)
				break;
		}
		elapsed = tier_now() - start;
	}
	elapsed = tier_now() - start;
	hot_on0 = tier_pages_on_node(self->buf, HOT, 0);
	cold_on0 = tier_pages_on_node(self->buf + HOT, TOTAL - HOT, 0);
	TH_LOG("%.1fs after the first hint fault: hot %zu/%zu on node0, cold %zu/%zu on node0",
	       tier_now() - (first_fault ? first_fault : start), hot_on0, hot_pages,
	       cold_on0, cold_pages);
	TH_LOG("numa_hint_faults +%lld, pghot_recorded_hintfaults +%lld, pghot_promoted +%lld",
	       tier_vmstat("numa_hint_faults") - faults0,
	       tier_vmstat("pghot_recorded_hintfaults") - recorded,
	       tier_vmstat("pghot_promoted") - promoted);
	EXPECT_GE(hot_on0 * 100, hot_pages * 99);
	EXPECT_LE(cold_on0 * 100, cold_pages);
	EXPECT_GT(tier_vmstat("pghot_recorded_hintfaults"), recorded);
	EXPECT_GE(tier_vmstat("pghot_promoted") - promoted, (long long)hot_on0 * 99 / 100);
	ASSERT_EQ(-1, tier_verify(self->buf, TOTAL, SEED));
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
