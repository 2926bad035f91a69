/* Where this process sits in a cgroup v1 controller: the parent under which
 * the service makes a domain's cgroup (<cputune>'s cpu, <memtune>'s memory,
 * <blkiotune>'s blkio, restrictive <numatune>'s cpuset). */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
  VB_CGROUP_FOUND,
  VB_CGROUP_UNREADABLE,    /* /proc/self/mounts or /proc/self/cgroup */
  VB_CGROUP_V2_ONLY,       /* the host mounts cgroup v2 only */
  VB_CGROUP_NO_CONTROLLER, /* no v1 hierarchy has the controller */
  VB_CGROUP_NOT_IN_ONE,    /* this process is in no cgroup of it */
} VbCgroupLookup;

/* The directory of this process's cgroup of v1 @controller in *@dir (set
 * only when found). */
VbCgroupLookup vb_qemu_own_cgroup (const char *controller, char **dir);

G_END_DECLS
