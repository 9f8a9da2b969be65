// SPDX-License-Identifier: GPL-2.0
/*
 * Records follow memory hotplug: offlining a memory block of the lower
 * tier frees the records of its sections, onlining it gives them back,
 * and accesses to its pages are recorded again.
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
	char path[128], buf[32];
	unsigned long block_size;
	long sections;
	uint64_t pfn;
	char *page;

	ASSERT_GT(before, 0);
	ASSERT_EQ(0, tier_read_file(MEMORY_SYSFS "block_size_bytes", buf, sizeof(buf)));
	block_size = strtoul(buf, NULL, 16);
	sections = block_size / SECTION_SIZE;
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

TEST_HARNESS_MAIN
