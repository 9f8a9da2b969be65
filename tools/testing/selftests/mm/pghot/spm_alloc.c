// SPDX-License-Identifier: GPL-2.0
/*
 * No user page ever lands on a specific-purpose memory (SPM) node, not even
 * when system RAM runs out: anonymous memory beyond what system RAM has free
 * is swapped (kswapd, demotion, direct reclaim) while the SPM node's free
 * memory stays as it was, and move_pages() finds no page of the test there.
 * Hugetlb pools skip it too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../kselftest_harness.h"
#include "tier_util.h"
#include "spm_util.h"

#define SWAPFILE	"/mnt/disk/spm_alloc.swap"
#define SWAP_MB		384
#define OVERCOMMIT_MB	192
#define SEED		0x5b3a110cull

FIXTURE(pressure) {
	int spm;
	bool swap;
};

FIXTURE_SETUP(pressure)
{
	self->swap = false;
	if (getuid())
		SKIP(return, "must run as root");
	self->spm = spm_first_node(NULL);
	if (self->spm < 0)
		SKIP(return, "no specific-purpose memory node (spm topology)");
	ASSERT_EQ(spm_swap_on(SWAPFILE, SWAP_MB), 0);
	self->swap = true;
}

FIXTURE_TEARDOWN(pressure)
{
	if (self->swap)
		spm_swap_off(SWAPFILE);
}

/* Free memory of the system RAM nodes, in kB. */
static long sysram_free_kb(void)
{
	unsigned long sysram = tier_node_list("has_sysram_memory");
	long kb = 0;
	int nid;

	for (nid = 0; nid < TIER_MAX_NODES; nid++)
		if (sysram & (1UL << nid))
			kb += spm_node_free_kb(nid);
	return kb;
}

/* Minutes on a debug (KASAN) kernel under TCG. */
TEST_F_TIMEOUT(pressure, no_user_page_on_spm_node, 300)
{
	long spm_before = spm_node_free_kb(self->spm), spm_after;
	long long swapped = tier_vmstat("pswpout");
	size_t len = ((size_t)sysram_free_kb() << 10) + ((size_t)OVERCOMMIT_MB << 20);
	size_t on_spm, resident;
	long bad;
	char *buf;

	ASSERT_GT(spm_before, 0);
	TH_LOG("SPM node %d: %ld kB free; filling %zu MiB (system RAM free + %d MiB)",
	       self->spm, spm_before, len >> 20, OVERCOMMIT_MB);
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(buf, MAP_FAILED);
	tier_fill(buf, len, SEED);

	on_spm = tier_pages_resident(buf, len, self->spm, &resident);
	spm_after = spm_node_free_kb(self->spm);
	TH_LOG("resident %zu of %zu pages, %zu on the SPM node; swapped out %lld pages",
	       resident, len / tier_page_size, on_spm, tier_vmstat("pswpout") - swapped);
	TH_LOG("SPM node free %ld -> %ld kB", spm_before, spm_after);
	/* There was pressure: part of it had to go to swap. */
	EXPECT_GT(tier_vmstat("pswpout"), swapped);
	EXPECT_GT(resident, 0);
	EXPECT_EQ(on_spm, 0);
	/* Nothing else took the node's memory either (kernel, page cache). */
	EXPECT_GE(spm_after, spm_before);

	bad = tier_verify(buf, len, SEED);
	EXPECT_EQ(bad, -1);
	EXPECT_EQ(tier_pages_on_node(buf, len, self->spm), 0);
	munmap(buf, len);
}

#define HUGE_SYSFS	"/hugepages/hugepages-2048kB/nr_hugepages"

FIXTURE(hugetlb) {
	int spm;
};

FIXTURE_SETUP(hugetlb)
{
	if (getuid())
		SKIP(return, "must run as root");
	self->spm = spm_first_node(NULL);
	if (self->spm < 0)
		SKIP(return, "no specific-purpose memory node (spm topology)");
	if (access("/proc/sys/vm/nr_hugepages", W_OK))
		SKIP(return, "no hugetlb");
}

FIXTURE_TEARDOWN(hugetlb)
{
	tier_write_file("/proc/sys/vm/nr_hugepages", "0");
}

static long node_hugepages(int nid)
{
	char path[128];
	long n = -1;

	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d" HUGE_SYSFS, nid);
	return tier_read_long(path, &n) ? -1 : n;
}

TEST_F(hugetlb, pool_skips_spm_node)
{
	char path[128];
	long total;

	/* Asked for on the SPM node itself: none. */
	snprintf(path, sizeof(path), "/sys/devices/system/node/node%d" HUGE_SYSFS, self->spm);
	EXPECT_EQ(tier_write_file(path, "8"), 0);
	EXPECT_EQ(node_hugepages(self->spm), 0);

	/* Spread over all nodes: every one of them elsewhere. */
	ASSERT_EQ(tier_write_file("/proc/sys/vm/nr_hugepages", "8"), 0);
	ASSERT_EQ(tier_read_long("/proc/sys/vm/nr_hugepages", &total), 0);
	EXPECT_EQ(total, 8);
	EXPECT_EQ(node_hugepages(self->spm), 0);
}

TEST_HARNESS_MAIN
