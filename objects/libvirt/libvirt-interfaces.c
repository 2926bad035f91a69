#include "libvirt-interfaces.h"

#include "vb-libvirt-resources.h"

#define RESOURCE_PREFIX "/org/virtbus/libvirt/"

static GHashTable *infos; /* interface name → GDBusInterfaceInfo */

GDBusInterfaceInfo *
vb_lv_interface_info (const char *name)
{
  GDBusInterfaceInfo *info;

  if (!infos)
    infos = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                   (GDestroyNotify) g_dbus_interface_info_unref);
  info = g_hash_table_lookup (infos, name);
  if (!info)
    {
      g_autofree char *resource = g_strconcat (RESOURCE_PREFIX, name, ".xml", NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (GBytes) bytes = g_resource_lookup_data (vb_libvirt_get_resource (), resource,
                                                         G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
      g_autoptr (GDBusNodeInfo) node = NULL;

      if (bytes)
        node = g_dbus_node_info_new_for_xml (g_bytes_get_data (bytes, NULL), &error);
      if (!node)
        g_error ("interface %s: %s", name, error->message);
      info = g_dbus_node_info_lookup_interface (node, name);
      if (!info)
        g_error ("%s does not declare %s", resource, name);
      g_dbus_interface_info_cache_build (info);
      g_hash_table_insert (infos, g_strdup (name), g_dbus_interface_info_ref (info));
    }
  return info;
}
