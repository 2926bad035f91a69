#include "object-paths.h"

#include <gio/gio.h>
#include <string.h>

char *
vb_object_path_for (const char *kind, const char *uuid)
{
  char *path = g_strconcat (VB_MANAGER_PATH "/", kind, "/", uuid, NULL);

  /* Only the UUID's dashes: made several times per object at start-up,
   * without printf. */
  g_strdelimit (path + strlen (path) - strlen (uuid), "-", '_');
  return path;
}

char *
vb_object_path_for_volume (const char *pool_uuid, const char *volume_name)
{
  g_autofree char *pool = vb_object_path_for ("pool", pool_uuid);
  g_autofree char *element = g_dbus_escape_object_path (volume_name);

  return g_strdup_printf ("%s/volume/%s", pool, element);
}

char *
vb_object_path_for_snapshot (const char *domain_uuid, const char *snapshot_name)
{
  g_autofree char *domain = vb_object_path_for ("domain", domain_uuid);
  g_autofree char *element = g_dbus_escape_object_path (snapshot_name);

  return g_strdup_printf ("%s/snapshot/%s", domain, element);
}

char *
vb_object_path_for_job (guint id)
{
  return g_strdup_printf (VB_MANAGER_PATH "/job/%u", id);
}

char *
vb_uuid_normalize (const char *uuid)
{
  if (!uuid || !g_uuid_string_is_valid (uuid))
    return NULL;
  return g_ascii_strdown (uuid, -1);
}
