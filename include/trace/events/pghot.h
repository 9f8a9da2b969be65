/* SPDX-License-Identifier: GPL-2.0 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM pghot

#if !defined(_TRACE_PGHOT_H) || defined(TRACE_HEADER_MULTI_READ)
#define _TRACE_PGHOT_H

#include <linux/tracepoint.h>

/*
 * One batch of kmigrated: pages offered, moved, not moved, and put back
 * before migration (refused by a memory policy or cpuset, or not
 * checkable because a lock was busy).
 */
TRACE_EVENT(pghot_kmigrated_batch,
	    TP_PROTO(int nid, int target, unsigned int nr_pages,
		     unsigned int migrated, unsigned int failed,
		     unsigned int put_back),
	    TP_ARGS(nid, target, nr_pages, migrated, failed, put_back),
	    TP_STRUCT__entry(__field(int, nid)
			     __field(int, target)
			     __field(unsigned int, nr_pages)
			     __field(unsigned int, migrated)
			     __field(unsigned int, failed)
			     __field(unsigned int, put_back)),
	    TP_fast_assign(__entry->nid = nid;
			   __entry->target = target;
			   __entry->nr_pages = nr_pages;
			   __entry->migrated = migrated;
			   __entry->failed = failed;
			   __entry->put_back = put_back;),
	    TP_printk("nid=%d target=%d nr_pages=%u migrated=%u failed=%u put_back=%u",
		      __entry->nid, __entry->target, __entry->nr_pages,
		      __entry->migrated, __entry->failed, __entry->put_back)
);

/* A promotion charged against (or refused by) a target's rate limit. */
TRACE_EVENT(pghot_rate_limit,
	    TP_PROTO(int target, unsigned long nr_pages, unsigned long window_pages,
		     unsigned long limit_pages, bool throttled),
	    TP_ARGS(target, nr_pages, window_pages, limit_pages, throttled),
	    TP_STRUCT__entry(__field(int, target)
			     __field(unsigned long, nr_pages)
			     __field(unsigned long, window_pages)
			     __field(unsigned long, limit_pages)
			     __field(bool, throttled)),
	    TP_fast_assign(__entry->target = target;
			   __entry->nr_pages = nr_pages;
			   __entry->window_pages = window_pages;
			   __entry->limit_pages = limit_pages;
			   __entry->throttled = throttled;),
	    TP_printk("target=%d nr_pages=%lu window_pages=%lu limit_pages=%lu throttled=%d",
		      __entry->target, __entry->nr_pages, __entry->window_pages,
		      __entry->limit_pages, __entry->throttled)
);

/* One pass of kmigrated over its node. */
TRACE_EVENT(pghot_kmigrated_pass,
	    TP_PROTO(int nid, unsigned long scanned, unsigned long skipped,
		     unsigned long ready, u64 cpu_ns),
	    TP_ARGS(nid, scanned, skipped, ready, cpu_ns),
	    TP_STRUCT__entry(__field(int, nid)
			     __field(unsigned long, scanned)
			     __field(unsigned long, skipped)
			     __field(unsigned long, ready)
			     __field(u64, cpu_ns)),
	    TP_fast_assign(__entry->nid = nid;
			   __entry->scanned = scanned;
			   __entry->skipped = skipped;
			   __entry->ready = ready;
			   __entry->cpu_ns = cpu_ns;),
	    TP_printk("nid=%d sections_scanned=%lu sections_skipped=%lu ready=%lu cpu_ns=%llu",
		      __entry->nid, __entry->scanned, __entry->skipped,
		      __entry->ready, __entry->cpu_ns)
);

#endif /* _TRACE_PGHOT_H */

/* This part must be outside protection */
#include <trace/define_trace.h>
