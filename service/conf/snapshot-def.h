/* A domain snapshot's description: libvirt's domainsnapshot XML, the subset
 * virtbus supports (docs/snapshots.md), checked as strictly as domain XML. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char *name;        /* the disk's target dev, e.g. "vda" */
  char *snapshot;    /* "no", "internal" or "external"; NULL: not said yet */
  char *source;      /* external: the overlay file; NULL: the default name */
  char *driver_type; /* external: "qcow2" (the only format of overlays) */
  /* Filled in by vb_snapshot_def_align (not part of the XML): */
  char *backing;        /* external: the image the overlay is made on */
  char *backing_format; /* its format */
  char *file;           /* internal: the image that holds the snapshot */
} VbSnapshotDiskDef;

typedef struct {
  char *name;        /* NULL in a request without <name>: the service picks one */
  char *description; /* NULL when none */
  char *memory;      /* "no" or "internal"; NULL: not said */
  GPtrArray *disks;  /* VbSnapshotDiskDef, in the domain's order once aligned */
  /* Known once the snapshot exists (stored metadata, GetXMLDesc): */
  char *state;          /* running, paused, shutoff or disk-snapshot */
  char *parent;         /* NULL for a root */
  gint64 creation_time; /* seconds since the epoch */
  char *domain_xml;     /* the domain's definition when the snapshot was taken */
  gboolean current;     /* only in the stored metadata (<active>) */
} VbSnapshotDef;

VbSnapshotDef *vb_snapshot_def_copy (const VbSnapshotDef *def);
void vb_snapshot_def_free (VbSnapshotDef *def);

/* Parses a CreateSnapshot request: <name>, <description>, <memory> and
 * <disks>. The elements only the service writes (<state>, <parent>,
 * <creationTime>, <domain>) are refused, as is anything unknown: with
 * VB_ERROR_INVALID_XML naming the element and its line. */
VbSnapshotDef *vb_snapshot_def_parse (const char *xml, GError **error);
/* Parses metadata the service stored (the whole document). */
VbSnapshotDef *vb_snapshot_def_parse_stored (const char *xml, GError **error);

/* The domainsnapshot XML (GetXMLDesc); with @stored also <active>. */
char *vb_snapshot_def_format (const VbSnapshotDef *def, gboolean stored);

/* Whether the snapshot keeps memory state / lives outside the disk images. */
gboolean vb_snapshot_def_has_memory (const VbSnapshotDef *def);
gboolean vb_snapshot_def_is_external (const VbSnapshotDef *def);

/* Completes @def against the disks of @domain_xml (the definition the domain
 * runs, or its persistent one when shut off): every disk gets its mode
 * (read-only disks and CD-ROMs "no"; a disk the request leaves out the
 * mode its <disk snapshot=…> sets, if any; "external" for all with
 * @disk_only or when the request or a disk's default names external;
 * "internal" otherwise), the files
 * involved and the default overlay names (<image without extension>.<name>);
 * <memory> becomes "internal" for an @active domain taking an internal
 * snapshot. Refuses what cannot be done: disks the domain lacks
 * (InvalidArgument), internal snapshots of non-qcow2 disks, a mix of
 * internal and external disks, external ones with memory, disks that are
 * not files (NotSupported), each naming the disk. */
gboolean vb_snapshot_def_align (VbSnapshotDef *def, const char *domain_xml, gboolean active,
                                gboolean disk_only, GError **error);

/* A disk of a domain XML as snapshots see it. */
typedef struct {
  char *target; /* "vda" */
  char *type;   /* file, block, volume */
  char *device; /* disk, cdrom, floppy */
  char *file;   /* <source file>, NULL for other types or no medium */
  char *format; /* <driver type>, "raw" when absent */
  char *alias;  /* <alias name>, NULL when absent */
  char *snapshot; /* <disk snapshot=…>: the disk's default mode, NULL when absent */
  gboolean readonly;
} VbDomainDisk;

void vb_domain_disk_free (VbDomainDisk *disk);
/* The <disk> devices of @domain_xml, in order; NULL with VB_ERROR_INVALID_XML. */
GPtrArray *vb_domain_xml_list_disks (const char *domain_xml, GError **error);
/* @domain_xml with disk @target reading file @file in format @format; the
 * file it read before (an overlay's backing image) becomes the first entry
 * of its <backingStore> chain. */
char *vb_domain_xml_set_disk_file (const char *domain_xml, const char *target, const char *file,
                                   const char *format, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbSnapshotDef, vb_snapshot_def_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbDomainDisk, vb_domain_disk_free)

G_END_DECLS
