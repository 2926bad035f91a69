/* Edits of a domain definition that Domain.Rename, SetMemory, SetVcpus and
 * UpdateDevice make: each returns a new definition, parsed again with every
 * check of a define (or of a live definition, keeping the devices' aliases,
 * when @live), so what an edit makes is what a define would accept. */
#pragma once

#include "domain-def.h"
#include "domain-device.h"

G_BEGIN_DECLS

/* @def named @name; InvalidXML when DefineDomain would refuse the name. */
VbDomainDef *vb_domain_def_with_name (const VbDomainDef *def, const char *name, gboolean live,
                                      GError **error);
/* @def with <memory> @max_kib (0 keeps it) and <currentMemory> @current_kib
 * (0 keeps it, lowered to the maximum when larger). */
VbDomainDef *vb_domain_def_with_memory (const VbDomainDef *def, guint64 max_kib,
                                        guint64 current_kib, gboolean live, GError **error);
/* @def with the <vcpu> count @max (0 keeps it) and @current vCPUs (0 keeps
 * the current count, lowered to the maximum when larger); current= is
 * written only when it differs from the count. A <topology> that no longer
 * matches is refused (InvalidXML) as a define refuses it. <vcpus> follows
 * (vb_domain_vcpus_change): @live, the vCPUs added are hotplugged ones. */
VbDomainDef *vb_domain_def_with_vcpus (const VbDomainDef *def, guint max, guint current,
                                       gboolean live, GError **error);
/* The live definition @def with the vCPUs @ids hotplugged, in that order:
 * what a running guest has when a plug stopped half way. */
VbDomainDef *vb_domain_def_with_plugged_vcpus (const VbDomainDef *def, const guint *ids,
                                               guint n_ids, GError **error);

/* UpdateDevice's media change: @def with the medium of the CD-ROM or floppy
 * that @device (a <disk> parsed by vb_domain_device_parse) names by its
 * target replaced by @device's <source> (none: empty drive), and the disk's
 * type= with it. NotFound when @def has no such drive; NotSupported when the
 * drive is no CD-ROM or floppy, or when @device differs from the drive in
 * more than its medium (the message names the first element or attribute
 * that differs). @what names the definition in messages ("live",
 * "persistent"). */
VbDomainDef *vb_domain_def_change_media (const VbDomainDef *def, const VbDomainDevice *device,
                                         const char *what, gboolean live, GError **error);

/* @def with the drive @target emptied (no <source>): what a running guest
 * has when a media change failed after the old medium was taken out. */
VbDomainDef *vb_domain_def_without_media (const VbDomainDef *def, const char *target, gboolean live,
                                          GError **error);

G_END_DECLS
