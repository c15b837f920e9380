# Data integrity through the subsets of {merge, split} with crypt,
# crypt_sector_size 4096, iv_large_sectors 0 and 1: sb_crypt_matrix
# (tests/guest/lib.sh), fio write + verify (crc32c), libaio and io_uring,
# sizes not aligned to the crypt sector.  SB_STAGE_MB (default 4) MiB/run.
sb_load
sb_crypt_matrix 4096
sb_unload
dmesg_clean
