// SPDX-License-Identifier: GPL-2.0
/*
 * Each pghot source on its own, with every other source off: a 32 MiB
 * hot set placed on node 1 is recorded through the source, and kmigrated
 * promotes at least 99% of it to node 0 within 10 seconds, while at most
 * 1% of the 224 MiB cold rest moves, and every byte survives.  It still
 * gets there within 60 seconds with node 0 over 90% full of cold memory,
 * and within 45 seconds with node 0 filled to its high watermark, in base
 * pages and in THPs.
 * With the source off, nothing is recorded.  A hot set that mbind() or
 * cpuset.mems bounds to node 1 stays there until the bound is lifted.
 */
#include <stdio.h>
#include <string.h>
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

FIXTURE(source) {
	char *buf;
};

/**
 * struct source - One source of accesses.
 * @name: what the test logs call it.
 * @enable: its vm.pghot_record_*_enable knob.
 * @recorded: its /proc/vmstat counter of recorded accesses.
 * @numa_balancing: kernel.numa_balancing while it runs.
 * @activity: a /proc/vmstat counter of the mechanism behind the source.
 * @active_when_off: whether @activity keeps growing with the source off.
 * @thread: the kernel thread behind the source, if any.
 */
struct source {
	const char *name;
	const char *enable;
	const char *recorded;
	const char *numa_balancing;
	const char *activity;
	bool active_when_off;
	const char *thread;
};

/* NUMA balancing in tiering mode: hint faults, no migration in the fault. */
static const struct source hintfault = {
	.name = "hintfault",
	.enable = PGHOT_SYSCTL("record_hintfaults_enable"),
	.recorded = "pghot_recorded_hintfaults",
	.numa_balancing = "2",
	.activity = "numa_hint_faults",
	.active_when_off = true,
};

FIXTURE_VARIANT(source) {
	const struct source *src;
};

FIXTURE_VARIANT_ADD(source, hintfault) {
	.src = &hintfault,
};

FIXTURE_SETUP(source)
{
	const struct source *src = variant->src;
	const char *why = pghot_missing(0);
	int pid;

	self->buf = NULL;
	if (why)
		SKIP(return, "%s", why);
	if (src->thread && !pghot_kthread_pids(src->thread, &pid, 1))
		SKIP(return, "no %s thread", src->thread);
	ASSERT_EQ(0, pghot_quiet());
	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("promote_freq_threshold"), "2"));
	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("promote_freq_window_ms"), "5000"));
	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("promote_rate_limit_MBps"), "65536"));
	self->buf = tier_alloc_on_node(TOTAL, 1, SEED);
	ASSERT_NE(NULL, self->buf);
	ASSERT_EQ(0, tier_set_knob("/proc/sys/kernel/numa_balancing",
				   src->numa_balancing));
	ASSERT_EQ(0, tier_set_knob(src->enable, "1"));
}

FIXTURE_TEARDOWN(source)
{
	if (!access(PGHOT_CPUSET, F_OK))
		pghot_bound(PGHOT_BOUND_CPUSET, NULL, 0, -1);
	if (self->buf)
		munmap(self->buf, TOTAL);
	tier_restore_all();
}

TEST_F_TIMEOUT(source, hot_set_promoted, 90)
{
	const struct source *src = variant->src;
	size_t hot_pages = HOT / tier_page_size;
	size_t cold_pages = (TOTAL - HOT) / tier_page_size;
	long long recorded = tier_vmstat(src->recorded);
	long long promoted = tier_vmstat("pghot_promoted");
	long long activity = tier_vmstat(src->activity);
	double kmigrated = pghot_kthread_cpu("kmigrated");
	double thread = src->thread ? pghot_kthread_cpu(src->thread) : 0;
	struct tier_promotion p = tier_promote_hot_set(self->buf, TOTAL, HOT, DEADLINE);

	TH_LOG("%s: %.1fs to promotion: hot %zu/%zu on node0, cold %zu/%zu on node0",
	       src->name, p.secs, p.hot_on0, hot_pages, p.cold_on0, cold_pages);
	TH_LOG("%s: CPU: task system %.3fs, kmigrated %.3fs", src->name,
	       p.stime, pghot_kthread_cpu("kmigrated") - kmigrated);
	if (src->thread)
		TH_LOG("%s: CPU: %s %.3fs", src->name, src->thread,
		       pghot_kthread_cpu(src->thread) - thread);
	TH_LOG("%s: %s +%lld, %s +%lld, pghot_promoted +%lld", src->name,
	       src->activity, tier_vmstat(src->activity) - activity,
	       src->recorded, tier_vmstat(src->recorded) - recorded,
	       tier_vmstat("pghot_promoted") - promoted);
	EXPECT_GE(p.hot_on0 * 100, hot_pages * 99);
	EXPECT_LE(p.cold_on0 * 100, cold_pages);
	EXPECT_GT(tier_vmstat(src->activity), activity);
	EXPECT_GT(tier_vmstat(src->recorded), recorded);
	EXPECT_GE(tier_vmstat("pghot_promoted") - promoted, (long long)p.hot_on0 * 99 / 100);
	ASSERT_EQ(-1, tier_verify(self->buf, TOTAL, SEED));
}

/*
 * With node 0 so full of cold anonymous memory (over 90%) that the hot
 * set does not fit in what is free, the hot set still gets there:
 * kmigrated wakes kswapd, and demotion makes room.
 */
TEST_F_TIMEOUT(source, hot_set_promoted_under_pressure, 150)
{
	size_t hot_pages = HOT / tier_page_size, fill, free, total;
	long long demoted = tier_vmstat("pgdemote_kswapd");
	struct tier_promotion p;
	char *cold0 = tier_crowd_node0(HOT, SEED + 1, &fill);

	if (!cold0 && !fill)
		SKIP(return, "node0 is already full");
	ASSERT_NE(NULL, cold0);
	ASSERT_EQ(0, tier_node_mem(0, &free, &total));
	TH_LOG("node0: %zu MiB cold placed, %zu of %zu MiB free", fill / MB,
	       free / MB, total / MB);

	p = tier_promote_hot_set(self->buf, HOT, HOT, 60);
	TH_LOG("%s: after %.1fs: hot %zu/%zu on node0, pgdemote_kswapd +%lld",
	       variant->src->name, p.secs, p.hot_on0, hot_pages,
	       tier_vmstat("pgdemote_kswapd") - demoted);
	EXPECT_GE(p.hot_on0 * 100, hot_pages * 99);
	EXPECT_GT(tier_vmstat("pgdemote_kswapd"), demoted);
	EXPECT_EQ(-1, tier_verify(cold0, fill, SEED + 1));
	ASSERT_EQ(-1, tier_verify(self->buf, TOTAL, SEED));
	munmap(cold0, fill);
}

/*
 * Node 0 filled to its high watermark, where kswapd rests unless NUMA
 * balancing is in tiering mode: the hot set at @buf (@len bytes, pattern
 * of @seed, the first @hot of them hot) still gets there.  kmigrated
 * finds no room for a batch and asks kswapd for it, and demotion makes
 * it.
 */
static void promoted_at_high_wmark(struct __test_metadata *_metadata,
				   const char *name, char *buf, size_t len,
				   size_t hot, uint64_t seed)
{
	size_t hot_pages = hot / tier_page_size, fill, free, high;
	long long steal = tier_vmstat("pgsteal_kswapd");
	struct tier_promotion p;
	char *cold0 = tier_fill_node0_to_high(SEED + 2, &fill);

	ASSERT_NE(NULL, cold0);
	ASSERT_EQ(0, tier_zone_wmark(0, &free, &high));
	TH_LOG("node0: %zu MiB cold placed; %zu KiB free, high watermark %zu KiB",
	       fill / MB, free / 1024, high / 1024);

	p = tier_promote_hot_set(buf, hot, hot, 45);
	TH_LOG("%s: after %.1fs: hot %zu/%zu on node0, pgsteal_kswapd +%lld",
	       name, p.total, p.hot_on0, hot_pages,
	       tier_vmstat("pgsteal_kswapd") - steal);
	EXPECT_GE(p.hot_on0 * 100, hot_pages * 99);
	EXPECT_EQ(-1, tier_verify(cold0, fill, SEED + 2));
	ASSERT_EQ(-1, tier_verify(buf, len, seed));
	munmap(cold0, fill);
}

TEST_F_TIMEOUT(source, hot_set_promoted_at_high_wmark, 120)
{
	promoted_at_high_wmark(_metadata, variant->src->name, self->buf, TOTAL, HOT, SEED);
}

/* The same with a hot set of THPs: a batch of 512 pages must fit. */
TEST_F_TIMEOUT(source, thp_hot_set_promoted_at_high_wmark, 120)
{
	size_t len = 32 * MB;
	char enabled[128], *buf;

	if (tier_read_file("/sys/kernel/mm/transparent_hugepage/enabled", enabled,
			   sizeof(enabled)) || strstr(enabled, "[never]"))
		SKIP(return, "no THP");
	buf = tier_alloc_thp_on_node(len, 1, SEED + 3);
	ASSERT_NE(NULL, buf);
	TH_LOG("%zu KiB of THP on node 1", tier_thp_bytes(buf) / 1024);
	if (tier_thp_bytes(buf) < len / 2)
		SKIP(goto out, "only %zu KiB of THP", tier_thp_bytes(buf) / 1024);
	promoted_at_high_wmark(_metadata, variant->src->name, buf, len, len, SEED + 3);
	TH_LOG("%zu KiB of THP after promotion", tier_thp_bytes(buf) / 1024);
out:
	munmap(buf, len);
}

/*
 * The hot set, bounded to node 1 by @how, stays there all the while it
 * is hot; what the source made ready was refused.  Then, with the bound
 * lifted, it is promoted.
 */
static void bound_hot_set_stays(struct __test_metadata *_metadata, char *buf,
				const char *name, enum pghot_bound how)
{
	size_t hot_pages = HOT / tier_page_size;
	long long ready = tier_vmstat("pghot_ready");
	long long refused = tier_vmstat("pghot_promote_refused");
	struct tier_promotion p;

	ASSERT_EQ(0, pghot_bound(how, buf, TOTAL, 1));
	/* Several times what promoting it takes unbound (hot_set_promoted). */
	p = tier_promote_hot_set(buf, TOTAL, HOT, 4);
	TH_LOG("%s bound: %.1fs: hot %zu/%zu, cold %zu on node0; ready +%lld, refused +%lld",
	       name, p.total, p.hot_on0, hot_pages, p.cold_on0,
	       tier_vmstat("pghot_ready") - ready,
	       tier_vmstat("pghot_promote_refused") - refused);
	EXPECT_EQ(0, p.hot_on0);
	EXPECT_EQ(0, p.cold_on0);
	/*
	 * What the source made ready stayed because it was refused.  (NUMA
	 * balancing makes no hint faults in a VMA whose policy it must not
	 * change, so there may be nothing; other tasks may add a few.)
	 */
	if ((tier_vmstat("pghot_ready") - ready) * 100 >= (long long)hot_pages)
		EXPECT_GT(tier_vmstat("pghot_promote_refused"), refused);

	ASSERT_EQ(0, pghot_bound(how, buf, TOTAL, -1));
	p = tier_promote_hot_set(buf, TOTAL, HOT, DEADLINE);
	TH_LOG("%s unbound: %.1fs to promotion: hot %zu/%zu on node0",
	       name, p.secs, p.hot_on0, hot_pages);
	EXPECT_GE(p.hot_on0 * 100, hot_pages * 99);
	ASSERT_EQ(-1, tier_verify(buf, TOTAL, SEED));
}

TEST_F_TIMEOUT(source, mbind_bound_hot_set_stays, 60)
{
	bound_hot_set_stays(_metadata, self->buf, variant->src->name, PGHOT_BOUND_VMA);
}

TEST_F_TIMEOUT(source, cpuset_bound_hot_set_stays, 60)
{
	bound_hot_set_stays(_metadata, self->buf, variant->src->name, PGHOT_BOUND_CPUSET);
}

TEST_F_TIMEOUT(source, disabled_records_nothing, 60)
{
	const struct source *src = variant->src;
	long long recorded, activity;
	double start;

	ASSERT_EQ(0, tier_write_file(src->enable, "0"));
	/* Let what the source was doing when switched off finish. */
	usleep(500 * 1000);
	recorded = tier_vmstat(src->recorded);
	activity = tier_vmstat(src->activity);
	start = tier_now();
	while (tier_now() - start < 4)
		tier_touch(self->buf, HOT);
	/* What is behind the source runs on, or stops with it. */
	EXPECT_EQ(src->active_when_off, tier_vmstat(src->activity) > activity);
	EXPECT_EQ(recorded, tier_vmstat(src->recorded));
	ASSERT_EQ(-1, tier_verify(self->buf, TOTAL, SEED));
}

TEST_HARNESS_MAIN
