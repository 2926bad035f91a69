/* The disks of a domain definition whose image QEMU may open a backing
 * chain below, and the chain a definition records for each in libvirt's
 * <backingStore> element: what the host-path check of the service walked
 * and accepted (docs/authorization.md, "Host files outside the storage
 * pools"). */
#pragma once

#include <glib.h>
#include <libxml/tree.h>

#include "qcow2-backing.h"

G_BEGIN_DECLS

typedef struct {
  char *target; /* <target dev>, for messages */
  char *file;   /* <source file> or <source dev>; NULL for a volume disk */
  char *pool;   /* <source pool volume> of a volume disk */
  char *volume;
  char *format;   /* <driver type>; NULL when absent (raw, or the volume's own) */
  GStrv recorded; /* the <source file> of each <backingStore>, nearest first */
  gboolean data_store; /* <source><dataStore>: the XML gives the image's data file */
  /* A file or block level of a network disk's <backingStore> chain, whose
   * backing node QEMU is given: only its own header is checked, its chain
   * never recorded. */
  gboolean backing_level;
} VbDiskImage;

void vb_disk_image_free (VbDiskImage *image);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbDiskImage, vb_disk_image_free)

/* The disks with a source of @xml: a <domain> (its <devices>) or one
 * <disk> alone; any other document has none. A GPtrArray of VbDiskImage;
 * NULL with VB_ERROR_INVALID_XML when @xml does not parse. */
GPtrArray *vb_domain_disk_images (const char *xml, GError **error);
/* The same of a document already parsed. */
GPtrArray *vb_domain_disk_images_of_doc (xmlDoc *doc);

/* @xml (as above) with the <backingStore> of each disk whose target is a
 * key of @chains (a GPtrArray of VbBackingFile, nearest first) replaced by
 * that chain. NULL with VB_ERROR_INVALID_XML when @xml does not parse. */
char *vb_domain_xml_record_backing (const char *xml, GHashTable *chains, GError **error);

/* Makes the image @disk (a <disk> node) reads now, in @format, the
 * nearest entry of its recorded chain: what an external snapshot does
 * when it puts an overlay on top. */
void vb_disk_node_push_backing (xmlNode *disk, const char *file, const char *format);

G_END_DECLS
