/* A storage volume configuration: libvirt-format volume XML. */
#pragma once

#include "xml-schema.h"
#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char *xml;            /* canonical XML of what the caller asked for */
  char *name;
  char *format;         /* <target><format type=…>, "raw" when absent */
  guint64 capacity;     /* bytes, converted from its unit */
  guint64 allocation;   /* bytes; defaults to capacity for raw, 0 for qcow2 */
} VbVolumeDef;

/* Parses and validates @xml. Names with "/", a leading ".", control characters
 * or over 255 bytes are refused with VB_ERROR_INVALID_ARGUMENT. */
VbVolumeDef *vb_volume_def_parse (const char *xml, GError **error);
VbVolumeDef *vb_volume_def_copy (const VbVolumeDef *def);
void vb_volume_def_free (VbVolumeDef *def);

/* Formats the XML of a volume as it exists (key, path, sizes). */
char *vb_volume_def_format (const VbVolumeDef *def, const char *key, const char *path);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbVolumeDef, vb_volume_def_free)

/* The table of elements and attributes the volume XML may have (docs/xml-subset.md). */
const VbXmlSchema *vb_volume_def_schema (void);

G_END_DECLS
