/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the specific-purpose memory (SPM) node tests: which nodes are
 * SPM and what for (sysfs), per-node free memory, a swap file for reclaim,
 * zswap's knobs and counters, and a page pattern that compresses well.
 */
#ifndef __PGHOT_SPM_UTIL_H
#define __PGHOT_SPM_UTIL_H

#include <stddef.h>
#include <stdint.h>

#define ZSWAP_PARAM(name)	"/sys/module/zswap/parameters/" name
#define ZSWAP_DEBUGFS(name)	"/sys/kernel/debug/zswap/" name

/* First SPM node whose spm_purpose is @purpose (NULL: any), or -1. */
int spm_first_node(const char *purpose);
/* Read /sys/devices/system/node/node@nid/@file into @buf, newline cut. */
int spm_node_attr(int nid, const char *file, char *buf, size_t size);
/* Free memory of @nid in kB: MemFree and the per-CPU lists; -1 if unknown. */
long spm_node_free_kb(int nid);

/*
 * A @mb MiB swap file at @path (mkswap, swapon), for tests that need
 * reclaim to swap.  0 or -1; spm_swap_off() removes it.
 */
int spm_swap_on(const char *path, int mb);
void spm_swap_off(const char *path);

/* A zswap debugfs counter, or -1. */
long long spm_zswap_stat(const char *name);

/*
 * Fill [addr, addr + len) with data that compresses well but differs in
 * every page (keyed by @seed); spm_verify() returns the first bad offset,
 * or -1 if all of it is intact.
 */
void spm_fill(void *addr, size_t len, uint64_t seed);
long spm_verify(const void *addr, size_t len, uint64_t seed);

#endif /* __PGHOT_SPM_UTIL_H */
