/* SR-IOV VFs of <interface type='hostdev'>: the MAC address and VLAN tag
 * are properties of the VF that its physical function's driver holds, set
 * with `ip link set dev PF vf N mac … vlan …` before QEMU opens the VF, so
 * the guest's driver sees them and cannot change them. Every value on that
 * command line is checked: the PF's name comes from sysfs and must be an
 * interface name, the MAC six hex pairs (the builder), the index and tag
 * numbers. */
#include "qemu-host-vf.h"

#include <string.h>

#include "vb-error.h"

static gboolean
interface_name (const char *name)
{
  if (!name || !*name || strlen (name) > 15)
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!g_ascii_isalnum (*p) && !strchr ("._-", *p))
      return FALSE;
  return TRUE;
}

gboolean
vb_qemu_vf_lookup (const char *sysfs, const char *pci, char **pf_ifname, guint *index,
                   GError **error)
{
  g_autofree char *physfn = g_build_filename (sysfs, "bus/pci/devices", pci, "physfn", NULL);
  g_autofree char *net = g_build_filename (physfn, "net", NULL);
  g_autofree char *driver = g_build_filename (sysfs, "bus/pci/devices", pci, "driver", NULL);
  g_autofree char *driver_target = g_file_read_link (driver, NULL);
  g_autofree char *driver_name = driver_target ? g_path_get_basename (driver_target) : NULL;
  g_autoptr (GDir) dir = NULL;
  g_autofree char *name = NULL;
  const char *entry;

  if (!g_file_test (physfn, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "PCI device %s is not an SR-IOV virtual function (it has no physfn)", pci);
      return FALSE;
    }
  /* The PF's driver changes the VF for whoever holds it: only a VF already
   * given to vfio-pci is a guest's, never one a host interface (iavf) or
   * no driver yet has. */
  if (g_strcmp0 (driver_name, "vfio-pci") != 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "VF %s is not bound to vfio-pci (driver %s): virtbus does not rebind host "
                   "devices, and sets the MAC and VLAN only of a VF a guest can have",
                   pci, driver_name ? driver_name : "none");
      return FALSE;
    }
  dir = g_dir_open (net, 0, NULL);
  while (dir && (entry = g_dir_read_name (dir)))
    {
      if (name)
        {
          g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                       "the physical function of %s has several network interfaces", pci);
          return FALSE;
        }
      name = g_strdup (entry);
    }
  if (!interface_name (name))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "the physical function of %s has no network interface to set its MAC on", pci);
      return FALSE;
    }
  g_clear_pointer (&dir, g_dir_close);
  dir = g_dir_open (physfn, 0, NULL);
  while (dir && (entry = g_dir_read_name (dir)))
    {
      g_autofree char *link = NULL;
      g_autofree char *target = NULL;
      g_autofree char *base = NULL;
      guint64 n;

      if (!g_str_has_prefix (entry, "virtfn")
          || !g_ascii_string_to_unsigned (entry + strlen ("virtfn"), 10, 0, G_MAXUINT, &n, NULL))
        continue;
      link = g_build_filename (physfn, entry, NULL);
      target = g_file_read_link (link, NULL);
      base = target ? g_path_get_basename (target) : NULL;
      if (g_strcmp0 (base, pci) == 0)
        {
          *pf_ifname = g_steal_pointer (&name);
          *index = (guint) n;
          return TRUE;
        }
    }
  g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
               "%s is not among the virtual functions of its physical function", pci);
  return FALSE;
}

GStrv
vb_qemu_vf_ip_argv (const char *pf_ifname, guint index, const VbQemuVf *vf)
{
  GStrv argv = g_new0 (char *, 12);

  argv[0] = g_strdup ("ip");
  argv[1] = g_strdup ("link");
  argv[2] = g_strdup ("set");
  argv[3] = g_strdup ("dev");
  argv[4] = g_strdup (pf_ifname);
  argv[5] = g_strdup ("vf");
  argv[6] = g_strdup_printf ("%u", index);
  argv[7] = g_strdup ("mac");
  argv[8] = g_strdup (vf->mac);
  argv[9] = g_strdup ("vlan");
  argv[10] = g_strdup_printf ("%d", vf->vlan);
  return argv;
}

gboolean
vb_qemu_host_setup_vfs (VbQemuCommand *command, GError **error)
{
  for (guint i = 0; i < command->vfs->len; i++)
    {
      const VbQemuVf *vf = command->vfs->pdata[i];
      g_autofree char *pf = NULL;
      g_autofree char *out = NULL;
      g_auto (GStrv) argv = NULL;
      guint index = 0;
      int status = 0;

      if (!vb_qemu_vf_lookup ("/sys", vf->pci, &pf, &index, error))
        return FALSE;
      argv = vb_qemu_vf_ip_argv (pf, index, vf);
      /* No shell: each value is one argument. ip returns at once. */
      if (!g_spawn_sync (NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL, NULL,
                         NULL, NULL, &out, &status, error))
        return FALSE;
      if (!g_spawn_check_wait_status (status, NULL))
        {
          g_set_error (error, VB_ERROR, VB_ERROR_FAILED,
                       "cannot set the MAC address of VF %u of %s (%s): %s", index, pf, vf->pci,
                       out ? g_strstrip (out) : "");
          return FALSE;
        }
    }
  return TRUE;
}
