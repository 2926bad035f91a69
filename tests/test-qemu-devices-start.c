/* Network and display devices that depend on the host or on a newer QEMU
 * (issue #16): define builds their command line in a dry run; a start (not
 * a dry run) refuses by name what this host or this QEMU lacks. */
#include <glib.h>
#include <string.h>

#include "domain-def.h"
#include "qemu-command.h"
#include "qemu-host-display.h"
#include "qemu-host.h"
#include "vb-error.h"

static const char *const machines[] = { "pc", "pc-i440fx-7.2", "q35", "pc-q35-7.2", NULL };

static VbQemuCommandContext
context_for (gboolean dry_run)
{
  VbQemuCommandContext context = {
    .qemu_binary = "qemu-system-x86_64",
    .domain_dir = "/run/virtbus/qemu/test",
    .nvram_dir = "/var/lib/virtbus/nvram",
    .machines = machines,
    .spice = TRUE,
    .virtio_net_failover = TRUE,
    .dry_run = dry_run,
    .path_exists = vb_qemu_host_path_exists,
    .qemu_version = 70222,
  };
  return context;
}

static VbQemuCommand *
build (const char *machine, const char *devices, const VbQemuCommandContext *context,
       GError **error)
{
  g_autofree char *xml =
    g_strdup_printf ("<domain type='qemu'><name>d</name>"
                     "<uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>"
                     "<memory unit='MiB'>128</memory><vcpu>1</vcpu>"
                     "<os><type arch='x86_64' machine='%s'>hvm</type></os>"
                     "<devices>%s<memballoon model='none'/></devices></domain>",
                     machine, devices);
  g_autoptr (GError) parse_error = NULL;
  g_autoptr (VbDomainDef) def = vb_domain_def_parse (xml, &parse_error);

  g_assert_no_error (parse_error);
  return vb_qemu_command_build (def, context, error);
}

static gboolean
has_pair (VbQemuCommand *command, const char *option, const char *value)
{
  if (g_getenv ("W4_DEBUG"))
    for (guint i = 0; i < command->argv->len && command->argv->pdata[i]; i++)
      g_printerr ("%s\n", (char *) command->argv->pdata[i]);
  for (guint i = 0; i + 1 < command->argv->len && command->argv->pdata[i + 1]; i++)
    if (g_str_equal (command->argv->pdata[i], option)
        && g_str_equal (command->argv->pdata[i + 1], value))
      return TRUE;
  return FALSE;
}

/* Built at define; refused at a start on QEMU 7.2 with @message, naming
 * @element first; started on @version. */
static void
check_newer (const char *machine, const char *devices, const char *device_arg, const char *element,
             const char *message, guint version)
{
  VbQemuCommandContext define = context_for (TRUE);
  VbQemuCommandContext start = context_for (FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) command = build (machine, devices, &define, &error);

  g_assert_no_error (error);
  g_assert_true (has_pair (command, "-device", device_arg));
  g_clear_pointer (&command, vb_qemu_command_free);
  command = build (machine, devices, &start, &error);
  g_assert_null (command);
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
  g_assert_true (g_str_has_prefix (error->message, element));
  if (!strstr (error->message, message))
    g_error ("%s", error->message);
  g_clear_error (&error);
  start.qemu_version = version;
  command = build (machine, devices, &start, &error);
  g_assert_no_error (error);
  g_assert_true (has_pair (command, "-device", device_arg));
}

static void
test_iommu_granule (void)
{
  check_newer ("q35", "<iommu model='virtio'><driver><granule mode='host'/></driver></iommu>",
               "virtio-iommu-pci,id=iommu0,granule=host,bus=pcie.0,addr=0x2", "<granule>",
               "the virtio IOMMU's granule needs QEMU 9.0; this one is 7.2", 90000);
  check_newer ("q35",
               "<iommu model='virtio'><driver><granule size='64' unit='KiB'/></driver></iommu>",
               "virtio-iommu-pci,id=iommu0,granule=64k,bus=pcie.0,addr=0x2", "<granule>",
               "needs QEMU 9.0", 90000);
}

static void
test_iommu_granule_bad (void)
{
  VbQemuCommandContext define = context_for (TRUE);
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) command = NULL;

  command = build ("q35", "<iommu model='virtio'><driver><granule size='32'/></driver></iommu>",
                   &define, &error);
  g_assert_null (command);
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, "a granule is 4, 8, 16 or 64 KiB"));
}

static void
test_virtio_sound (void)
{
  check_newer ("pc", "<sound model='virtio' streams='4'><driver packed='on'/></sound>",
               "virtio-sound-pci,id=sound0,audiodev=audio0,streams=4,packed=on,bus=pci.0,addr=0x2",
               "<sound>",
               "sound model 'virtio' (virtio-sound-pci) needs QEMU 8.2; this "
               "one is 7.2",
               80200);
}

static char *
host_render_node (const char *wanted, GError **error)
{
  return vb_qemu_host_render_node_for (wanted, NULL, error);
}

/* A virgl video without an OpenGL display: define gives it egl-headless
 * (in the definition it runs); a start on this host, which has no render
 * node, refuses that display by name. */
static void
test_virgl_implicit_display (void)
{
  static const char *const video =
    "<video><model type='virtio'><acceleration accel3d='yes'/></model></video>";
  VbQemuCommandContext define = context_for (TRUE);
  VbQemuCommandContext start = context_for (FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) command = build ("pc", video, &define, &error);

  g_assert_no_error (error);
  g_assert_true (has_pair (command, "-display", "egl-headless"));
  g_assert_true (has_pair (command, "-device", "virtio-vga-gl,id=video0,bus=pci.0,addr=0x2"));
  g_assert_nonnull (strstr (command->xml, "<graphics type='egl-headless'/>"));
  g_clear_pointer (&command, vb_qemu_command_free);
  if (g_file_test ("/dev/dri", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("this host has /dev/dri");
      return;
    }
  start.render_node = host_render_node;
  command = build ("pc", video, &start, &error);
  g_assert_null (command);
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
  g_assert_true (g_str_has_prefix (error->message, "<graphics>"));
}

/* A user alias on the root bus: kept in the live XML as libvirt keeps it;
 * QEMU's bus keeps its own name, which the devices on it say. */
static void
test_root_user_alias (void)
{
  VbQemuCommandContext start = context_for (FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) command =
    build ("q35",
           "<controller type='pci' index='0' model='pcie-root'><alias name='ua-Root'/>"
           "</controller><watchdog model='i6300esb'/>",
           &start, &error);

  g_assert_no_error (error);
  g_assert_nonnull (strstr (command->xml, "<alias name='ua-Root'/>"));
  g_assert_true (has_pair (command, "-device", "i6300esb,id=watchdog0,bus=pcie.0,addr=0x2"));
  g_clear_pointer (&command, vb_qemu_command_free);
  /* Any other name is still the driver's, re-made as QEMU's. */
  command = build ("pc", "<controller type='pci' index='0' model='pci-root'/>", &start, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (command->xml, "<alias name='pci.0'/>"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/qemu-devices-start/iommu-granule", test_iommu_granule);
  g_test_add_func ("/qemu-devices-start/iommu-granule-bad", test_iommu_granule_bad);
  g_test_add_func ("/qemu-devices-start/virtio-sound", test_virtio_sound);
  g_test_add_func ("/qemu-devices-start/virgl-implicit-display", test_virgl_implicit_display);
  g_test_add_func ("/qemu-devices-start/root-user-alias", test_root_user_alias);
  return g_test_run ();
}
