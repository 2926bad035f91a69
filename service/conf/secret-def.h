/* A secret's definition: libvirt's secret XML (<secret ephemeral private>
 * with <uuid>, <description> and <usage>), validated and canonical. The
 * value is never part of it. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  char *xml;          /* canonical XML */
  char *uuid;         /* lower case, 36 characters */
  char *usage_type;   /* "volume", "iscsi", "ceph", "tls" or "vtpm"; NULL without <usage> */
  char *usage_id;     /* <volume>, <target> or <name> of the usage; NULL without */
  gboolean ephemeral; /* kept in memory only, never on disk */
  gboolean private;   /* its value is never read back (GetValue refuses it) */
} VbSecretDef;

/* Parses, validates and canonicalises @xml; fills in a UUID when absent. */
VbSecretDef *vb_secret_def_parse (const char *xml, GError **error);
void vb_secret_def_free (VbSecretDef *def);

/* The first secret a domain, device or snapshot XML names (a <secret> in
 * an <auth> or <encryption>, or a TPM's <encryption secret='UUID'>):
 * "uuid=…" or "usage=…"; NULL when it names none (or does not parse: its
 * own check reports that). */
char *vb_secret_named_in (const char *xml);
/* Every secret it names, each once, in document order; NULL for none. */
GStrv vb_secrets_named_in (const char *xml);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbSecretDef, vb_secret_def_free)

G_END_DECLS
