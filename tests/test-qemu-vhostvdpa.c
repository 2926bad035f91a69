/* <disk type='vhostvdpa'>: QEMU's virtio-blk-vhost-vdpa block driver
 * (libblkio) on a host's /dev/vhost-vdpa-N. Define builds its -blockdev;
 * Start refuses it by name when this QEMU has no such driver or the device
 * node is missing (pretend host answers here). */
#include <glib.h>
#include <string.h>

#include "domain-def.h"
#include "qemu-command.h"
#include "vb-error.h"

static const char *const machines[] = { "pc", NULL };

static gboolean host_driver; /* the pretend QEMU has the driver */
static gboolean host_node;   /* the pretend host has /dev/vhost-vdpa-0 */

static gboolean
pretend_program_has (const char *program, const char *text)
{
  return host_driver && g_str_equal (text, "virtio-blk-vhost-vdpa");
}

static gboolean
pretend_path_exists (const char *path)
{
  if (g_str_equal (path, "/dev/vhost-vdpa-0"))
    return host_node;
  return !g_str_has_suffix (path, "block-blkio.so");
}

static VbQemuCommand *
build (gboolean start, const char *disk, GError **error)
{
  VbQemuCommandContext context = {
    .qemu_binary = "/usr/bin/qemu-system-x86_64",
    .domain_dir = "/run/virtbus/qemu/test",
    .nvram_dir = "/var/lib/virtbus/nvram",
    .machines = machines,
    .dry_run = !start,
    .qemu_version = 70200,
    .path_exists = pretend_path_exists,
    .program_has = pretend_program_has,
  };
  g_autofree char *xml =
    g_strdup_printf ("<domain type='qemu'><name>d</name>"
                     "<uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>"
                     "<memory unit='MiB'>128</memory><vcpu>1</vcpu>"
                     "<os><type arch='x86_64' machine='pc'>hvm</type></os>"
                     "<devices>%s<memballoon model='none'/></devices></domain>",
                     disk);
  g_autoptr (VbDomainDef) def = vb_domain_def_parse (xml, error);

  if (!def)
    return NULL;
  return vb_qemu_command_build (def, &context, error);
}

static gboolean
has_arg (VbQemuCommand *command, const char *text)
{
  for (guint i = 0; i < command->argv->len && command->argv->pdata[i]; i++)
    if (strstr (command->argv->pdata[i], text))
      return TRUE;
  return FALSE;
}

static void
expect_refused (gboolean start, const char *disk, GQuark domain, int code, const char *words)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) command = build (start, disk, &error);

  g_assert_null (command);
  g_assert_error (error, domain, code);
  if (!strstr (error->message, words))
    g_error ("unexpected refusal: %s", error->message);
}

#define DISK(driver, source) \
  "<disk type='vhostvdpa' device='disk'>" driver source "<target dev='vda' bus='virtio'/></disk>"
#define RAW_NONE "<driver name='qemu' type='raw' cache='none'/>"
#define NODE "<source dev='/dev/vhost-vdpa-0'/>"

static void
test_define (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) command = NULL;

  /* Define builds it whatever this host has. */
  host_driver = host_node = FALSE;
  command = build (FALSE, DISK (RAW_NONE, NODE), &error);
  g_assert_no_error (error);
  g_assert_true (has_arg (command, "{\"driver\":\"virtio-blk-vhost-vdpa\","
                                   "\"path\":\"/dev/vhost-vdpa-0\",\"node-name\":"
                                   "\"drive0-storage\""));
  g_assert_true (has_arg (command, "virtio-blk-pci"));
  g_clear_pointer (&command, vb_qemu_command_free);

  /* No cache= means the page cache bypassed, as the driver needs. */
  command = build (FALSE, DISK ("<driver name='qemu' type='raw'/>", NODE), &error);
  g_assert_no_error (error);
  g_assert_true (has_arg (command, "\"cache\":{\"direct\":true,\"no-flush\":false}"));
  g_assert_false (has_arg (command, "\"direct\":false"));
}

static void
test_define_refusals (void)
{
  expect_refused (FALSE, DISK ("<driver name='qemu' type='raw' cache='writeback'/>", NODE),
                  VB_ERROR, VB_ERROR_NOT_SUPPORTED, "cache='writeback' is not possible");
  expect_refused (FALSE, DISK ("<driver name='qemu' type='qcow2'/>", NODE), VB_ERROR,
                  VB_ERROR_NOT_SUPPORTED, "a vhostvdpa disk is of type 'raw', not 'qcow2'");
  expect_refused (FALSE, DISK ("<driver name='qemu' type='raw' cache='none' io='native'/>", NODE),
                  VB_ERROR, VB_ERROR_NOT_SUPPORTED, "io= is for file and block disks");
  expect_refused (FALSE, DISK (RAW_NONE, "<source file='/dev/vhost-vdpa-0'/>"), VB_ERROR,
                  VB_ERROR_INVALID_XML, "a vhostvdpa disk names its vhost-vdpa device node");
}

static void
test_start (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) command = NULL;

  host_driver = FALSE;
  host_node = TRUE;
  expect_refused (TRUE, DISK (RAW_NONE, NODE), VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                  "a vhostvdpa disk needs QEMU's virtio-blk-vhost-vdpa block driver (libblkio), "
                  "which /usr/bin/qemu-system-x86_64 does not have");
  host_driver = TRUE;
  host_node = FALSE;
  expect_refused (TRUE, DISK (RAW_NONE, NODE), VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                  "the vhost-vdpa device /dev/vhost-vdpa-0 does not exist on this host");
  host_node = TRUE;
  command = build (TRUE, DISK (RAW_NONE, NODE), &error);
  g_assert_no_error (error);
  g_assert_true (has_arg (command, "\"driver\":\"virtio-blk-vhost-vdpa\""));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/qemu-vhostvdpa/define", test_define);
  g_test_add_func ("/qemu-vhostvdpa/define-refusals", test_define_refusals);
  g_test_add_func ("/qemu-vhostvdpa/start", test_start);
  return g_test_run ();
}
