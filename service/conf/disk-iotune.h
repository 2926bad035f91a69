/* A disk's I/O limits, libvirt's <iotune>: read from and written to the
 * XML, checked with the rules QEMU's throttling applies, so that what define
 * accepts is what QEMU takes at start and through SetBlockIoTune. */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "domain-def.h"

G_BEGIN_DECLS

typedef enum {
  VB_IOTUNE_TOTAL_BYTES_SEC,
  VB_IOTUNE_READ_BYTES_SEC,
  VB_IOTUNE_WRITE_BYTES_SEC,
  VB_IOTUNE_TOTAL_IOPS_SEC,
  VB_IOTUNE_READ_IOPS_SEC,
  VB_IOTUNE_WRITE_IOPS_SEC,
  VB_IOTUNE_TOTAL_BYTES_SEC_MAX,
  VB_IOTUNE_READ_BYTES_SEC_MAX,
  VB_IOTUNE_WRITE_BYTES_SEC_MAX,
  VB_IOTUNE_TOTAL_IOPS_SEC_MAX,
  VB_IOTUNE_READ_IOPS_SEC_MAX,
  VB_IOTUNE_WRITE_IOPS_SEC_MAX,
  VB_IOTUNE_SIZE_IOPS_SEC,
  VB_IOTUNE_TOTAL_BYTES_SEC_MAX_LENGTH,
  VB_IOTUNE_READ_BYTES_SEC_MAX_LENGTH,
  VB_IOTUNE_WRITE_BYTES_SEC_MAX_LENGTH,
  VB_IOTUNE_TOTAL_IOPS_SEC_MAX_LENGTH,
  VB_IOTUNE_READ_IOPS_SEC_MAX_LENGTH,
  VB_IOTUNE_WRITE_IOPS_SEC_MAX_LENGTH,
  VB_IOTUNE_N_VALUES
} VbIoTuneValue;

/* The largest limit QEMU takes (its THROTTLE_VALUE_MAX). */
#define VB_IOTUNE_VALUE_MAX G_GUINT64_CONSTANT (1000000000000000)

/* The name of each value: libvirt's, as an <iotune> child element and as
 * a key of Get/SetBlockIoTune; and QEMU's, in block_set_io_throttle and in
 * query-block's "inserted". In VbIoTuneValue's order. */
extern const char *const vb_iotune_names[VB_IOTUNE_N_VALUES];
extern const char *const vb_iotune_qmp_names[VB_IOTUNE_N_VALUES];

typedef struct {
  guint64 values[VB_IOTUNE_N_VALUES]; /* 0: not set */
  char *group_name;                   /* NULL: none (QEMU's group of the disk alone) */
} VbDiskIoTune;

void vb_disk_iotune_clear (VbDiskIoTune *tune);
/* Whether any limit is set (a group name alone limits nothing). */
gboolean vb_disk_iotune_limits (const VbDiskIoTune *tune);

/* Reads @disk's <iotune> (none: all 0) and checks it. Errors
 * (VB_ERROR_INVALID_ARGUMENT) name the value and say why. */
gboolean vb_disk_iotune_read (xmlNode *disk, VbDiskIoTune *tune, GError **error);
/* The same of an element holding the limits as <iotune> does (a
 * <throttlegroup>); @iotune NULL: none. */
gboolean vb_iotune_read_element (xmlNode *iotune, VbDiskIoTune *tune, GError **error);
/* QEMU's rules: a total and its read/write values exclude each other, a
 * maximum needs its rate and is not below it, a burst length needs its
 * maximum, no value above VB_IOTUNE_VALUE_MAX. */
gboolean vb_disk_iotune_check (const VbDiskIoTune *tune, GError **error);
/* Replaces @disk's <iotune> by @tune (none when nothing is set), where
 * libvirt puts it: after <target>. */
void vb_disk_iotune_write (xmlNode *disk, const VbDiskIoTune *tune);

/* The <disk> of @root (a <domain>) with <target dev=@target>, or NULL. */
xmlNode *vb_disk_iotune_find_disk (xmlNode *root, const char *target);

/* @def with @tune as the I/O limits of its disk @target; fails with
 * VB_ERROR_INVALID_ARGUMENT when there is no such disk. */
VbDomainDef *vb_domain_def_with_iotune (const VbDomainDef *def, const char *target,
                                        const VbDiskIoTune *tune, gboolean live, GError **error);
/* The limits of @def's disk @target. */
gboolean vb_domain_def_iotune (const VbDomainDef *def, const char *target, VbDiskIoTune *tune,
                               GError **error);

G_END_DECLS
