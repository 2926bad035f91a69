/* What the tests of the XML model share: a parse of any kind of definition
 * to its canonical XML, assertions on what is refused and why, and the form
 * of a stored UUID. Static inline, as each test program is one file. */
#pragma once

#include <string.h>

#include <glib.h>

#include "domain-def.h"
#include "network-def.h"
#include "pool-def.h"
#include "vb-error.h"
#include "volume-def.h"

typedef enum {
  KIND_DOMAIN,
  KIND_NETWORK,
  KIND_POOL,
  KIND_VOLUME,
} Kind;

/* The canonical XML a parse of @xml as @kind stores, or NULL and @error. */
static inline char *
canonical (Kind kind, const char *xml, GError **error)
{
  switch (kind) {
  case KIND_DOMAIN: {
    g_autoptr (VbDomainDef) def = vb_domain_def_parse (xml, error);
    return def != NULL ? g_strdup (def->xml) : NULL;
  }
  case KIND_NETWORK: {
    g_autoptr (VbNetworkDef) def = vb_network_def_parse (xml, error);
    return def != NULL ? g_strdup (def->xml) : NULL;
  }
  case KIND_POOL: {
    g_autoptr (VbPoolDef) def = vb_pool_def_parse (xml, error);
    return def != NULL ? g_strdup (def->xml) : NULL;
  }
  case KIND_VOLUME: {
    g_autoptr (VbVolumeDef) def = vb_volume_def_parse (xml, error);
    return def != NULL ? g_strdup (def->xml) : NULL;
  }
  }
  g_assert_not_reached ();
}

static inline void
assert_contains (const char *message, const char *fragment)
{
  if (strstr (message, fragment) == NULL)
    g_error ("expected \"%s\" in the message \"%s\"", fragment, message);
}

/* Parses @xml, expects it refused with @code and @fragment in the message. */
static inline void
assert_refused (Kind kind, const char *xml, int code, const char *fragment)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *out = canonical (kind, xml, &error);

  if (out != NULL)
    g_error ("expected a refusal containing \"%s\", but this was accepted:\n%s", fragment, xml);
  g_assert_error (error, VB_ERROR, code);
  assert_contains (error->message, fragment);
}

static inline void
assert_invalid_xml (Kind kind, const char *xml, const char *fragment)
{
  assert_refused (kind, xml, VB_ERROR_INVALID_XML, fragment);
}

/* A UUID as the model stores it: valid, lower case. */
static inline gboolean
is_lower_uuid (const char *uuid)
{
  return uuid != NULL && strlen (uuid) == 36 && g_uuid_string_is_valid (uuid) &&
         strspn (uuid, "0123456789abcdef-") == 36;
}
