# rmdir of the configfs item while fio runs (and while another process merely
# holds the disk open): it returns within a bounded time, fio ends (errors
# or success) within a bounded time, no oops/hang, the disk is gone, the
# backing is released and can be stacked again (sb_teardown_under_io).
sb_teardown_under_io "rmdir of the configfs item" rmdir "$SB_CFS/d"
