# Data integrity through the subsets of {merge, split} (56 and 57 add
# crypt): sb_stage_matrix (tests/guest/lib.sh), fio write + verify (crc32c)
# with libaio and io_uring, 512 B blocks and sizes not aligned to the split
# boundary, iodepth up to 64.  SB_STAGE_MB (default 4) MiB per run.
sb_load
for st in "" merge split merge,split; do
	sb_stage_matrix "p${st//,/-}" stages="$st" split_boundary=65536 merge_max_bytes=262144
done
sb_unload
dmesg_clean
