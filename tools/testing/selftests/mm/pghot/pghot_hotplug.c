// SPDX-License-Identifier: GPL-2.0
/*
 * Records follow memory hotplug: offlining a memory block of the lower
 * tier frees the records of its sections, onlining it gives them back,
 * and accesses to its pages are recorded again.
 *
 * A node whose memory has a hole wider than a SPARSEMEM_EXTREME root
 * (memory hot-added far above the boot memory, as a CXL window is) has
 * no mem_section at all for the hole: every walk over the node's span
 * must step over it (the holes topology).
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../kselftest_harness.h"
#include "tier_util.h"
#include "pghot_util.h"

#define SECTION_SIZE	(128UL << 20)	/* x86-64 */
#define MEMORY_SYSFS	"/sys/devices/system/memory/"
/* Sections one SPARSEMEM_EXTREME root holds: PAGE_SIZE / 32-byte mem_section. */
#define ROOT_SPAN	(128 * SECTION_SIZE)
#define MB		(1024UL * 1024)
#define SEED		0x5eed0005ULL

/* Offline the highest memory block of node 1 that will go; its number or -1. */
static int offline_node1_block(void)
{
	struct dirent **names;
	char path[128];
	int n, i, block = -1;

	n = scandir("/sys/devices/system/node/node1", &names, NULL, versionsort);
	for (i = n - 1; i >= 0; i--) {
		int nr;

		if (block < 0 && sscanf(names[i]->d_name, "memory%d", &nr) == 1) {
			snprintf(path, sizeof(path), MEMORY_SYSFS "memory%d/state", nr);
			if (!tier_write_file(path, "offline"))
				block = nr;
		}
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	return block;
}

/* Memory block size in bytes, or 0. */
static unsigned long block_size_bytes(void)
{
	char buf[32];

	if (tier_read_file(MEMORY_SYSFS "block_size_bytes", buf, sizeof(buf)))
		return 0;
	return strtoul(buf, NULL, 16);
}

/*
 * Widest gap between two memory blocks of node 1, in bytes; @far gets the
 * physical address of the block above it, @online the number of online
 * blocks of the node.
 */
static unsigned long long node1_widest_hole(unsigned long block_size,
					    unsigned long long *far, int *online)
{
	unsigned long long hole = 0;
	struct dirent **names;
	char path[128], state[32];
	int n, i, nr, prev = -1;

	*far = 0;
	*online = 0;
	n = scandir("/sys/devices/system/node/node1", &names, NULL, versionsort);
	for (i = 0; i < n; i++) {
		if (sscanf(names[i]->d_name, "memory%d", &nr) == 1) {
			snprintf(path, sizeof(path), MEMORY_SYSFS "memory%d/state", nr);
			if (!tier_read_file(path, state, sizeof(state)) &&
			    !strncmp(state, "online", 6))
				(*online)++;
			if (prev >= 0 &&
			    (unsigned long long)(nr - prev - 1) * block_size > hole) {
				hole = (unsigned long long)(nr - prev - 1) * block_size;
				*far = (unsigned long long)nr * block_size;
			}
			prev = nr;
		}
		free(names[i]);
	}
	if (n >= 0)
		free(names);
	return hole;
}

FIXTURE(hotplug) {
	int block;
};

FIXTURE_SETUP(hotplug)
{
	const char *why = pghot_missing(1);

	self->block = -1;
	if (why)
		SKIP(return, "%s", why);
	if (access(MEMORY_SYSFS "block_size_bytes", R_OK))
		SKIP(return, "no memory hotplug");
}

FIXTURE_TEARDOWN(hotplug)
{
	char path[128];

	if (self->block >= 0) {
		snprintf(path, sizeof(path), MEMORY_SYSFS "memory%d/state", self->block);
		tier_write_file(path, "online");
	}
	tier_restore_all();
}

TEST_F_TIMEOUT(hotplug, records_follow_offline_online, 120)
{
	long long before = pghot_node_stat(1, "sections"), offline, online;
	long sections = block_size_bytes() / SECTION_SIZE;
	char path[128];
	uint64_t pfn;
	char *page;

	ASSERT_GT(before, 0);
	ASSERT_GE(sections, 1);

	self->block = offline_node1_block();
	if (self->block < 0)
		SKIP(return, "no memory block of node1 could be offlined");
	offline = pghot_node_stat(1, "sections");
	TH_LOG("memory%d offline: node1 sections with records %lld -> %lld",
	       self->block, before, offline);
	EXPECT_EQ(before - sections, offline);

	snprintf(path, sizeof(path), MEMORY_SYSFS "memory%d/state", self->block);
	ASSERT_EQ(0, tier_write_file(path, "online"));
	self->block = -1;
	online = pghot_node_stat(1, "sections");
	EXPECT_EQ(before, online);

	/* A page of node1 is recorded as before. */
	ASSERT_EQ(0, pghot_quiet());
	page = tier_alloc_on_node(tier_page_size, 1, 1);
	ASSERT_NE(NULL, page);
	ASSERT_EQ(0, pghot_pfns(page, tier_page_size, &pfn));
	EXPECT_EQ(0, pghot_inject(&pfn, 1, -1, 1));
	munmap(page, tier_page_size);
}

/*
 * On a node with a hole of whole SPARSEMEM_EXTREME roots, the debugfs
 * files and kmigrated walk the node's span without tripping over the
 * missing sections, and pages above the hole are promoted.
 */
TEST_F_TIMEOUT(hotplug, node_span_with_hole, 120)
{
	unsigned long block_size = block_size_bytes();
	size_t len = 16 * MB, pages = len / tier_page_size, far = 0, i;
	unsigned long long hole, far_addr;
	char buf[256];
	uint64_t *pfns;
	double start;
	int online;
	char *mem;

	ASSERT_GE(block_size, SECTION_SIZE);
	hole = node1_widest_hole(block_size, &far_addr, &online);
	if (hole < ROOT_SPAN)
		SKIP(return, "node1 has no hole of a section root or more (%llu MiB)",
		     hole / MB);
	TH_LOG("node1: hole of %llu MiB below 0x%llx, %d blocks online",
	       hole / MB, far_addr, online);

	/* Reading "nodes" walks the whole span. */
	EXPECT_EQ((long long)online * (block_size / SECTION_SIZE),
		  pghot_node_stat(1, "sections"));

	ASSERT_EQ(0, pghot_quiet());
	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("promote_freq_threshold"), "2"));
	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("promote_freq_window_ms"), "5000"));
	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("promote_rate_limit_MBps"), "65536"));
	pfns = calloc(pages, sizeof(*pfns));
	ASSERT_NE(NULL, pfns);
	mem = tier_alloc_on_node(len, 1, SEED);
	ASSERT_NE(NULL, mem);
	ASSERT_EQ(0, pghot_pfns(mem, len, pfns));
	for (i = 0; i < pages; i++)
		far += pfns[i] * tier_page_size >= far_addr;
	TH_LOG("%zu of %zu pages above the hole", far, pages);
	ASSERT_GT(far, 0);

	/* kmigrated's pass walks from the node's start across the hole. */
	start = tier_now();
	ASSERT_EQ(0, pghot_inject(pfns, pages, -1, 2));
	while (tier_pages_on_node(mem, len, 0) < pages && tier_now() < start + 10)
		usleep(100 * 1000);
	TH_LOG("%zu/%zu pages on node0 after %.1fs", tier_pages_on_node(mem, len, 0),
	       pages, tier_now() - start);
	EXPECT_EQ(pages, tier_pages_on_node(mem, len, 0));
	EXPECT_EQ(-1, tier_verify(mem, len, SEED));

	/* The bench looks for the node's first section with records. */
	ASSERT_EQ(0, tier_set_knob(PGHOT_SYSCTL("record_hwhints_enable"), "1"));
	EXPECT_EQ(0, tier_read_file(PGHOT_DEBUGFS("bench"), buf, sizeof(buf)));
	/* "clear" walks the span too. */
	EXPECT_EQ(0, tier_write_file(PGHOT_DEBUGFS("clear"), "1"));
	munmap(mem, len);
	free(pfns);
}

TEST_HARNESS_MAIN
