/* A storage pool configuration: libvirt-format pool XML, validated and kept in
 * canonical form. */
#pragma once

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
void vb_pool_def_free (VbPoolDef *def);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbPoolDef, vb_pool_def_free)

G_END_DECLS
