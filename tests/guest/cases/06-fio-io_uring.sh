# Data integrity through the stackblk disk with fio (io_uring): write + verify
# (crc32c) of sequential and random I/O, 512 B .. 1 MiB incl. sizes that are
# not powers of two, iodepth 1 .. 128, one job per vCPU on its own region.
sb_fio_integrity_case io_uring
