/* The kind of domains, for the generic code of resource-api.c: how a domain
 * definition is parsed, named, stored and given to its driver. Every
 * operation on domains (domain-api.c, save-api.c, migration-api.c, ...)
 * reaches the generic code through it, so it lives apart from all of them. */
#include "domain-kind.h"

#include "vb-error.h"
#include "xml-schema.h"

static gpointer
parse_def (const char *xml, GError **error)
{
  return vb_domain_def_parse (xml, error);
}

static const char *
def_name (gconstpointer def)
{
  return ((const VbDomainDef *) def)->name;
}

static const char *
def_uuid (gconstpointer def)
{
  return ((const VbDomainDef *) def)->uuid;
}

static const char *
def_xml (gconstpointer def)
{
  return ((const VbDomainDef *) def)->xml;
}

static const char *
select_driver (VbDriverHost *host, gconstpointer pointer, GError **error)
{
  const VbDomainDef *def = pointer;
  const VbDomainDriver *driver = vb_driver_host_find_domain_driver (host, def->type);

  if (!driver)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "No driver of this service runs <domain type='%s'>", def->type);
      return NULL;
    }
  if (driver->validate && !driver->validate (host, def, error))
    {
      /* The driver reads the canonical XML; the caller knows only their own. */
      if (error)
        vb_xml_error_map_lines (*error, def->source_lines);
      return NULL;
    }
  return driver->name;
}

static char *
complete (VbDriverHost *host, gconstpointer pointer, GError **error)
{
  const VbDomainDef *def = pointer;
  const VbDomainDriver *driver = vb_driver_host_find_domain_driver (host, def->type);

  if (!driver->complete)
    return g_strdup (def->xml);
  return driver->complete (host, def, error);
}

VbDomainDef *
vb_domain_api_complete (VbDriverHost *host, VbDomainDef *pointer, GError **error)
{
  g_autoptr (VbDomainDef) def = pointer;
  const VbDomainDriver *driver = vb_driver_host_find_domain_driver (host, def->type);
  g_autofree char *xml = NULL;

  if (!driver->complete)
    return g_steal_pointer (&def);
  xml = driver->complete (host, def, error);
  /* Parsed even when the driver added nothing: that parse is then the
   * round trip of what an edit stores (device-api.c). */
  return xml ? vb_domain_def_parse (xml, error) : NULL;
}

static VbResource *
new_resource (gpointer def, const char *driver, gboolean persistent)
{
  return VB_RESOURCE (vb_domain_new (def, driver, persistent));
}

static void
set_def (VbResource *resource, gpointer def)
{
  vb_domain_set_def (VB_DOMAIN (resource), def);
}

static gboolean
is_active (VbResource *resource)
{
  return vb_domain_is_active (VB_DOMAIN (resource));
}

static void
defined (VbResource *resource, gboolean is_new)
{
  vb_domain_emit_lifecycle (VB_DOMAIN (resource), "defined", is_new ? "added" : "updated");
}

static void
undefined (VbResource *resource)
{
  vb_domain_emit_lifecycle (VB_DOMAIN (resource), "undefined", "removed");
}

/* A transient guest with a mirror must stay transient: a persistent one
 * could be started again, and QEMU cannot restart with the mirror. */
static gboolean
check_define (VbResource *resource, GError **error)
{
  if (vb_resource_get_persistent (resource))
    return TRUE;
  return vb_domain_refuse_if_block_copy (VB_DOMAIN (resource),
                                         "Defining the transient domain (making it persistent)",
                                         NULL, error);
}

const VbDomainDriver *
vb_domain_api_driver (VbDriverHost *host, VbDomain *domain)
{
  return vb_driver_host_get_domain_driver (host, vb_resource_get_driver (VB_RESOURCE (domain)));
}

static void
loaded (VbDriverHost *host, VbResource *resource)
{
  const VbDomainDriver *driver = vb_domain_api_driver (host, VB_DOMAIN (resource));

  if (driver->domain_loaded)
    driver->domain_loaded (host, VB_DOMAIN (resource));
}

static void
removed (VbDriverHost *host, VbResource *resource)
{
  const VbDomainDriver *driver = vb_domain_api_driver (host, VB_DOMAIN (resource));

  if (driver && driver->domain_removed)
    driver->domain_removed (host, VB_DOMAIN (resource));
}

static const VbResourceKind *
kind (void)
{
  static VbResourceKind resolved = {
    .noun = "domain",
    .store_kind = "domains",
    .parse = parse_def,
    .free_def = (void (*) (gpointer)) vb_domain_def_free,
    .def_name = def_name,
    .def_uuid = def_uuid,
    .def_xml = def_xml,
    .select_driver = select_driver,
    .complete = complete,
    .new_resource = new_resource,
    .set_def = set_def,
    .is_active = is_active,
    .defined = defined,
    .undefined = undefined,
    .check_define = check_define,
    .loaded = loaded,
    .removed = removed,
  };

  /* GTypes are not constants: filled in on first use. */
  if (!resolved.type)
    resolved.type = VB_TYPE_DOMAIN;
  return &resolved;
}

const VbResourceKind *
vb_domain_api_kind (void)
{
  return kind ();
}

gboolean
vb_domain_api_require_active (VbDomain *domain, const char *action, GError **error)
{
  const char *name = vb_resource_get_name (VB_RESOURCE (domain));

  if (vb_domain_is_active (domain))
    return TRUE;
  if (action)
    g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                 "Cannot %s domain '%s': it is not running", action, name);
  else
    g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID, "Domain '%s' is not running", name);
  return FALSE;
}

gboolean
vb_domain_api_affected (VbDomain *domain, guint flags, const char *action, gboolean *live,
                        gboolean *config, GError **error)
{
  const char *name = vb_resource_get_name (VB_RESOURCE (domain));
  gboolean active = vb_domain_is_active (domain) && vb_domain_get_live_def (domain);

  *live = (flags & VB_DEVICE_AFFECT_LIVE) != 0;
  *config = (flags & VB_DEVICE_AFFECT_CONFIG) != 0;
  if (!*live && !*config)
    {
      *live = active;
      *config = !active;
    }
  if (*live && !active)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                   "Cannot %s domain '%s' live (flag LIVE): it is not running", action, name);
      return FALSE;
    }
  if (*config && !vb_resource_get_persistent (VB_RESOURCE (domain)))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                   "Cannot %s domain '%s' in its persistent definition (flag CONFIG): it is "
                   "transient",
                   action, name);
      return FALSE;
    }
  return TRUE;
}
