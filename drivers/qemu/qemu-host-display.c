/* The host's answers for displays at Start (VbQemuCommandContext's
 * render_node and desktop_session): a DRM render node QEMU's user can open,
 * the desktop session the service runs in. */
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "qemu-domain-private.h"
#include "qemu-host-display.h"
#include "vb-error.h"

#define DRM_MAJOR 226

/* Whether @user (NULL: the service's own) may read and write @st, by its
 * mode bits (ACLs are not looked at). */
static gboolean
user_may_open (const struct stat *st, const VbUser *user)
{
  if (!user || user->uid == 0)
    return TRUE;
  if (st->st_uid == user->uid)
    return (st->st_mode & 0600) == 0600;
  if (st->st_gid == user->gid)
    return (st->st_mode & 0060) == 0060;
  for (int i = 0; i < user->n_groups; i++)
    if (st->st_gid == user->groups[i])
      return (st->st_mode & 0060) == 0060;
  return (st->st_mode & 0006) == 0006;
}

/* NULL with why, or @path if it is a DRM device QEMU's user may open. */
static char *
check_node (const char *path, const VbUser *user, GError **error)
{
  struct stat st;
  const char *name = user ? user->name : g_get_user_name ();

  /* A DRM device only: never a disk or another device a caller names. */
  if (stat (path, &st) < 0 || !S_ISCHR (st.st_mode) || major (st.st_rdev) != DRM_MAJOR)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "OpenGL needs a render node of a host GPU, and %s is none on this host", path);
      return NULL;
    }
  if (!user_may_open (&st, user))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "QEMU's user %s may not open the render node %s", name, path);
      return NULL;
    }
  return g_strdup (path);
}

char *
vb_qemu_host_render_node (const char *wanted, GError **error)
{
  g_autoptr (VbUser) user = NULL;

  if (!vb_qemu_lookup_user (&user, error))
    return NULL;
  return vb_qemu_host_render_node_for (wanted, user, error);
}

char *
vb_qemu_host_render_node_for (const char *wanted, const VbUser *user, GError **error)
{
  g_autoptr (GDir) dir = NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (wanted)
    return check_node (wanted, user, error);
  dir = g_dir_open ("/dev/dri", 0, NULL);
  while (dir && (name = g_dir_read_name (dir)))
    if (g_str_has_prefix (name, "renderD"))
      g_ptr_array_add (names, g_build_filename ("/dev/dri", name, NULL));
  if (names->len == 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "OpenGL needs a render node of a host GPU (/dev/dri/renderD*): this host "
                   "has none");
      return NULL;
    }
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  for (guint i = 0; i < names->len; i++)
    {
      char *path = check_node (names->pdata[i], user, i + 1 == names->len ? error : NULL);

      if (path)
        return path;
    }
  return NULL;
}

char **
vb_qemu_host_desktop_session (GError **error)
{
  static const char *const names[] = { "DISPLAY", "WAYLAND_DISPLAY", "XAUTHORITY",
                                       "XDG_RUNTIME_DIR" };
  g_autoptr (GPtrArray) env = g_ptr_array_new_with_free_func (g_free);

  if (!g_getenv ("DISPLAY") && !g_getenv ("WAYLAND_DISPLAY"))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "an sdl display is a window on the host's desktop, and the service has no "
                   "desktop session (neither DISPLAY nor WAYLAND_DISPLAY is set for it)");
      return NULL;
    }
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_getenv (names[i]))
      g_ptr_array_add (env, g_strdup_printf ("%s=%s", names[i], g_getenv (names[i])));
  g_ptr_array_add (env, NULL);
  return (char **) g_ptr_array_free (g_steal_pointer (&env), FALSE);
}
