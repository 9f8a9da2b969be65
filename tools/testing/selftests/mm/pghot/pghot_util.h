/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the tests of the pghot core: its knobs, the debugfs
 * injection file and page frame numbers.
 */
#ifndef __PGHOT_UTIL_H
#define __PGHOT_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define PGHOT_SYSCTL(name)	"/proc/sys/vm/pghot_" name
#define PGHOT_DEBUGFS(name)	"/sys/kernel/debug/pghot/" name

/* Is pghot built in, and is its debugfs interface there? */
int pghot_available(void);
int pghot_debugfs_available(void);

/*
 * Why the machine cannot run a pghot promotion test (see tier_missing(),
 * no pghot, no debugfs interface when @debugfs), or NULL.
 */
const char *pghot_missing(int debugfs);

/*
 * Switch off every source of accesses, pghot's and NUMA balancing's, so
 * that only what a test injects moves pages, wait for kmigrated to
 * finish with what is already ready, and empty the records (debugfs
 * "clear"), which outlive their pages.  Undone by tier_restore_all().
 */
int pghot_quiet(void);

/* PFNs of the pages of [addr, addr + len), from /proc/self/pagemap. */
int pghot_pfns(void *addr, size_t len, uint64_t *pfns);

/*
 * Record @count accesses to each of @n PFNs through debugfs, for promotion
 * to @nid (-1: the default target).  Returns 0 or -errno of the write.
 */
int pghot_inject(const uint64_t *pfns, size_t n, int nid, int count);

/* Value of KEY in the line of @node in debugfs "nodes", or -1. */
long long pghot_node_stat(int node, const char *key);

/* What a test bounds the placement of its memory with. */
enum pghot_bound {
	PGHOT_BOUND_VMA,	/* mbind(MPOL_BIND) of the buffer */
	PGHOT_BOUND_TASK,	/* set_mempolicy(MPOL_BIND) of this process */
	PGHOT_BOUND_CPUSET,	/* a cgroup whose cpuset.mems is the node */
};

#define PGHOT_CPUSET	"/sys/fs/cgroup/pghot_bound"

/*
 * Bound [addr, addr + len) (PGHOT_BOUND_VMA) or this process to @node,
 * or lift the bound with @node -1 (the cgroup is then left and removed).
 * Returns 0 or -errno.
 */
int pghot_bound(enum pghot_bound how, void *addr, size_t len, int node);

/* PIDs of the kmigrated threads; returns how many were found. */
int pghot_kmigrated_pids(int *pids, int max);

#endif /* __PGHOT_UTIL_H */
