/* Sets of host CPUs written in libvirt's syntax ("0-3,^2,6": numbers and
 * ranges separated by commas, "^N" taking one out), as <vcpu cpuset>,
 * <vcpupin cpuset> and /sys/devices/system/cpu/online write them. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The highest CPU number a set may name, plus one: libvirt's limit. */
#define VB_CPUSET_MAX 16384

/* Parses @text into a new array of the CPU numbers it names (guint, sorted,
 * each once). NULL when @text is not in the syntax, names a CPU at or above
 * VB_CPUSET_MAX or names none; then *@problem (when not NULL) says why. */
GArray *vb_cpuset_parse (const char *text, char **problem);

/* The set as "0-2,5": ranges joined, for messages. */
char *vb_cpuset_format (const GArray *cpus);

/* Whether the sorted set @cpus holds @cpu. */
gboolean vb_cpuset_has (const GArray *cpus, guint cpu);

G_END_DECLS
