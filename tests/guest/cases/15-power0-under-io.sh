# power=0 while fio runs (and while another process merely holds the disk
# open): it returns within a bounded time, fio ends (errors or success)
# within a bounded time, no oops/hang, the disk is gone, the backing is
# released and can be stacked again (sb_teardown_under_io).
sb_teardown_under_io "power=0" sh -c "echo 0 >'$SB_CFS/d/power'"
