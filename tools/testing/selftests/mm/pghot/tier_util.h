/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the pghot selftests: NUMA placement through raw
 * syscalls (no libnuma), memory-tier topology from sysfs, /proc/vmstat
 * counters, sysctl save and restore, and data patterns that prove no byte
 * was lost in a migration.
 */
#ifndef __PGHOT_TIER_UTIL_H
#define __PGHOT_TIER_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TIER_MPOL_DEFAULT	0
#define TIER_MPOL_BIND		2

#define TIER_MAX_NODES		8

extern size_t tier_page_size;

/* Why the machine cannot run tier tests (not root, no lower node1), or NULL. */
const char *tier_missing(void);

/*
 * Map @len bytes of anonymous memory, all of it on @node (no THP), filled
 * with the pattern of @seed, then set back to the default policy so that
 * promotion may move it.  NULL on failure.
 */
char *tier_alloc_on_node(size_t len, int node, uint64_t seed);

/* Bind [addr, addr + len) to @node, or back to the default policy if < 0. */
int tier_mbind(void *addr, size_t len, int node);
/* Per-page node of [addr, addr + len); counts pages on @node. */
size_t tier_pages_on_node(void *addr, size_t len, int node);
/* Memory tier id (memory_tierN) of @node, or -1 if it has none. */
int tier_of_node(int node);
/* Nodes with memory, as a bitmask read from /sys/devices/system/node. */
unsigned long tier_memory_nodes(void);
/* Preferred demotion target of @node, from the kernel log, or -1. */
int tier_demotion_target(int node);

/* A /proc/vmstat counter, or -1 if it does not exist. */
long long tier_vmstat(const char *name);

/* Read or write a one-line sysfs/procfs file. */
int tier_read_file(const char *path, char *buf, size_t size);
int tier_write_file(const char *path, const char *val);
int tier_read_long(const char *path, long *val);

/* Remember a knob's value and set a new one; restored by tier_restore_all(). */
int tier_set_knob(const char *path, const char *val);
void tier_restore_all(void);

/* Fill with a pattern keyed by @seed and the offset; verify it. */
void tier_fill(void *addr, size_t len, uint64_t seed);
/* Returns the offset of the first bad byte, or -1 when all are intact. */
long tier_verify(const void *addr, size_t len, uint64_t seed);
/* Read one word of every page, so every page is accessed. */
uint64_t tier_touch(const void *addr, size_t len);

double tier_now(void);
/* System CPU time of this process, in seconds. */
double tier_stime(void);

/**
 * struct tier_promotion - How a hot set was promoted by NUMA balancing.
 * @secs: seconds from the first hint fault (or the start) to the end.
 * @total: seconds from the start to the end, NUMA balancing's scan delay
 *         included: what compares sources that do not fault.
 * @stime: system CPU time the task spent meanwhile.
 * @hot_on0: pages of the hot set on node 0 at the end.
 * @cold_on0: pages of the cold rest on node 0 at the end.
 */
struct tier_promotion {
	double secs;
	double total;
	double stime;
	size_t hot_on0;
	size_t cold_on0;
};

/*
 * Keep reading the first @hot bytes of [buf, buf + total) until 99% of
 * them are on node 0 or @deadline seconds have passed.
 */
struct tier_promotion tier_promote_hot_set(char *buf, size_t total, size_t hot,
					   double deadline);

#endif /* __PGHOT_TIER_UTIL_H */
