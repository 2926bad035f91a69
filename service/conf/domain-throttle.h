/* libvirt's <throttlegroups> and a disk's <throttlefilters>: named sets of
 * I/O limits at domain level, which disks share by naming them, each disk's
 * requests going through one filter per group it names. Checked here for
 * define; the QEMU driver makes a throttle-group object of each group and a
 * throttle filter node of each filter (qemu-command-throttle.c). */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "disk-iotune.h"

G_BEGIN_DECLS

/* Reads a <throttlegroup>: its limits, checked as <iotune>'s are, and its
 * group_name, which is required and made of letters, digits, '_', '.'
 * and '-' (QEMU's object ids; the object is "throttle-<name>"). */
gboolean vb_throttle_group_read (xmlNode *group, VbDiskIoTune *tune, GError **error);

/* The groups of @root (a <domain>) have distinct valid names and limits,
 * and every <throttlefilter group=…> names one of them
 * (VB_ERROR_INVALID_XML); not checked in a @fragment (a device alone,
 * wrapped in a domain). */
gboolean vb_domain_throttle_check (xmlNode *root, gboolean fragment, GError **error);

G_END_DECLS
