/* What the QEMU driver checks of a disk only at start (not in the dry run
 * of define): the host's side of an NVMe disk. */
#include <string.h>

#include "qemu-command.h"
#include "vb-error.h"

static const char *bound; /* the one path the fake host has, NULL: none */

static gboolean
host_has (const char *path)
{
  return bound && g_str_equal (path, bound);
}

static VbQemuCommand *
build (gboolean dry_run, GError **error)
{
  static const char xml[] =
    "<domain type='qemu'>\n  <name>n</name>\n  <memory>65536</memory>\n  <devices>\n"
    "    <disk type='nvme' device='disk'>\n"
    "      <source type='pci' managed='yes' namespace='1'>\n"
    "        <address domain='0x0000' bus='0x05' slot='0x00' function='0x0'/>\n"
    "      </source>\n      <target dev='vda' bus='virtio'/>\n    </disk>\n"
    "  </devices>\n</domain>\n";
  g_autoptr (VbDomainDef) def = vb_domain_def_parse (xml, error);
  VbQemuCommandContext context = {
    .qemu_binary = "qemu-system-x86_64",
    .domain_dir = "/run/virtbus/qemu/test",
    .nvram_dir = "/var/lib/virtbus/nvram",
    .dry_run = dry_run,
    .path_exists = host_has,
  };

  g_assert_nonnull (def);
  return vb_qemu_command_build (def, &context, error);
}

static void
test_nvme_needs_vfio (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) command = NULL;

  /* Define does not look at the host. */
  bound = NULL;
  command = build (TRUE, &error);
  g_assert_no_error (error);
  g_clear_pointer (&command, vb_qemu_command_free);
  /* Start does: a controller the host's driver still has is refused. */
  command = build (FALSE, &error);
  g_assert_null (command);
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "0000:05:00.0 is not bound to vfio-pci"));
  g_clear_error (&error);
  bound = "/sys/bus/pci/drivers/vfio-pci/0000:05:00.0";
  command = build (FALSE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (command);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/qemu-disks/nvme-needs-vfio", test_nvme_needs_vfio);
  return g_test_run ();
}
