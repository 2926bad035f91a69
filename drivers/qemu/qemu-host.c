/* What the QEMU driver does on the host before a QEMU starts (its run
 * directory and the owner of it, the UEFI variable store, the taps handed
 * over as fds), and the host facts the command-line builder asks for: the
 * builder itself (qemu-command.c) never touches the host. */
#include "qemu-host.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <string.h>
#include <unistd.h>

#include "qemu-tap.h"
#include "vb-error.h"

gboolean
vb_qemu_host_path_exists (const char *path)
{
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

int
vb_qemu_host_free_tcp_port (int from)
{
  for (int port = from; port < from + 1000; port++)
    {
      g_autoptr (GSocket) socket =
        g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
      g_autoptr (GInetAddress) any = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
      g_autoptr (GSocketAddress) address = g_inet_socket_address_new (any, port);

      if (socket && g_socket_bind (socket, address, FALSE, NULL))
        return port;
    }
  return -1;
}

static gboolean
copy_nvram_template (const char *template, const char *nvram, GError **error)
{
  g_autoptr (GFile) from = g_file_new_for_path (template);
  g_autoptr (GFile) to = g_file_new_for_path (nvram);
  g_autofree char *dir = g_path_get_dirname (nvram);

  if (g_file_test (nvram, G_FILE_TEST_EXISTS))
    return TRUE;
  g_mkdir_with_parents (dir, 0700);
  return g_file_copy (from, to, G_FILE_COPY_NONE, NULL, NULL, NULL, error);
}

gboolean
vb_qemu_host_create_nvram (const VbQemuCommand *command, GError **error)
{
  if (!command->nvram_path)
    return TRUE;
  return copy_nvram_template (command->nvram_template, command->nvram_path, error);
}

static gboolean
chown_for_qemu (const char *path, const char *user, GError **error)
{
  struct passwd *pw = getpwnam (user);

  if (!pw)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED,
                   "The user '%s' that QEMU runs as does not exist (configure qemu_user)", user);
      return FALSE;
    }
  if (chown (path, pw->pw_uid, pw->pw_gid) < 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot give %s to %s: %s", path, user,
                   g_strerror (errno));
      return FALSE;
    }
  return TRUE;
}

gboolean
vb_qemu_host_make_run_dir (const char *dir, const char *user, GError **error)
{
  if (g_mkdir_with_parents (dir, 0700) < 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot create %s: %s", dir,
                   g_strerror (errno));
      return FALSE;
    }
  return !user || chown_for_qemu (dir, user, error);
}

int
vb_qemu_host_create_in_run_dir (const char *dir, const char *name)
{
  int dir_fd = open (dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  int fd, saved;

  if (dir_fd < 0)
    return -1;
  fd = openat (dir_fd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_APPEND | O_CLOEXEC, 0600);
  saved = errno;
  close (dir_fd);
  errno = saved;
  return fd;
}

gboolean
vb_qemu_host_open_taps (VbQemuCommand *command, GArray *fds, GSubprocessLauncher *launcher,
                        GError **error)
{
  GPtrArray *argv = command->argv;

  for (guint i = 0; i < command->taps->len; i++)
    {
      VbQemuTap *tap = command->taps->pdata[i];
      int fd = vb_tap_create (tap->ifname, tap->bridge, tap->mac, error);
      int target = 3 + (int) i;

      if (fd < 0)
        return FALSE;
      g_array_append_val (fds, fd);
      for (guint a = 0; a < argv->len && argv->pdata[a]; a++)
        if (strstr (argv->pdata[a], tap->fd_arg))
          {
            GString *arg = g_string_new (argv->pdata[a]);
            g_autofree char *number = g_strdup_printf ("%d", target);
            g_string_replace (arg, tap->fd_arg, number, 1);
            g_free (argv->pdata[a]);
            argv->pdata[a] = g_string_free (arg, FALSE);
          }
    }
  for (guint i = 0; i < fds->len; i++)
    {
      /* The launcher owns a duplicate; ours are closed when the start ends. */
      g_subprocess_launcher_take_fd (launcher, dup (g_array_index (fds, int, i)), 3 + (int) i);
    }
  return TRUE;
}
