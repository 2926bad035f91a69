/* What the QEMU driver does on the host before a QEMU starts (its run
 * directory and the owner of it, the UEFI variable store, the taps and the
 * store handed over as fds), and the host facts the command-line builder asks for: the
 * builder itself (qemu-command.c) never touches the host. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memfd_create, F_ADD_SEALS */
#endif
#include "qemu-host.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "qemu-macvtap.h"
#include "qemu-tap.h"
#include "qemu-tap-ip.h"
#include "qemu-tap-isolated.h"
#include "vb-error.h"
#include "vb-open.h"

gboolean
vb_qemu_host_path_exists (const char *path)
{
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* The program's file holds its help text: an option it has is named
 * there. Read, never run (a few hundred KiB, at Start only); a bare name
 * (the default QEMU binary) is looked up in PATH. */
gboolean
vb_qemu_host_program_has (const char *program, const char *text)
{
  g_autofree char *contents = NULL;
  g_autofree char *found =
    g_path_is_absolute (program) ? g_strdup (program) : g_find_program_in_path (program);
  gsize length = 0;

  if (!found || !g_file_get_contents (found, &contents, &length, NULL))
    return FALSE;
  return memmem (contents, length, text, strlen (text)) != NULL;
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

/* The "pagesize=2M" of a hugetlbfs mount's options in KiB, 0 when absent. */
static guint64
mount_page_kib (const char *options)
{
  g_auto (GStrv) list = g_strsplit (options, ",", -1);

  for (guint i = 0; list[i]; i++)
    if (g_str_has_prefix (list[i], "pagesize="))
      {
        char *end = NULL;
        guint64 n = g_ascii_strtoull (list[i] + strlen ("pagesize="), &end, 10);

        if (g_str_equal (end, "K"))
          return n;
        if (g_str_equal (end, "M"))
          return n * 1024;
        if (g_str_equal (end, "G"))
          return n * 1024 * 1024;
      }
  return 0;
}

char *
vb_qemu_host_hugetlbfs_dir (guint64 page_kib)
{
  g_autofree char *mounts = NULL;
  g_auto (GStrv) lines = NULL;

  if (!g_file_get_contents ("/proc/mounts", &mounts, NULL, NULL))
    return NULL;
  lines = g_strsplit (mounts, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      g_auto (GStrv) fields = g_strsplit (lines[i], " ", -1);

      /* device, directory, type, options: the kernel always shows pagesize=. */
      if (g_strv_length (fields) >= 4 && g_str_equal (fields[2], "hugetlbfs")
          && mount_page_kib (fields[3]) == page_kib && !strchr (fields[1], '\\'))
        return g_strdup (fields[1]);
    }
  return NULL;
}

/* Whether @st, a file, can be read by @user by its mode bits alone. */
static gboolean
readable_by (const struct stat *st, const VbUser *user)
{
  if (st->st_uid == user->uid)
    return (st->st_mode & S_IRUSR) != 0;
  for (int i = 0; i < user->n_groups; i++)
    if (st->st_gid == user->groups[i])
      return (st->st_mode & S_IRGRP) != 0;
  return (st->st_mode & S_IROTH) != 0;
}

static gboolean
set_errno (GError **error, int saved, const char *what, const char *path)
{
  g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "%s %s: %s", what, path, g_strerror (saved));
  return FALSE;
}

int
vb_qemu_host_open_nvram_template (const char *from, const VbUser *user, GError **error)
{
  g_autoptr (GError) local = NULL;
  int in = vb_open_regular (AT_FDCWD, from, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, &local);
  struct stat st;

  if (in < 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "<nvram> template %s cannot be used: %s", from, local->message);
      return -1;
    }
  if (fstat (in, &st) < 0 || (user && !readable_by (&st, user)))
    {
      close (in);
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "<nvram> template %s is not readable by QEMU's user '%s'", from,
                   user ? user->name : "root");
      return -1;
    }
  return in;
}

int
vb_qemu_host_create_nvram (const char *nvram, const VbUser *user, GError **error)
{
  int out = open (nvram, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);

  if (out < 0)
    {
      set_errno (error, errno, "Cannot create the UEFI variable store", nvram);
      return -1;
    }
  if (user && fchown (out, user->uid, user->gid) < 0)
    {
      set_errno (error, errno, "Cannot give QEMU's user", nvram);
      close (out);
      unlink (nvram);
      return -1;
    }
  return out;
}

/* Copies the template @from into @nvram, a new file (never one that is
 * there, never through a symbolic link), owned by @user when QEMU runs as
 * one. The template must be a regular file @user could read itself: the
 * service reads it as root, and a template QEMU's user cannot read would
 * otherwise give the guest any file of the host. */
static gboolean
copy_nvram_template (const char *from, const char *nvram, const VbUser *user, GError **error)
{
  int in = vb_qemu_host_open_nvram_template (from, user, error);
  int out;
  gboolean ok = TRUE;
  char buffer[65536];
  ssize_t n;

  if (in < 0)
    return FALSE;
  out = vb_qemu_host_create_nvram (nvram, user, error);
  if (out < 0)
    {
      close (in);
      return FALSE;
    }
  while (ok && ((n = read (in, buffer, sizeof buffer)) > 0 || (n < 0 && errno == EINTR)))
    if (n > 0 && write (out, buffer, (size_t) n) != n)
      ok = set_errno (error, errno ? errno : ENOSPC, "Cannot write", nvram);
  if (ok && n < 0)
    ok = set_errno (error, errno, "Cannot read", from);
  close (in);
  if (close (out) < 0 && ok)
    ok = set_errno (error, errno, "Cannot write", nvram);
  if (!ok)
    unlink (nvram);
  return ok;
}

gboolean
vb_qemu_host_prepare_nvram (VbQemuCommand *command, const VbUser *user, GArray *fds,
                            GSubprocessLauncher *launcher, GError **error)
{
  g_autofree char *dir = NULL;
  int fd, target[2];

  if (!command->nvram_path)
    return TRUE;
  dir = g_path_get_dirname (command->nvram_path);
  /* Only the service's own store directory is made; elsewhere the
   * directory is the caller's choice and must exist. */
  if (command->nvram_in_store && g_mkdir_with_parents (dir, 0700) < 0)
    return set_errno (error, errno, "Cannot create", dir);
  if (!g_file_test (command->nvram_path, G_FILE_TEST_EXISTS)
      && !copy_nvram_template (command->nvram_template, command->nvram_path, user, error))
    return FALSE;
  if (!command->nvram_in_store)
    return TRUE; /* QEMU opens it by its path, as its own user */
  /* The store directory is the service's (mode 0700, in the state
   * directory): QEMU gets the store itself, opened here, and nothing else of it. */
  for (int i = 0; i < 2; i++)
    {
      fd = vb_open_regular (AT_FDCWD, command->nvram_path,
                            (i == 0 ? O_RDWR : O_RDONLY) | O_NOFOLLOW | O_CLOEXEC, error);
      if (fd < 0)
        return FALSE;
      target[i] = 3 + (int) fds->len;
      g_array_append_val (fds, fd);
      g_subprocess_launcher_take_fd (launcher, dup (fd), target[i]);
    }
  vb_qemu_command_use_nvram_fds (command, target[0], target[1]);
  return TRUE;
}

gboolean
vb_qemu_host_make_run_dir (const char *dir, const VbUser *user, GError **error)
{
  g_autofree char *parent = g_path_get_dirname (dir);
  g_autofree char *top = g_path_get_dirname (parent);

  if (g_mkdir_with_parents (dir, 0700) < 0)
    return set_errno (error, errno, "Cannot create", dir);
  if (!user)
    return TRUE;
  /* QEMU's user must reach its own directory, and only search (not list)
   * the ones above it: <run-dir> and <run-dir>/qemu are mode 0711. */
  if (chmod (top, 0711) < 0 || chmod (parent, 0711) < 0)
    return set_errno (error, errno, "Cannot open the way to", dir);
  if (chown (dir, user->uid, user->gid) < 0)
    return set_errno (error, errno, "Cannot give QEMU's user", dir);
  return TRUE;
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

/* Replaces @placeholder in argv by @number. */
static void
put_fd_numbers (GPtrArray *argv, const char *placeholder, const char *number)
{
  for (guint a = 0; a < argv->len && argv->pdata[a]; a++)
    if (strstr (argv->pdata[a], placeholder))
      {
        GString *arg = g_string_new (argv->pdata[a]);

        g_string_replace (arg, placeholder, number, 1);
        g_free (argv->pdata[a]);
        argv->pdata[a] = g_string_free (arg, FALSE);
      }
}

/* The other queues of a tap or macvtap, if it has several, whose first is
 * QEMU's descriptor number @first_target: appended to @fds, and all their
 * numbers put in argv as "N" or "N:N+1:..." (the fd= or fds= of a tap
 * netdev). */
static gboolean
open_more_queues (VbQemuCommand *command, VbQemuTap *tap, int first_target, GArray *fds,
                  GError **error)
{
  g_autoptr (GString) numbers = g_string_new (NULL);

  g_string_printf (numbers, "%d", first_target);
  for (guint q = 1; q < tap->queues; q++)
    {
      int fd = tap->macvtap_dev
                 ? vb_macvtap_open_queue (tap->ifname, tap->macvtap_index, error)
                 : vb_tap_open_queue (tap->tun_path, tap->ifname, tap->existing, error);

      if (fd < 0)
        return FALSE;
      g_string_append_printf (numbers, ":%d", 3 + (int) fds->len);
      g_array_append_val (fds, fd);
    }
  put_fd_numbers (command->argv, tap->fd_arg, numbers->str);
  return TRUE;
}

/* <backend vhost>: one descriptor of the vhost-net device per queue. */
static gboolean
open_vhost (VbQemuCommand *command, VbQemuTap *tap, GArray *fds, GError **error)
{
  g_autoptr (GString) numbers = g_string_new (NULL);

  for (guint q = 0; q < MAX (tap->queues, 1); q++)
    {
      int fd = vb_tap_open_device (tap->vhost_path, "vhost-net", "<backend vhost>", error);

      if (fd < 0)
        return FALSE;
      g_string_append_printf (numbers, "%s%d", q ? ":" : "", 3 + (int) fds->len);
      g_array_append_val (fds, fd);
    }
  put_fd_numbers (command->argv, tap->vhost_fd_arg, numbers->str);
  return TRUE;
}

gboolean
vb_qemu_host_open_taps (VbQemuCommand *command, GArray *fds, GSubprocessLauncher *launcher,
                        GError **error)
{
  guint first = fds->len;

  for (guint i = 0; i < command->taps->len; i++)
    {
      VbQemuTap *tap = command->taps->pdata[i];
      int fd;

      if (tap->macvtap_dev)
        {
          /* type='direct': the link gets its name (macvtapN) here. */
          g_autofree char *made = NULL;

          fd = vb_macvtap_create (tap->ifname, tap->macvtap_dev, tap->macvtap_mode, tap->mac, &made,
                                  &tap->macvtap_index, error);
          if (fd >= 0)
            {
              g_free (tap->ifname);
              tap->ifname = g_steal_pointer (&made);
              tap->macvtap_made = TRUE;
            }
        }
      else
        fd = tap->existing
               ? vb_tap_open_existing (tap->ifname, tap->tun_path, tap->queues > 1, error)
               : vb_tap_create_via (tap->tun_path, tap->ifname, tap->ovs ? NULL : tap->bridge,
                                    tap->mac, tap->queues > 1, error);

      if (fd < 0)
        return FALSE;
      g_array_append_val (fds, fd);
      if (!open_more_queues (command, tap, 3 + (int) fds->len - 1, fds, error))
        return FALSE;
      if (tap->mtu
          && !(tap->existing ? vb_tap_check_mtu (tap->ifname, tap->mtu, error)
                             : vb_tap_set_mtu (tap->ifname, tap->mtu, error)))
        return FALSE;
      if (tap->rx_frames >= 0 && !vb_tap_set_rx_frames (tap->ifname, (guint) tap->rx_frames, error))
        return FALSE;
      if (tap->isolated && !vb_tap_set_isolated (tap->ifname, error))
        return FALSE;
      /* <source><ip> first: a <route>'s gateway is reached through them. */
      for (guint j = 0; tap->host_ips && j < tap->host_ips->len; j++)
        {
          VbQemuTapIp *ip = tap->host_ips->pdata[j];

          if (!ip->gateway
              && !vb_tap_add_address (tap->ifname, ip->address, ip->peer, ip->prefix, error))
            return FALSE;
        }
      for (guint j = 0; tap->host_ips && j < tap->host_ips->len; j++)
        {
          VbQemuTapIp *ip = tap->host_ips->pdata[j];

          if (ip->gateway
              && !vb_tap_add_route (tap->ifname, ip->address, ip->prefix, ip->gateway, error))
            return FALSE;
        }
      /* <backend vhost>: QEMU gets the device the service opened. */
      if (tap->vhost_path && !open_vhost (command, tap, fds, error))
        return FALSE;
    }
  for (guint i = first; i < fds->len; i++)
    {
      /* The launcher owns a duplicate; ours are closed when the start ends. */
      g_subprocess_launcher_take_fd (launcher, dup (g_array_index (fds, int, i)), 3 + (int) i);
    }
  return TRUE;
}

/* A sealed memfd holding @value: QEMU reopens it by /proc/self/fd/N (a
 * secret object's file=), and nothing can change it after. */
static int
secret_memfd (GBytes *value, GError **error)
{
  gsize len = 0;
  const char *data = g_bytes_get_data (value, &len);
  int fd = memfd_create ("vb-secret", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  gsize done = 0;

  if (fd < 0)
    return set_errno (error, errno, "Cannot create", "a memfd for a secret"), -1;
  while (done < len)
    {
      ssize_t n = write (fd, data + done, len - done);

      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          set_errno (error, n < 0 ? errno : ENOSPC, "Cannot write", "a secret's memfd");
          close (fd);
          return -1;
        }
      done += (gsize) n;
    }
  if (fcntl (fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
    {
      set_errno (error, errno, "Cannot seal", "a secret's memfd");
      close (fd);
      return -1;
    }
  return fd;
}

gboolean
vb_qemu_host_pass_secrets (VbQemuCommand *command, GArray *fds, GSubprocessLauncher *launcher,
                           GError **error)
{
  GPtrArray *argv = command->argv;

  for (guint i = 0; i < command->secrets->len; i++)
    {
      VbQemuSecret *secret = command->secrets->pdata[i];
      g_autofree char *number = NULL;
      int fd, target;

      if (!secret->value)
        {
          g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "No value for %s", secret->id);
          return FALSE;
        }
      fd = secret_memfd (secret->value, error);
      if (fd < 0)
        return FALSE;
      target = 3 + (int) fds->len;
      g_array_append_val (fds, fd);
      g_subprocess_launcher_take_fd (launcher, dup (fd), target);
      number = g_strdup_printf ("%d", target);
      for (guint a = 0; a < argv->len && argv->pdata[a]; a++)
        if (strstr (argv->pdata[a], secret->fd_arg))
          {
            GString *arg = g_string_new (argv->pdata[a]);

            g_string_replace (arg, secret->fd_arg, number, 1);
            g_free (argv->pdata[a]);
            argv->pdata[a] = g_string_free (arg, FALSE);
          }
    }
  return TRUE;
}
