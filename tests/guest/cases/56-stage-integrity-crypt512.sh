# Data integrity through the subsets of {merge, split} with crypt,
# crypt_sector_size 512, iv_large_sectors 0 and 1: sb_stage_matrix
# (tests/guest/lib.sh), fio write + verify (crc32c), libaio and io_uring,
# sizes not aligned to the crypt sector.  SB_STAGE_MB (default 4) MiB/run.
modprobe xts 2>/dev/null
modprobe aesni_intel 2>/dev/null
KEY=fedcba98765432100123456789abcdeffedcba98765432100123456789abcdef00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff
sb_load
# every stage subset with crypt, each with both IV kinds
for st in crypt split,crypt merge,crypt merge,split,crypt; do
	for iv in 0 1; do
		sb_stage_matrix "c${st//,/-}-512-$iv" stages="$st" split_boundary=65536 \
			merge_max_bytes=262144 crypt_sector_size=512 crypt_iv_large_sectors=$iv \
			crypt_key=$KEY
	done
done
sb_unload
dmesg_clean
