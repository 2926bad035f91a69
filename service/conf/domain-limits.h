/* <memtune> and <blkiotune>: the memory and block I/O limits of a domain's
 * cgroups, checked at define (the QEMU driver applies them at Start,
 * drivers/qemu/qemu-limits.c). */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

G_BEGIN_DECLS

/* libvirt's "unlimited" for <memtune> values (KiB): 2^53 - 1. */
#define VB_DOMAIN_MEMTUNE_UNLIMITED G_GUINT64_CONSTANT (9007199254740991)

/* Checks <memtune> and <blkiotune> of @root and writes every <memtune>
 * value in KiB (unit='KiB'), values at or above "unlimited" as unlimited. */
gboolean vb_domain_limits_check (xmlNode *root, GError **error);

G_END_DECLS
