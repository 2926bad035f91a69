/* The checks of Domain.FDAssociate. The descriptors are the caller's own
 * open files: nothing is opened for it, so the authority is that of
 * defining the domain (docs/authorization.md); a descriptor QEMU could not
 * use as a disk image (a socket, a pipe, a directory, a device other than
 * a block device) is refused here rather than at Start. */
#include "fd-associate-api.h"

#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domain-fdgroups.h"
#include "vb-error.h"

#define NAME_MAX_BYTES 256

static void
fds_close (GArray *fds)
{
  for (guint i = 0; i < fds->len; i++)
    close (g_array_index (fds, int, i));
  g_array_unref (fds);
}

gboolean
vb_domain_api_fd_associate (VbDomain *domain, const char *name, GArray *fds, guint flags,
                            GError **error)
{
  if (flags != 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                   "FDAssociate takes no flags: libvirt's SECLABEL_RESTORE and "
                   "SECLABEL_WRITABLE are about security labels, which virtbus does not set");
      fds_close (fds);
      return FALSE;
    }
  if (!name[0] || strlen (name) > NAME_MAX_BYTES)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                   "An fd group's name has 1 to %d bytes", NAME_MAX_BYTES);
      fds_close (fds);
      return FALSE;
    }
  if (fds->len == 0 || fds->len > VB_FDGROUP_MAX_FDS)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                   "An fd group holds 1 to %d descriptors, not %u", VB_FDGROUP_MAX_FDS, fds->len);
      fds_close (fds);
      return FALSE;
    }
  for (guint i = 0; i < fds->len; i++)
    {
      struct stat st;

      if (fstat (g_array_index (fds, int, i), &st) < 0
          || !(S_ISREG (st.st_mode) || S_ISBLK (st.st_mode)))
        {
          g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                       "Descriptor %u of fd group '%s' is not a regular file or a block device", i,
                       name);
          fds_close (fds);
          return FALSE;
        }
    }
  /* Each is an open file of the service's: a caller must not use up the
   * table every guest, socket and file shares. */
  if (!vb_domain_fdgroup_fits (domain, name, fds->len))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                   "The fd groups of all domains hold at most %d descriptors: replace or "
                   "forget (undefine) others first",
                   VB_FDGROUPS_MAX_HELD);
      fds_close (fds);
      return FALSE;
    }
  vb_domain_fdgroup_set (domain, name, fds);
  return TRUE;
}
