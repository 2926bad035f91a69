/* A storage pool configuration: libvirt-format pool XML, validated and kept in
 * canonical form. */
#pragma once

#include "xml-schema.h"
#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char *xml;         /* canonical XML */
  char *name;
  char *uuid;        /* lower case, 36 characters */
  char *type;        /* <pool type=…>: dir, test */
  char *target_path; /* <target><path>, NULL when absent */
} VbPoolDef;

/* Parses, validates and canonicalises @xml; fills in a UUID when absent. */
VbPoolDef *vb_pool_def_parse (const char *xml, GError **error);
VbPoolDef *vb_pool_def_copy (const VbPoolDef *def);
/* @def's XML with <capacity>, <allocation> and <available> (in bytes) after
 * <uuid>, where libvirt writes them: what the pool holds now, never part of
 * the stored definition (clients such as Cockpit read them from the XML). */
char *vb_pool_def_format_sizes (const VbPoolDef *def, guint64 capacity, guint64 allocation,
                                guint64 available);
void vb_pool_def_free (VbPoolDef *def);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbPoolDef, vb_pool_def_free)

/* The table of elements and attributes the pool XML may have (docs/xml-subset.md). */
const VbXmlSchema *vb_pool_def_schema (void);

G_END_DECLS
