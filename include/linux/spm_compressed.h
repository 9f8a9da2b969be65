/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Compressed-memory nodes as a demotion target.
 *
 * A specific-purpose memory node of purpose "compressed" is memory a device
 * compresses inline: its real capacity depends on the data written to it.
 * When the administrator opts the node in, reclaim demotes cold anonymous
 * pages there, mapped read-only, and a write fault moves a page back to
 * system RAM before anything is written.  Nothing but the migration that
 * brings a page there ever writes to it.
 *
 * See Documentation/admin-guide/mm/spm.rst.
 */
#ifndef _LINUX_SPM_COMPRESSED_H
#define _LINUX_SPM_COMPRESSED_H

#include <linux/jump_label.h>
#include <linux/nodemask.h>
#include <linux/types.h>

struct folio;
struct vm_fault;

#ifdef CONFIG_SPM_COMPRESSED
/*
 * spm_compressed_nodes: the compressed nodes opted in as demotion target
 * since their memory was added.  A page on one of them is never mapped
 * writable.  A node joins when it is first opted in and leaves when its
 * memory is gone (mt_clear_node_type()), so a page demoted there keeps
 * being treated read-only after the opt-in is withdrawn.  Written under
 * spm_compressed_lock (mm/spm_compressed.c); read locklessly: a node's bit
 * is set, and made visible (smp_wmb()), before reclaim may demote there.
 * spm_compressed_used: enabled when the first device registers and never
 * disabled; the fault and GUP paths test the mask only once it is.
 */
extern nodemask_t spm_compressed_nodes;
DECLARE_STATIC_KEY_FALSE(spm_compressed_used);

/**
 * spm_compressed_nid - may pages on @nid never be written
 * @nid: a node
 *
 * Return: true if @nid is a compressed-memory node that is, or was, a
 * demotion target: its pages must be mapped read-only.
 */
static inline bool spm_compressed_nid(int nid)
{
	return static_branch_unlikely(&spm_compressed_used) &&
	       node_isset(nid, spm_compressed_nodes);
}

void spm_compressed_node_gone(int nid);
void spm_compressed_moved(struct vm_fault *vmf, struct folio *folio);
#else
static inline bool spm_compressed_nid(int nid)
{
	return false;
}

static inline void spm_compressed_node_gone(int nid)
{
}

static inline void spm_compressed_moved(struct vm_fault *vmf,
					struct folio *folio)
{
}
#endif

#endif /* _LINUX_SPM_COMPRESSED_H */
