/* Passing a domain's fd groups to QEMU: the "-add-fd fd=@FDGROUPi@,set=S"
 * the command has for group i becomes one -add-fd for each descriptor the
 * client associated, numbered as QEMU inherits it. */
#include "qemu-host-fdgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "domain-fdgroups.h"
#include "vb-error.h"

/* A qcow2 image whose header names a backing file: QEMU opens an image
 * from an fd group without it (its header is the client's), so the guest
 * would see zeros where the backing file has data. Refused instead. The
 * header: magic "QFI\xfb", version, then the backing file's offset (big
 * endian, 0: none). Read with pread: the descriptor's offset is shared. */
static gboolean
has_backing_file (int fd)
{
  guint8 header[16];

  if (pread (fd, header, sizeof header, 0) != (ssize_t) sizeof header
      || memcmp (header, "QFI\xfb", 4) != 0)
    return FALSE;
  for (guint i = 8; i < 16; i++)
    if (header[i])
      return TRUE;
  return FALSE;
}

gboolean
vb_qemu_host_pass_fdgroups (VbQemuCommand *command, VbDomain *domain, GArray *fds,
                            GSubprocessLauncher *launcher, GError **error)
{
  GPtrArray *argv = command->argv;

  for (guint g = 0; g < command->fdgroups->len; g++)
    {
      const char *name = command->fdgroups->pdata[g];
      GArray *group = vb_domain_fdgroup_get (domain, name);
      g_autofree char *placeholder = g_strdup_printf ("fd=@FDGROUP%u@,", g);
      guint at = 0;

      if (!group)
        {
          g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                       "<disk> <source fdgroup='%s'>: no descriptors are associated with the "
                       "group '%s' (Domain.FDAssociate before Start; the service forgets them "
                       "when it restarts)",
                       name, name);
          return FALSE;
        }
      while (at < argv->len && argv->pdata[at] && !g_str_has_prefix (argv->pdata[at], placeholder))
        at++;
      g_return_val_if_fail (at < argv->len && argv->pdata[at] && at > 0, FALSE);
      for (guint i = 0; i < group->len; i++)
        {
          int fd = fcntl (g_array_index (group, int, i), F_DUPFD_CLOEXEC, 3);
          int target = 3 + (int) fds->len;
          g_autofree char *value = NULL;

          if (g_array_index (command->fdgroup_qcow2, gboolean, g)
              && has_backing_file (g_array_index (group, int, i)))
            {
              g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                           "<disk> <source fdgroup='%s'>: descriptor %u is a qcow2 image with a "
                           "backing file, which QEMU does not open for an image from an fd "
                           "group; hand over a standalone image",
                           name, i);
              if (fd >= 0)
                close (fd);
              return FALSE;
            }
          if (fd < 0)
            {
              g_set_error (error, VB_ERROR, VB_ERROR_FAILED,
                           "Cannot pass fd group '%s' to QEMU: %s", name, g_strerror (errno));
              return FALSE;
            }
          g_array_append_val (fds, fd);
          g_subprocess_launcher_take_fd (launcher, dup (fd), target);
          value = g_strdup_printf ("fd=%d,set=%u,opaque=fdgroup%u-%u", target,
                                   VB_QEMU_FDGROUP_FIRST_SET + g, g, i);
          if (i == 0)
            {
              g_free (argv->pdata[at]);
              argv->pdata[at] = g_steal_pointer (&value);
            }
          else
            {
              /* After the previous one: "-add-fd" then its value. */
              g_ptr_array_insert (argv, (gint) (at + 2 * i - 1), g_strdup ("-add-fd"));
              g_ptr_array_insert (argv, (gint) (at + 2 * i), g_steal_pointer (&value));
            }
        }
    }
  return TRUE;
}
