/* Start-up's parse of the stored definitions, spread over the processors:
 * at 10,000 domains the parse is most of the time before the name is owned,
 * and each file parses on its own. Only the parse runs on threads; what the
 * parsed definitions do to the inventory stays on the main thread, in the
 * files' order (resource-api.c). */
#pragma once

#include "resource-api.h"

G_BEGIN_DECLS

typedef struct {
  gpointer def; /* kind->parse's result, or NULL with error */
  GError *error;
} VbStoredParse;

/* @kind->parse of each config->xml of @configs (VbStoredConfig), in the same
 * order; free with vb_stored_parse_free(). */
VbStoredParse *vb_stored_parse_all (const VbResourceKind *kind, GPtrArray *configs);
/* Frees what is left: the defs not taken (set to NULL) and the errors. */
void vb_stored_parse_free (const VbResourceKind *kind, VbStoredParse *parsed, guint n);

G_END_DECLS
