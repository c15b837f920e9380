/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR MIT */
/*
 * stackblk_settings.h - the one list of stackblk's device settings.
 *
 * Deliberately without an include guard, like stackblk_counters.h: it is
 * included once per use, after defining
 *	SB_SETTING(name, where, kind, def, min, max, description)
 * and it undefines SB_SETTING at its end.  Shared by the module and the CLI.
 *
 * Each row is one configfs attribute of /sys/kernel/config/stackblk/<dev>/,
 * in this order.  The module makes from it the attribute (show and store,
 * EPERM without CAP_SYS_ADMIN before any parsing, EBUSY while powered),
 * the read-only copy in /sys/block/stackblkN/stackblk/ (STAGE rows), and
 * the defaults of new devices, which the module parameters of the same
 * names may change (every kind but PATH and KEY; module/config.c).  Add
 * new rows at the end of their group; never rename one.
 *
 *   where: DEVICE  a setting of the device (struct sb_config), configfs only
 *          STAGE   a stage setting (struct sb_stage_cfg): configfs, and
 *                  read-only in sysfs while powered
 *          SECRET  write-only in configfs (mode 0200), never shown
 *   kind:  U32     decimal, min..max (max 0: the number of possible CPUs)
 *          BYTES   decimal, min..max, a multiple of 512
 *          POW2    decimal bytes, min..max, a power of two (min >= 512)
 *          SECTOR  512 or 4096
 *          BOOL    0 or 1
 *          STAGES  comma-separated subset of merge,split,crypt,parity
 *          CIPHER  the one cipher, aes-xts-plain64
 *          PATH    path of a block device
 *          KEY     hex AES-XTS key of 32 or 64 bytes
 *   def, min, max: for U32, BYTES, POW2, SECTOR and BOOL; 0 for the others
 */

/* the device */
SB_SETTING(backing, DEVICE, PATH, 0, 0, 0, "backing block device")
SB_SETTING(nr_hw_queues, DEVICE, U32, 0, 0, 0, "hardware contexts; 0 = one per possible CPU")
SB_SETTING(queue_depth, DEVICE, U32, 128, 1, 4096, "tags per hardware context")

/* the stages */
SB_SETTING(stages, STAGE, STAGES, 0, 0, 0, "stages, comma-separated: merge,split,crypt,parity")
SB_SETTING(merge_max_bytes, STAGE, BYTES, 131072, 512, 1 << 30, "largest merged backing I/O")
SB_SETTING(split_boundary, STAGE, BYTES, 65536, 512, 1 << 30, "split at multiples of this")
SB_SETTING(crypt_cipher, STAGE, CIPHER, 0, 0, 0, "cipher: only aes-xts-plain64")
SB_SETTING(crypt_sector_size, STAGE, SECTOR, 512, 512, 4096, "crypt sector: 512 or 4096")
SB_SETTING(crypt_iv_large_sectors, STAGE, BOOL, 0, 0, 1, "IV counts crypt sectors (1) or 512s (0)")
SB_SETTING(crypt_allow_discards, STAGE, BOOL, 0, 0, 1, "discards through crypt (1) or not (0)")
SB_SETTING(crypt_key, SECRET, KEY, 0, 0, 0, "hex AES-XTS key, 32 or 64 bytes")
SB_SETTING(parity_members, STAGE, U32, 5, 3, 16, "parity: members, parity included")
SB_SETTING(parity_chunk, STAGE, POW2, 65536, 4096, 1 << 20, "parity: chunk, a power of two")
SB_SETTING(parity_failed_member, STAGE, U32, 16, 0, 16, "parity: failed member, 16: none")

#undef SB_SETTING
