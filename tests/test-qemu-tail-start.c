/* The long tail of devices (issue #16) that depend on this host: virtio-gpu
 * blob resources (/dev/udmabuf) and a PCI device bound to a variant VFIO
 * driver. Define builds them in a dry run; a start checks the host through
 * the context's path_exists, here a list of the paths a pretend host has. */
#include <glib.h>
#include <string.h>

#include "domain-def.h"
#include "qemu-command.h"
#include "vb-error.h"

static const char *const machines[] = { "pc", NULL };
static const char *const *host_paths;

static gboolean
pretend_host_has (const char *path)
{
  return host_paths && g_strv_contains (host_paths, path);
}

static VbQemuCommand *
build (gboolean dry_run, const char *const *paths, const char *top, const char *devices,
       GError **error)
{
  VbQemuCommandContext context = {
    .qemu_binary = "qemu-system-x86_64",
    .domain_dir = "/run/virtbus/qemu/test",
    .nvram_dir = "/var/lib/virtbus/nvram",
    .machines = machines,
    .dry_run = dry_run,
    .path_exists = pretend_host_has,
    .qemu_version = 70200,
  };
  g_autofree char *xml =
    g_strdup_printf ("<domain type='qemu'><name>d</name>"
                     "<uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>"
                     "<memory unit='MiB'>128</memory>%s<vcpu>1</vcpu>"
                     "<os><type arch='x86_64' machine='pc'>hvm</type></os>"
                     "<devices>%s<memballoon model='none'/></devices></domain>",
                     top, devices);
  g_autoptr (GError) parse_error = NULL;
  g_autoptr (VbDomainDef) def = vb_domain_def_parse (xml, &parse_error);

  g_assert_no_error (parse_error);
  host_paths = paths;
  return vb_qemu_command_build (def, &context, error);
}

static gboolean
has_device (VbQemuCommand *command, const char *value)
{
  for (guint i = 0; i + 1 < command->argv->len && command->argv->pdata[i + 1]; i++)
    if (g_str_equal (command->argv->pdata[i], "-device")
        && g_str_equal (command->argv->pdata[i + 1], value))
      return TRUE;
  return FALSE;
}

/* Built at define and on a host with @paths; refused at a start on a host
 * without, with @message naming @element. */
static void
check_start (const char *top, const char *devices, const char *const *paths, const char *device,
             const char *element, const char *message)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) command = build (TRUE, NULL, top, devices, &error);

  g_assert_no_error (error);
  g_assert_true (has_device (command, device));
  g_clear_pointer (&command, vb_qemu_command_free);

  command = build (FALSE, paths, top, devices, &error);
  g_assert_no_error (error);
  g_assert_true (has_device (command, device));
  g_clear_pointer (&command, vb_qemu_command_free);

  /* The same host less its last path. */
  {
    g_autoptr (GStrvBuilder) fewer = g_strv_builder_new ();
    g_auto (GStrv) less = NULL;

    for (guint i = 0; paths[i + 1]; i++)
      g_strv_builder_add (fewer, paths[i]);
    less = g_strv_builder_end (fewer);
    command = build (FALSE, (const char *const *) less, top, devices, &error);
  }
  g_assert_null (command);
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
  if (!g_str_has_prefix (error->message, element) || !strstr (error->message, message))
    g_error ("unexpected refusal: %s", error->message);
}

static void
test_video_blob (void)
{
  static const char *const host[] = { "/dev/udmabuf", NULL };

  check_start ("<memoryBacking><source type='memfd'/></memoryBacking>",
               "<video><model type='virtio' blob='on'/></video>", host,
               "virtio-vga,blob=true,id=video0,bus=pci.0,addr=0x2", "<model>",
               "blob resources need /dev/udmabuf, which this host lacks");
}

static void
test_variant_driver (void)
{
  static const char *const host[] = { "/sys/bus/pci/devices/0000:06:12.3", "/dev/vfio/vfio",
                                      "/sys/bus/pci/drivers/vfio-pci-igb/0000:06:12.3", NULL };

  check_start ("",
               "<hostdev mode='subsystem' type='pci' managed='yes'>"
               "<driver model='vfio-pci-igb'/>"
               "<source><address domain='0' bus='6' slot='0x12' function='3'/></source>"
               "</hostdev>",
               host, "vfio-pci,host=0000:06:12.3,id=hostdev0,bus=pci.0,addr=0x2", "<driver>",
               "the host's PCI device 0000:06:12.3 is not bound to driver vfio-pci-igb");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/qemu-tail-start/video-blob", test_video_blob);
  g_test_add_func ("/qemu-tail-start/variant-driver", test_variant_driver);
  return g_test_run ();
}
