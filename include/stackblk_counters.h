/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * stackblk_counters.h - the one list of stackblk counter names.
 *
 * Deliberately without an include guard: like the kernel's kvm-x86-ops.h,
 * it is included once per use, after defining
 *	SB_COUNTER(name, kind, unit, description)	(required)
 *	SB_GAUGE(name, kind, unit, description)		(optional)
 * and it undefines both at its end.  Shared by the module and the CLI.
 *
 * Each name is one file in /sys/block/stackblkN/stackblk/stats/ holding a
 * decimal u64, and one line of the debugfs "counters" table, in this order.
 * Add new names at the end of their list; never rename one.
 *
 *   kind: LOGICAL  - what stackblk received from the block layer
 *         PHYSICAL - what stackblk submitted to the backing device
 *         ATTRIB   - why physical differs from logical (stage attribution)
 *         OUTCOME  - errors and depth
 *         WHERE    - where the work ran (which context decrypted a read)
 *   unit: ios, bytes or requests
 */
#ifndef SB_GAUGE
#define SB_GAUGE(...)
#endif

SB_COUNTER(logical_read_ios, LOGICAL, ios, "read requests received")
SB_COUNTER(logical_read_bytes, LOGICAL, bytes, "bytes of read requests received")
SB_COUNTER(logical_write_ios, LOGICAL, ios, "write requests received")
SB_COUNTER(logical_write_bytes, LOGICAL, bytes, "bytes of write requests received")
SB_COUNTER(logical_flush_ios, LOGICAL, ios, "flush requests received")
SB_COUNTER(logical_discard_ios, LOGICAL, ios, "discard requests received")
SB_COUNTER(logical_discard_bytes, LOGICAL, bytes, "bytes of discard requests received")
SB_COUNTER(logical_write_zeroes_ios, LOGICAL, ios, "write-zeroes requests received")
SB_COUNTER(logical_write_zeroes_bytes, LOGICAL, bytes, "bytes of write-zeroes requests")
SB_COUNTER(physical_read_ios, PHYSICAL, ios, "read bios submitted to the backing device")
SB_COUNTER(physical_read_bytes, PHYSICAL, bytes, "bytes read from the backing device")
SB_COUNTER(physical_write_ios, PHYSICAL, ios, "write bios submitted to the backing device")
SB_COUNTER(physical_write_bytes, PHYSICAL, bytes, "bytes written to the backing device")
SB_COUNTER(physical_flush_ios, PHYSICAL, ios, "empty flush bios sent to the backing device")
SB_COUNTER(physical_discard_ios, PHYSICAL, ios, "discard bios submitted to the backing device")
SB_COUNTER(physical_discard_bytes, PHYSICAL, bytes, "bytes discarded on the backing device")
SB_COUNTER(physical_write_zeroes_ios, PHYSICAL, ios, "write-zeroes bios sent to the backing device")
SB_COUNTER(physical_write_zeroes_bytes, PHYSICAL, bytes, "bytes zeroed on the backing device")
SB_COUNTER(merged_ios, ATTRIB, ios, "requests absorbed into another request's backing I/O")
SB_COUNTER(split_ios, ATTRIB, ios, "extra backing I/Os created by splitting")
SB_COUNTER(rmw_ios, ATTRIB, ios, "read-modify-write cycles")
SB_COUNTER(rmw_read_bytes, ATTRIB, bytes, "bytes read by read-modify-write cycles")
SB_COUNTER(errors, OUTCOME, requests, "requests completed with an error")
SB_COUNTER(timeouts, OUTCOME, requests, "request timer expiries, re-armed")
SB_COUNTER(parity_rmw_ios, ATTRIB, ios, "parity stripe updates by read-modify-write")
SB_COUNTER(parity_rcw_ios, ATTRIB, ios, "parity stripe updates by reconstruct-write")
SB_COUNTER(parity_read_ios, ATTRIB, ios, "reads of old data and parity for parity updates")
SB_COUNTER(parity_read_bytes, ATTRIB, bytes, "bytes read for parity updates")
SB_COUNTER(parity_write_ios, ATTRIB, ios, "parity chunk writes")
SB_COUNTER(parity_write_bytes, ATTRIB, bytes, "bytes of parity written")
SB_COUNTER(parity_split_ios, ATTRIB, ios, "extra member I/Os of I/O crossing parity chunks")
SB_COUNTER(parity_degraded_ios, ATTRIB, ios, "degraded: data reads rebuilt, writes left out")
SB_COUNTER(crypt_read_task_ios, WHERE, ios, "crypt reads decrypted at completion, may sleep")
SB_COUNTER(crypt_read_atomic_ios, WHERE, ios, "crypt reads decrypted at completion, no sleep")
SB_COUNTER(crypt_read_wq_ios, WHERE, ios, "crypt reads decrypted (in part) in crypt_wq")

/* Gauges: computed from the per-hctx depth state, not per-CPU sums. */
SB_GAUGE(inflight, OUTCOME, requests, "requests in flight now, whole device")
SB_GAUGE(inflight_max, OUTCOME, requests, "deepest any hctx has been since reset")

#undef SB_COUNTER
#undef SB_GAUGE
