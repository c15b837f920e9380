// SPDX-License-Identifier: GPL-2.0
/* The one place that instantiates the stackblk tracepoints. */
#define CREATE_TRACE_POINTS
#include "sb_trace.h"
