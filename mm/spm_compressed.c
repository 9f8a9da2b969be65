// SPDX-License-Identifier: GPL-2.0
/*
 * Compressed-memory nodes as a demotion target: the opt-in, the capacity a
 * device reports, and demotion of cold anonymous pages to the node.
 *
 * The rules that keep such pages from ever being written live where
 * page-table entries are made writable: remove_migration_pte() and _pmd(),
 * can_change_pte_writable(), can_follow_write_pte() and _pmd(),
 * gup_must_unshare(), folio_is_longterm_pinnable(), UFFDIO_MOVE,
 * do_swap_page() and do_wp_page(); compact_zone() leaves such a node
 * alone.  They test spm_compressed_nid().
 *
 * See Documentation/admin-guide/mm/spm.rst.
 */
#include <linux/mm.h>
#include <linux/spm_compressed.h>
#include <linux/vmstat.h>

#include "internal.h"

#define CREATE_TRACE_POINTS
#include <trace/events/spm_compressed.h>

nodemask_t spm_compressed_nodes;
EXPORT_SYMBOL_GPL(spm_compressed_nodes);
DEFINE_STATIC_KEY_FALSE(spm_compressed_used);
EXPORT_SYMBOL_GPL(spm_compressed_used);

/* Protects writes to spm_compressed_nodes; nests inside mem_hotplug_lock. */
static DEFINE_MUTEX(spm_compressed_lock);

/**
 * spm_compressed_node_gone - a node's memory is gone
 * @nid: the node
 *
 * Called from mt_clear_node_type() with mem_hotplug_lock held for write:
 * no page is left on the node, so it leaves the mask.
 */
void spm_compressed_node_gone(int nid)
{
	guard(mutex)(&spm_compressed_lock);
	node_clear(nid, spm_compressed_nodes);
}

/**
 * spm_compressed_moved - a fault copied a page off a compressed node
 * @vmf: the fault (a write, or an unshare for a pin)
 * @folio: the page it left, still referenced
 *
 * Called from wp_page_copy() once the new page is mapped, with vmf->pte
 * unmapped and the page table unlocked.
 */
void spm_compressed_moved(struct vm_fault *vmf, struct folio *folio)
{
	count_vm_event(PGPROMOTE_COMPRESSED_WRITE);
	trace_spm_compressed_write_fault(vmf->address, folio_pfn(folio),
					 folio_nid(folio),
					 vmf->flags & FAULT_FLAG_UNSHARE);
}
