/* SPDX-License-Identifier: GPL-2.0 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM spm_compressed

#if !defined(_TRACE_SPM_COMPRESSED_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_SPM_COMPRESSED_H

#include <linux/tracepoint.h>

/*
 * A write fault (or an unshare, for a pin) copied a page off a compressed
 * node to system RAM: the page it left.
 */
TRACE_EVENT(spm_compressed_write_fault,
	    TP_PROTO(unsigned long address, unsigned long pfn, int nid,
		     bool unshare),
	    TP_ARGS(address, pfn, nid, unshare),
	    TP_STRUCT__entry(__field(unsigned long, address)
			     __field(unsigned long, pfn)
			     __field(int, nid)
			     __field(bool, unshare)),
	    TP_fast_assign(__entry->address = address;
			   __entry->pfn = pfn;
			   __entry->nid = nid;
			   __entry->unshare = unshare;),
	    TP_printk("address=0x%lx pfn=0x%lx nid=%d%s",
		      __entry->address, __entry->pfn, __entry->nid,
		      __entry->unshare ? " unshare" : "")
);

#endif /* _TRACE_SPM_COMPRESSED_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
