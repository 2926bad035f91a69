/* See qemu-throttle.h. The filters are the disk's top nodes
 * (qemu-command-throttle.c): a snapshot's overlay or a copy's pivot would
 * replace them in the device. Offline the command line puts them back
 * over whatever image the XML names, so only a running domain refuses. */
#include "qemu-throttle.h"

#include "vb-error.h"
#include "xml-schema.h"

gboolean
vb_qemu_throttle_refuse (VbDomain *domain, const char *what, GError **error)
{
  const VbDomainDef *def = vb_domain_get_live_def (domain);
  g_autoptr (xmlDoc) doc = def ? vb_xml_parse (def->xml, "domain", NULL) : NULL;
  xmlNode *devices = doc ? vb_xml_child (xmlDocGetRootElement (doc), "devices") : NULL;

  for (xmlNode *disk = vb_xml_child (devices, "disk"); disk; disk = vb_xml_next (disk, "disk"))
    if (vb_xml_child (vb_xml_child (disk, "throttlefilters"), "throttlefilter"))
      {
        g_autofree char *target = vb_xml_attr (vb_xml_child (disk, "target"), "dev");

        g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                     "Cannot %s running domain '%s': disk '%s' has <throttlefilters>, which the "
                     "new image would sit above",
                     what, vb_resource_get_name (VB_RESOURCE (domain)), target ? target : "?");
        return FALSE;
      }
  return TRUE;
}
