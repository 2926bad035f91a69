/* Seeds, time budgets and error classes of the chaos programs: see
 * vb-chaos.h. */
#include "vb-chaos.h"

#include <stdlib.h>

#include "vb-test-names.h"

guint32
vb_chaos_seed (const char *program)
{
  const char *text = g_getenv ("VB_CHAOS_SEED");
  guint32 seed;

  if (text && *text)
    seed = (guint32) g_ascii_strtoull (text, NULL, 0);
  else
    seed = g_random_int ();
  g_print ("%s: seed %u (replay with VB_CHAOS_SEED=%u)\n", program, seed, seed);
  return seed;
}

guint
vb_chaos_seconds (guint default_s)
{
  const char *text = g_getenv ("VB_CHAOS_SECONDS");
  guint64 seconds = text && *text ? g_ascii_strtoull (text, NULL, 10) : 0;

  return seconds > 0 ? (guint) seconds : default_s;
}

char *
vb_chaos_error_name (const GError *error)
{
  char *remote;

  if (!error)
    return g_strdup ("(none)");
  remote = g_dbus_error_get_remote_error (error);
  if (remote)
    return remote;
  return g_strdup_printf ("%s#%d", g_quark_to_string (error->domain), error->code);
}

VbChaosOutcome
vb_chaos_classify (const GError *error)
{
  g_autofree char *remote = NULL;

  if (!error)
    return VB_CHAOS_OK;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT))
    return VB_CHAOS_TIMEOUT;
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CLOSED))
    return VB_CHAOS_LOST;
  remote = g_dbus_error_get_remote_error (error);
  if (!remote)
    return VB_CHAOS_FOREIGN;
  if (g_str_has_prefix (remote, ERROR_PREFIX))
    return VB_CHAOS_REFUSED;
  if (g_str_equal (remote, "org.freedesktop.DBus.Error.ServiceUnknown")
      || g_str_equal (remote, "org.freedesktop.DBus.Error.NameHasNoOwner"))
    return VB_CHAOS_UNDELIVERED;
  if (g_str_equal (remote, "org.freedesktop.DBus.Error.NoReply")
      || g_str_equal (remote, "org.freedesktop.DBus.Error.Disconnected"))
    return VB_CHAOS_LOST;
  if (g_str_equal (remote, "org.freedesktop.DBus.Error.Timeout"))
    return VB_CHAOS_TIMEOUT;
  return VB_CHAOS_FOREIGN;
}

static void
find_files (const char *dir, const char *suffix, GString *found)
{
  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  const char *entry;

  while (listing && (entry = g_dir_read_name (listing)))
    {
      g_autofree char *path = g_build_filename (dir, entry, NULL);

      if (g_str_has_suffix (entry, suffix))
        g_string_append_printf (found, "%s\n", path);
      if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        find_files (path, suffix, found);
    }
}

char *
vb_chaos_find_files (const char *dir, const char *suffix)
{
  GString *found = g_string_new (NULL);

  find_files (dir, suffix, found);
  return g_string_free (found, FALSE);
}
