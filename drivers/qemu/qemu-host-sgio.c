/* unpriv_sgio of a passed-through host SCSI device: see qemu-host-sgio.h.
 * Linux filters the SG_IO commands of a user without CAP_SYS_RAWIO (QEMU's
 * here) to a list of safe ones; a kernel with the per-device unpriv_sgio
 * (under /sys/dev/block/MAJOR:MINOR/queue) lets that filter be lifted for one
 * device. Newer kernels dropped the file: there the filter always applies,
 * so 'filtered' is what happens anyway and 'unfiltered' cannot be had. */
#include "qemu-host-sgio.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "vb-error.h"

void
vb_qemu_sgio_free (VbQemuSgio *sgio)
{
  if (!sgio)
    return;
  g_free (sgio->dev);
  g_free (sgio);
}

char *
vb_qemu_sgio_sysfs_path (const char *sysfs, const char *dev)
{
  struct stat st;

  if (stat (dev, &st) < 0 || !S_ISBLK (st.st_mode))
    return NULL;
  return g_strdup_printf ("%s/dev/block/%u:%u/queue/unpriv_sgio", sysfs, major (st.st_rdev),
                          minor (st.st_rdev));
}

static gboolean
write_value (const char *path, const char *value, GError **error)
{
  int fd = open (path, O_WRONLY | O_CLOEXEC);
  int saved;

  if (fd >= 0 && write (fd, value, 1) == 1)
    {
      close (fd);
      return TRUE;
    }
  saved = errno;
  if (fd >= 0)
    close (fd);
  g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "cannot write %s to %s: %s", value, path,
               g_strerror (saved));
  return FALSE;
}

gboolean
vb_qemu_host_set_sgio (GPtrArray *sgio, const char *sysfs, GError **error)
{
  for (guint i = 0; sgio && i < sgio->len; i++)
    {
      const VbQemuSgio *s = sgio->pdata[i];
      g_autofree char *path = vb_qemu_sgio_sysfs_path (sysfs, s->dev);

      if (path && g_file_test (path, G_FILE_TEST_EXISTS))
        {
          const char *want = s->unfiltered ? "1" : "0";
          g_autofree char *have = NULL;

          /* Written only when it differs: the default needs no privilege. */
          if (g_file_get_contents (path, &have, NULL, NULL)
              && g_str_equal (g_strstrip (have), want))
            continue;
          if (!write_value (path, want, error))
            return FALSE;
          continue;
        }
      /* Without the file the kernel filters: what 'filtered' asks. QEMU
       * says itself why it cannot open what is not a block device. */
      if (!s->unfiltered)
        continue;
      if (!path)
        g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                     "<disk> at line %ld: sgio='unfiltered' needs a host block device; %s is "
                     "none",
                     s->line, s->dev);
      else
        g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                     "<disk> at line %ld: sgio='unfiltered' needs the kernel's unpriv_sgio for "
                     "%s (%s), which this host's kernel does not have: it filters the SCSI "
                     "commands of unprivileged users always",
                     s->line, s->dev, path);
      return FALSE;
    }
  return TRUE;
}
