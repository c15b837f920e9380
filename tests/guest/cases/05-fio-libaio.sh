# Data integrity through the stackblk disk with fio (libaio): write + verify
# (crc32c) of sequential and random I/O, 512 B .. 1 MiB incl. sizes that are
# not powers of two, iodepth 1 .. 128, one job per vCPU on its own region.
sb_load
sb_create d
sb_fio_integrity libaio "$SB_DEV"
e=$(sb_stat "$SB_IDX" errors)
[ "$e" = 0 ] || fail "stats/errors = $e after error-free fio runs"
[ "$(sb_stat "$SB_IDX" logical_write_ios)" -gt 0 ] || fail "stats/logical_write_ios stays 0"
sb_destroy d
sb_unload
