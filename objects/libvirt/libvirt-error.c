#include "libvirt-error.h"

#include <string.h>

#include "vb-error.h"

G_DEFINE_QUARK (vb - libvirt - error - quark, vb_lv_error)

GError *
vb_lv_error_new (const char *format, ...)
{
  va_list args;
  GError *error;

  va_start (args, format);
  error = g_error_new_valist (VB_LV_ERROR, 0, format, args);
  va_end (args);
  return error;
}

/* The prefixes of libvirt's virerror.c for the error numbers that match ours. */
static const char *
prefix_for (VbError code, const char *not_found)
{
  switch (code)
    {
    case VB_ERROR_NOT_FOUND:
      return not_found;
    case VB_ERROR_INVALID_ARGUMENT:
      return "invalid argument"; /* VIR_ERR_INVALID_ARG */
    case VB_ERROR_INVALID_XML:
      return "XML error"; /* VIR_ERR_XML_ERROR */
    case VB_ERROR_OPERATION_INVALID:
      return "Requested operation is not valid"; /* VIR_ERR_OPERATION_INVALID */
    case VB_ERROR_NOT_AUTHORIZED:
      return "access denied"; /* VIR_ERR_ACCESS_DENIED */
    case VB_ERROR_NOT_SUPPORTED:
      return "Operation not supported"; /* VIR_ERR_OPERATION_UNSUPPORTED */
    case VB_ERROR_BUSY:
      return "Timed out during operation"; /* VIR_ERR_OPERATION_TIMEOUT */
    case VB_ERROR_FAILED:
      break;
    }
  return "operation failed"; /* VIR_ERR_OPERATION_FAILED */
}

char *
vb_lv_error_message (const GError *error, const char *not_found)
{
  if (error->domain == VB_LV_ERROR)
    return g_strdup (error->message);
  if (error->domain == VB_ERROR)
    return g_strdup_printf ("%s: %s", prefix_for ((VbError) error->code, not_found),
                            error->message);
  return g_strdup_printf ("internal error: %s", error->message); /* VIR_ERR_INTERNAL_ERROR */
}

/* Connect's members that are libvirt functions of their own object kind
 * (DomainDefineXML is virDomainDefineXML); the rest are virConnect*. */
static const char *const object_prefixes[] = {
  "Domain",    "Network", "StoragePool", "StorageVol", "NodeDevice",
  "Interface", "Secret",  "NWFilter",    "Node",
};

char *
vb_lv_api_name (const char *interface, const char *member)
{
  if (strcmp (interface, "org.libvirt.Connect") == 0)
    {
      /* ListDomains, ListNetworks, ...: virConnectListAllDomains, ... */
      if (g_str_has_prefix (member, "List"))
        return g_strconcat ("virConnectListAll", member + strlen ("List"), NULL);
      for (guint i = 0; i < G_N_ELEMENTS (object_prefixes); i++)
        if (g_str_has_prefix (member, object_prefixes[i]))
          return g_strconcat ("vir", member, NULL);
      return g_strconcat ("virConnect", member, NULL);
    }
  if (g_str_has_prefix (interface, "org.libvirt."))
    return g_strconcat ("vir", interface + strlen ("org.libvirt."), member, NULL);
  return g_strconcat ("vir", member, NULL);
}
