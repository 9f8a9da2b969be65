/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pghot: hot page tracking and promotion for tiered memory.
 *
 * Subsystems that learn that a page in a lower memory tier was accessed
 * report it with pghot_record_access().  pghot keeps a hotness record per
 * lower-tier page and a kmigrated thread per lower-tier node promotes the
 * pages that became hot.  See Documentation/admin-guide/mm/pghot.rst.
 */
#ifndef _LINUX_PGHOT_H
#define _LINUX_PGHOT_H

#include <linux/errno.h>
#include <linux/jump_label.h>
#include <linux/types.h>

/**
 * enum pghot_src - Who reports an access.
 * @PGHOT_HW_HINTS: hardware access sampling (e.g. AMD IBS).
 * @PGHOT_PGTABLE_SCAN: page table Accessed-bit scanning (klruscand).
 * @PGHOT_HINT_FAULT: NUMA balancing hint faults.
 * @PGHOT_NR_SRC: number of sources.
 *
 * Each source is enabled by its own vm.pghot_record_*_enable sysctl.
 */
enum pghot_src {
	PGHOT_HW_HINTS,
	PGHOT_PGTABLE_SCAN,
	PGHOT_HINT_FAULT,
	PGHOT_NR_SRC,
};

struct page;

#ifdef CONFIG_PGHOT
extern struct static_key_false pghot_src_keys[PGHOT_NR_SRC];

/**
 * pghot_src_enabled() - Is a source enabled?
 * @src: an &enum pghot_src, a compile-time constant.
 *
 * Lets a source skip the work of finding a PFN when its reports would be
 * refused.  A static branch: free when the source is disabled.
 *
 * Return: true when pghot_record_access() accepts reports from @src.
 */
static __always_inline bool pghot_src_enabled(int src)
{
	return static_branch_unlikely(&pghot_src_keys[src]);
}

int pghot_record_access(unsigned long pfn, int nid, int src, unsigned long now);

DECLARE_STATIC_KEY_FALSE(pghot_free_key);
void __pghot_free_pages(struct page *page, unsigned int order);

/**
 * pghot_free_pages() - Forget the hotness of pages being freed.
 * @page: the first page of the block.
 * @order: its order.
 *
 * Called by the page allocator for the blocks it frees, so that a page
 * does not carry the record of its last life, ready or not, into the next.
 * A static branch, off until pghot tracks a node.
 */
static inline void pghot_free_pages(struct page *page, unsigned int order)
{
	if (static_branch_unlikely(&pghot_free_key))
		__pghot_free_pages(page, order);
}
#else
static inline void pghot_free_pages(struct page *page, unsigned int order)
{
}

static inline int pghot_record_access(unsigned long pfn, int nid, int src,
				      unsigned long now)
{
	return -EOPNOTSUPP;
}

static inline bool pghot_src_enabled(int src)
{
	return false;
}
#endif /* CONFIG_PGHOT */

#endif /* _LINUX_PGHOT_H */
