// SPDX-License-Identifier: GPL-2.0
/*
 * A node's memory is latched as system RAM or specific-purpose memory (SPM)
 * when its first memory is added, here by dax/kmem: hot-adding SPM memory to
 * a node that already has system RAM fails with -EBUSY, and so does system
 * RAM (or SPM of another purpose) onto an SPM node.  The latch holds until
 * the node has no memory left.  The dax device's spm_node and spm_purpose
 * reject bad values and changes while kmem holds the device.  More SPM
 * memory coming online changes neither system RAM's watermarks nor the
 * dirty limits nor MemAvailable.
 *
 * Needs the spm topology: soft-reserved node2 (SPM, compressed, added by the
 * testbed) and node3 (no memory yet), each a dax hmem region with room for
 * a second 128 MiB device.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../kselftest_harness.h"
#include "tier_util.h"
#include "spm_util.h"

#define DAX_DEVICES	"/sys/bus/dax/devices/"
#define KMEM		"/sys/bus/dax/drivers/kmem/"
#define AUTO_ONLINE	"/sys/devices/system/memory/auto_online_blocks"
#define DEV_SIZE	"134217728"	/* one memory block */

/* Write @val to attribute @attr of dax device @dev: 0 or -errno. */
static int dax_set(const char *dev, const char *attr, const char *val)
{
	char path[320];

	snprintf(path, sizeof(path), DAX_DEVICES "%s/%s", dev, attr);
	return tier_write_file(path, val);
}

static int dax_get(const char *dev, const char *attr, char *buf, size_t size)
{
	char path[320];

	snprintf(path, sizeof(path), DAX_DEVICES "%s/%s", dev, attr);
	if (tier_read_file(path, buf, size))
		return -1;
	buf[strcspn(buf, "\n")] = 0;
	return 0;
}

/* A dax device of node @nid: the one kmem holds if @bound, else a free one. */
static int dax_find(int nid, bool bound, char *dev, size_t size)
{
	char node[16], path[320];
	struct dirent *de;
	DIR *d = opendir(DAX_DEVICES);
	int found = -1;

	if (!d)
		return -1;
	while (found && (de = readdir(d))) {
		if (strncmp(de->d_name, "dax", 3) ||
		    dax_get(de->d_name, "target_node", node, sizeof(node)) ||
		    atoi(node) != nid)
			continue;
		snprintf(path, sizeof(path), DAX_DEVICES "%s/driver", de->d_name);
		if (bound != !access(path, F_OK))
			continue;
		snprintf(dev, size, "%.*s", (int)size - 1, de->d_name);
		found = 0;
	}
	closedir(d);
	return found;
}

/*
 * A new, unbound 128 MiB device in the region of dax device @sibling:
 * "create" in the region, then the size of the region's new seed.
 */
static int dax_create(const char *sibling, char *dev, size_t size)
{
	char path[320], seed[32];

	snprintf(path, sizeof(path), DAX_DEVICES "%s/../dax_region/create", sibling);
	if (tier_write_file(path, "1"))
		return -1;
	snprintf(path, sizeof(path), DAX_DEVICES "%s/../dax_region/seed", sibling);
	if (tier_read_file(path, seed, sizeof(seed)))
		return -1;
	seed[strcspn(seed, "\n")] = 0;
	snprintf(dev, size, "%s", seed);
	return dax_set(dev, "size", DEV_SIZE);
}

/*
 * Have kmem hot-add @dev: 0 or the -errno its probe failed with.  kmem only
 * takes the devices named in its new_id (hmem regions are not kmem's by
 * default), and new_id does not report a failed probe; bind does.
 */
static int kmem_bind(const char *dev)
{
	char path[320];
	int ret = tier_write_file(KMEM "new_id", dev);

	if (ret)
		return ret;
	snprintf(path, sizeof(path), DAX_DEVICES "%s/driver", dev);
	if (!access(path, F_OK))
		return 0;
	return tier_write_file(KMEM "bind", dev);
}

static bool node_in(const char *list, int nid)
{
	return tier_node_list(list) & (1UL << nid);
}

/* Have kmem let go of @dev (its memory offline already), and forget it. */
static int kmem_unbind(const char *dev)
{
	int ret = tier_write_file(KMEM "unbind", dev);

	return ret ? ret : tier_write_file(KMEM "remove_id", dev);
}

/* Offline the memory blocks of dax device @dev's range: 0 when all went. */
static int offline_dax(const char *dev)
{
	unsigned long long start, end, block_size;
	char buf[64], path[128];
	int ret = 0;

	if (dax_get(dev, "resource", buf, sizeof(buf)))
		return -1;
	start = strtoull(buf, NULL, 0);
	if (dax_get(dev, "size", buf, sizeof(buf)))
		return -1;
	end = start + strtoull(buf, NULL, 0);
	if (tier_read_file("/sys/devices/system/memory/block_size_bytes", buf, sizeof(buf)))
		return -1;
	block_size = strtoull(buf, NULL, 16);
	for (; block_size && start < end; start += block_size) {
		snprintf(path, sizeof(path), "/sys/devices/system/memory/memory%llu/state",
			 start / block_size);
		ret |= tier_write_file(path, "offline");
	}
	return ret;
}

FIXTURE(latch) {
	int spm;	/* node2: SPM, compressed */
	int empty;	/* node3: no memory yet */
};

FIXTURE_SETUP(latch)
{
	char dev[32];

	if (getuid())
		SKIP(return, "must run as root");
	self->spm = spm_first_node("compressed");
	self->empty = 3;
	if (self->spm < 0 || dax_find(self->empty, false, dev, sizeof(dev)))
		SKIP(return, "needs the spm topology (SPM node2, dax node3)");
	/* ZONE_MOVABLE, so that the node's memory can be removed again. */
	ASSERT_EQ(tier_set_knob(AUTO_ONLINE, "online_movable"), 0);
}

FIXTURE_TEARDOWN(latch)
{
	tier_restore_all();
}

/*
 * node3: system RAM first, then SPM onto it fails with -EBUSY; once all of
 * its memory is gone the node is free again, and SPM may come first.
 */
TEST_F(latch, spm_onto_sysram_node_fails)
{
	char first[32], second[32], type[32];
	long total;

	ASSERT_FALSE(tier_memory_nodes() & (1UL << self->empty));
	ASSERT_EQ(dax_find(self->empty, false, first, sizeof(first)), 0);
	ASSERT_EQ(dax_set(first, "size", DEV_SIZE), 0);
	ASSERT_EQ(dax_set(first, "spm_node", "0"), 0);
	ASSERT_EQ(kmem_bind(first), 0);
	ASSERT_EQ(spm_node_attr(self->empty, "memory_type", type, sizeof(type)), 0);
	EXPECT_STREQ(type, "sysram");
	EXPECT_TRUE(node_in("has_sysram_memory", self->empty));
	EXPECT_FALSE(node_in("has_spm_memory", self->empty));
	total = spm_node_free_kb(self->empty);
	TH_LOG("node%d: system RAM from %s, %ld kB free", self->empty, first, total);

	/* SPM memory onto it: refused, and nothing changed. */
	ASSERT_EQ(dax_create(first, second, sizeof(second)), 0);
	ASSERT_EQ(dax_set(second, "spm_node", "1"), 0);
	EXPECT_EQ(kmem_bind(second), -EBUSY);
	ASSERT_EQ(spm_node_attr(self->empty, "memory_type", type, sizeof(type)), 0);
	EXPECT_STREQ(type, "sysram");
	EXPECT_FALSE(node_in("has_spm_memory", self->empty));
	EXPECT_LE(spm_node_free_kb(self->empty), total + 1024);

	/* All of the node's memory removed: the latch goes with it. */
	ASSERT_EQ(offline_dax(first), 0);
	ASSERT_EQ(kmem_unbind(first), 0);
	EXPECT_FALSE(tier_memory_nodes() & (1UL << self->empty));
	EXPECT_FALSE(node_in("has_sysram_memory", self->empty));

	/* Now SPM may come first, and the node is SPM. */
	EXPECT_EQ(kmem_bind(second), 0);
	ASSERT_EQ(spm_node_attr(self->empty, "memory_type", type, sizeof(type)), 0);
	EXPECT_STREQ(type, "spm");
	EXPECT_TRUE(node_in("has_spm_memory", self->empty));
	/* ... and system RAM onto it fails in turn. */
	ASSERT_EQ(dax_set(first, "spm_node", "0"), 0);
	EXPECT_EQ(kmem_bind(first), -EBUSY);
	EXPECT_FALSE(node_in("has_sysram_memory", self->empty));
}

/* node2 (SPM, compressed): neither system RAM nor another purpose. */
TEST_F(latch, sysram_onto_spm_node_fails)
{
	char bound[32], dev[32], type[32];
	long free_kb = spm_node_free_kb(self->spm);

	ASSERT_EQ(dax_find(self->spm, true, bound, sizeof(bound)), 0);
	ASSERT_EQ(dax_create(bound, dev, sizeof(dev)), 0);
	ASSERT_EQ(dax_set(dev, "spm_node", "0"), 0);
	EXPECT_EQ(kmem_bind(dev), -EBUSY);
	ASSERT_EQ(dax_set(dev, "spm_node", "1"), 0);
	ASSERT_EQ(dax_set(dev, "spm_purpose", "generic"), 0);
	EXPECT_EQ(kmem_bind(dev), -EBUSY);
	ASSERT_EQ(spm_node_attr(self->spm, "memory_type", type, sizeof(type)), 0);
	EXPECT_STREQ(type, "spm");
	ASSERT_EQ(spm_node_attr(self->spm, "spm_purpose", type, sizeof(type)), 0);
	EXPECT_STREQ(type, "compressed");
	EXPECT_FALSE(node_in("has_sysram_memory", self->spm));
	EXPECT_LE(spm_node_free_kb(self->spm), free_kb + 1024);

	/* The same purpose is more of the same memory: it is added ... */
	ASSERT_EQ(dax_set(dev, "spm_purpose", "compressed"), 0);
	EXPECT_EQ(kmem_bind(dev), 0);
	EXPECT_GT(spm_node_free_kb(self->spm), free_kb + 64 * 1024);
	/* ... and taken away again (it is movable), leaving the node SPM. */
	EXPECT_EQ(offline_dax(dev), 0);
	EXPECT_EQ(kmem_unbind(dev), 0);
	EXPECT_LE(spm_node_free_kb(self->spm), free_kb + 1024);
	EXPECT_TRUE(node_in("has_spm_memory", self->spm));
}

/* Bad values and changes under kmem are refused; the old value stays. */
TEST_F(latch, dax_attributes_reject_bad_writes)
{
	char bound[32], val[32];

	ASSERT_EQ(dax_find(self->spm, true, bound, sizeof(bound)), 0);
	EXPECT_EQ(dax_set(bound, "spm_node", "0"), -EBUSY);
	EXPECT_EQ(dax_set(bound, "spm_purpose", "generic"), -EBUSY);
	EXPECT_EQ(dax_set(bound, "spm_purpose", "bogus"), -EINVAL);
	EXPECT_EQ(dax_set(bound, "spm_node", "maybe"), -EINVAL);
	ASSERT_EQ(dax_get(bound, "spm_node", val, sizeof(val)), 0);
	EXPECT_STREQ(val, "1");
	ASSERT_EQ(dax_get(bound, "spm_purpose", val, sizeof(val)), 0);
	EXPECT_STREQ(val, "compressed");
	/* Writing what it already is changes nothing and is fine. */
	EXPECT_EQ(dax_set(bound, "spm_node", "1"), 0);
}

/* MemAvailable from /proc/meminfo, in kB; -1 if unreadable. */
static long mem_available_kb(void)
{
	char line[128];
	long kb = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

/*
 * More SPM memory coming online on the compressed node, in ZONE_NORMAL as
 * the testbed's is, leaves system RAM's reserves and the dirty limits
 * alone: node 0's min watermark stays, and neither nr_dirty_threshold nor
 * MemAvailable grows by what the node adds (128 MiB: 6553 pages of dirty
 * threshold at the default 20% ratio).
 */
TEST_F(latch, spm_leaves_sysram_reserves_alone)
{
	long min0 = tier_zone_field(0, "min"), avail = mem_available_kb();
	long long thresh = tier_vmstat("nr_dirty_threshold");
	long min0_after, avail_after, free_kb = spm_node_free_kb(self->spm);
	long long thresh_after;
	char bound[32], dev[32];

	ASSERT_LT(0, min0);
	ASSERT_EQ(tier_set_knob(AUTO_ONLINE, "online_kernel"), 0);
	ASSERT_EQ(dax_find(self->spm, true, bound, sizeof(bound)), 0);
	ASSERT_EQ(dax_create(bound, dev, sizeof(dev)), 0);
	ASSERT_EQ(dax_set(dev, "spm_node", "1"), 0);
	ASSERT_EQ(dax_set(dev, "spm_purpose", "compressed"), 0);
	ASSERT_EQ(kmem_bind(dev), 0);
	ASSERT_GT(spm_node_free_kb(self->spm), free_kb + 64 * 1024);

	min0_after = tier_zone_field(0, "min");
	thresh_after = tier_vmstat("nr_dirty_threshold");
	avail_after = mem_available_kb();
	TH_LOG("node%d: %ld -> %ld kB free", self->spm, free_kb, spm_node_free_kb(self->spm));
	TH_LOG("node0 min %ld -> %ld pages, nr_dirty_threshold %lld -> %lld", min0, min0_after,
	       thresh, thresh_after);
	TH_LOG("MemAvailable %ld -> %ld kB", avail, avail_after);
	EXPECT_EQ(min0, min0_after);
	EXPECT_LT(thresh_after - thresh, 1024);
	EXPECT_LT(avail_after - avail, 16 * 1024);

	/* Take it away again; nothing but zswap allocates there. */
	EXPECT_EQ(offline_dax(dev), 0);
	EXPECT_EQ(kmem_unbind(dev), 0);
}

TEST_HARNESS_MAIN
