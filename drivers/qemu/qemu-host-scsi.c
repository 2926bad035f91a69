#include "qemu-host-scsi.h"

#include <string.h>

char *
vb_qemu_host_scsi_generic (const char *address)
{
  g_autofree char *dir = NULL;
  g_autoptr (GDir) listing = NULL;
  const char *entry;

  /* The builder made it of four numbers: nothing that climbs out of sysfs. */
  if (!address || strspn (address, "0123456789:") != strlen (address))
    return NULL;
  dir = g_build_filename ("/sys/bus/scsi/devices", address, "scsi_generic", NULL);
  listing = g_dir_open (dir, 0, NULL);
  while (listing && (entry = g_dir_read_name (listing)))
    if (g_str_has_prefix (entry, "sg") && strspn (entry + 2, "0123456789") == strlen (entry + 2)
        && entry[2])
      return g_build_filename ("/dev", entry, NULL);
  return NULL;
}
