/* <interface><virtualport>: see domain-virtualport.h. */
#include "domain-virtualport.h"

#include <string.h>

#include "xml-schema.h"

static const struct {
  const char *type;
  const char *const params[5];
} port_types[] = {
  { "openvswitch", { "interfaceid", "profileid", NULL } },
  { "802.1Qbg", { "managerid", "typeid", "typeidversion", "instanceid", NULL } },
  { "802.1Qbh", { "profileid", "instanceid", NULL } },
};

/* A profile name reaches ovs-vsctl or a switch as one value: letters,
 * digits and . _ - only (libvirt allows up to 39 characters). */
static gboolean
plain_profile (const char *value)
{
  if (!*value || strlen (value) > 39)
    return FALSE;
  for (const char *c = value; *c; c++)
    if (!g_ascii_isalnum (*c) && !strchr ("._-", *c))
      return FALSE;
  return TRUE;
}

static gboolean
check_port (xmlNode *port, GError **error)
{
  g_autofree char *type = vb_xml_attr (port, "type");
  xmlNode *params = vb_xml_child (port, "parameters");
  const char *const *allowed = NULL;

  for (guint i = 0; i < G_N_ELEMENTS (port_types); i++)
    if (g_strcmp0 (type, port_types[i].type) == 0)
      allowed = port_types[i].params;
  if (!allowed)
    return vb_xml_invalid (error, port, "virtualport type '%s' is not known", type ? type : "");
  for (xmlAttr *attr = params ? params->properties : NULL; attr; attr = attr->next)
    {
      const char *name = (const char *) attr->name;
      g_autofree char *value = vb_xml_attr (params, name);

      if (!g_strv_contains (allowed, name))
        return vb_xml_invalid (error, params, "%s is not a parameter of a %s port", name, type);
      if ((g_str_equal (name, "interfaceid") || g_str_equal (name, "instanceid"))
          && !g_uuid_string_is_valid (value))
        return vb_xml_invalid (error, params, "%s='%s' is not a UUID", name, value);
      if (g_str_equal (name, "profileid") && !plain_profile (value))
        return vb_xml_invalid (error, params,
                               "profileid='%s' is not a profile name (letters, digits, '.', '_', "
                               "'-'; 39 at most)",
                               value);
    }
  /* 802.1Qbg's VSI type is 24 bits, its manager and version 8. */
  if (params && g_str_equal (type, "802.1Qbg"))
    {
      if (vb_xml_attr_uint (params, "managerid", 0) > 255
          || vb_xml_attr_uint (params, "typeid", 0) > 0xffffff
          || vb_xml_attr_uint (params, "typeidversion", 0) > 255)
        return vb_xml_invalid (
          error, params, "802.1Qbg's managerid and typeidversion are 0-255, typeid 0-16777215");
    }
  if (g_str_equal (type, "openvswitch") && !(params && xmlHasProp (params, BAD_CAST "interfaceid")))
    {
      g_autofree char *uuid = g_uuid_string_random ();

      if (!params)
        params = xmlNewChild (port, NULL, BAD_CAST "parameters", NULL);
      xmlSetProp (params, BAD_CAST "interfaceid", BAD_CAST uuid);
    }
  return TRUE;
}

gboolean
vb_domain_check_virtualports (xmlNode *root, GError **error)
{
  xmlNode *devices = vb_xml_child (root, "devices");

  for (xmlNode *iface = devices ? vb_xml_child (devices, "interface") : NULL; iface;
       iface = vb_xml_next (iface, "interface"))
    {
      xmlNode *port = vb_xml_child (iface, "virtualport");

      if (port && !check_port (port, error))
        return FALSE;
    }
  return TRUE;
}
