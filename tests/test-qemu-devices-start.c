/* Network and display devices that depend on the host or on a newer QEMU
 * (issue #16): define builds their command line in a dry run; a start (not
 * a dry run) refuses by name what this host or this QEMU lacks. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "domain-def.h"
#include "qemu-command.h"
#include "qemu-host-display.h"
#include "qemu-host-vf.h"
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
build_with (const char *machine, const char *top, const char *devices,
            const VbQemuCommandContext *context, GError **error)
{
  g_autofree char *xml =
    g_strdup_printf ("<domain type='qemu'><name>d</name>"
                     "<uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>"
                     "<memory unit='MiB'>128</memory>%s<vcpu>1</vcpu>"
                     "<os><type arch='x86_64' machine='%s'>hvm</type></os>"
                     "<devices>%s<memballoon model='none'/></devices></domain>",
                     top, machine, devices);
  g_autoptr (GError) parse_error = NULL;
  g_autoptr (VbDomainDef) def = vb_domain_def_parse (xml, &parse_error);

  g_assert_no_error (parse_error);
  return vb_qemu_command_build (def, context, error);
}

static VbQemuCommand *
build (const char *machine, const char *devices, const VbQemuCommandContext *context,
       GError **error)
{
  return build_with (machine, "", devices, context, error);
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

/* vhost-user video: built at define with vhost-user-gpu as a helper;
 * refused at a start under TCG on QEMU 7.2; under KVM the helper runs the
 * host's program on the socket QEMU's chardev names. */
static void
test_vhost_user_video (void)
{
  static const char *const video =
    "<video><driver name='vhostuser'/><model type='virtio' heads='1'/></video>";
  VbQemuCommandContext define = context_for (TRUE);
  VbQemuCommandContext start = context_for (FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) command = NULL;
  g_autofree char *argv = NULL;
  VbQemuHelperSpec *spec;

  command = build_with ("pc",
                        "<memoryBacking><source type='memfd'/><access mode='shared'/>"
                        "</memoryBacking>",
                        video, &define, &error);
  g_assert_no_error (error);
  g_assert_true (has_pair (command, "-chardev",
                           "socket,id=chr-vu-video0,path=/run/virtbus/qemu/test/video0-gpu.sock"));
  g_assert_true (has_pair (command, "-device",
                           "vhost-user-vga,id=video0,chardev=chr-vu-video0,bus=pci.0,addr=0x2"));
  g_clear_pointer (&command, vb_qemu_command_free);
  command = build_with ("pc",
                        "<memoryBacking><source type='memfd'/><access mode='shared'/>"
                        "</memoryBacking>",
                        video, &start, &error);
  g_assert_null (command);
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
  if (!strstr (error->message, "vhost-user video needs KVM with QEMU 7.2"))
    g_error ("%s", error->message);
  g_clear_error (&error);
  if (!g_file_test ("/usr/lib/qemu/vhost-user-gpu", G_FILE_TEST_IS_EXECUTABLE))
    {
      g_test_skip ("no /usr/lib/qemu/vhost-user-gpu (qemu-system-gui)");
      return;
    }
  start.kvm = TRUE;
  command = build_with ("pc",
                        "<memoryBacking><source type='memfd'/><access mode='shared'/>"
                        "</memoryBacking>",
                        video, &start, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (command->helpers->len, ==, 1);
  spec = command->helpers->pdata[0];
  argv = g_strjoinv (" ", (char **) spec->argv->pdata);
  g_assert_cmpstr (argv, ==,
                   "/usr/lib/qemu/vhost-user-gpu "
                   "--socket-path=/run/virtbus/qemu/test/video0-gpu.sock");
  g_assert_cmpstr (spec->socket_path, ==, "/run/virtbus/qemu/test/video0-gpu.sock");
  g_assert_false (spec->needs_root);
  g_clear_pointer (&command, vb_qemu_command_free);
  /* Without shared memory the helper could not reach the guest's. */
  command = build_with ("pc", "", video, &define, &error);
  g_assert_null (command);
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
}

static const char *const vf_interface =
  "<interface type='hostdev'><mac address='00:11:22:33:44:AA'/>"
  "<source><address type='pci' domain='0x0000' bus='0x03' slot='0x07' function='0x1'/>"
  "</source><vlan><tag id='42'/></vlan></interface>";

/* Built at define as vfio-pci with the VF's MAC and VLAN kept for Start;
 * a start on this host, which has no such device, refuses it by name. */
static void
test_vf_interface (void)
{
  VbQemuCommandContext define = context_for (TRUE);
  VbQemuCommandContext start = context_for (FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) command = build ("pc", vf_interface, &define, &error);
  const VbQemuVf *vf;

  g_assert_no_error (error);
  g_assert_true (
    has_pair (command, "-device", "vfio-pci,host=0000:03:07.1,id=hostdev0,bus=pci.0,addr=0x2"));
  g_assert_cmpuint (command->vfs->len, ==, 1);
  vf = command->vfs->pdata[0];
  g_assert_cmpstr (vf->pci, ==, "0000:03:07.1");
  g_assert_cmpstr (vf->mac, ==, "00:11:22:33:44:aa");
  g_assert_cmpint (vf->vlan, ==, 42);
  g_clear_pointer (&command, vb_qemu_command_free);
  if (g_file_test ("/sys/bus/pci/devices/0000:03:07.1", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("this host has a PCI device 0000:03:07.1");
      return;
    }
  command = build ("pc", vf_interface, &start, &error);
  g_assert_null (command);
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
  g_assert_true (g_str_has_prefix (error->message, "<source>"));
  g_assert_nonnull (strstr (error->message, "the host has no PCI device 0000:03:07.1"));
}

/* The PF and the VF's index as sysfs links them, and the ip command line
 * that sets the MAC through the PF: one argument per value. */
static void
test_vf_lookup (void)
{
  g_autofree char *root = g_dir_make_tmp ("vb-sysfs-XXXXXX", NULL);
  g_autofree char *devices = g_build_filename (root, "bus/pci/devices", NULL);
  g_autofree char *pf = g_build_filename (devices, "0000:03:00.0", NULL);
  g_autofree char *pf_net = g_build_filename (pf, "net/enp3s0f0", NULL);
  g_autofree char *vf0 = g_build_filename (devices, "0000:03:07.0", NULL);
  g_autofree char *vf1 = g_build_filename (devices, "0000:03:07.1", NULL);
  char *links[4] = { NULL };
  g_autofree char *name = NULL;
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) argv = NULL;
  VbQemuVf vf = { .pci = (char *) "0000:03:07.1", .mac = (char *) "00:11:22:33:44:aa", .vlan = 0 };
  guint index = 99;

  g_assert_cmpint (g_mkdir_with_parents (pf_net, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (vf0, 0700), ==, 0);
  g_assert_cmpint (g_mkdir_with_parents (vf1, 0700), ==, 0);
  links[0] = g_build_filename (pf, "virtfn0", NULL);
  links[1] = g_build_filename (pf, "virtfn1", NULL);
  links[2] = g_build_filename (vf0, "physfn", NULL);
  links[3] = g_build_filename (vf1, "physfn", NULL);
  g_assert_cmpint (symlink ("../0000:03:07.0", links[0]), ==, 0);
  g_assert_cmpint (symlink ("../0000:03:07.1", links[1]), ==, 0);
  g_assert_cmpint (symlink ("../0000:03:00.0", links[2]), ==, 0);
  g_assert_cmpint (symlink ("../0000:03:00.0", links[3]), ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (links); i++)
    g_free (links[i]);

  /* A VF the host's own driver holds (a network interface of the host's,
   * or nobody's yet) is not a guest's: its MAC and VLAN are never set. */
  {
    g_autofree char *drivers = g_build_filename (root, "bus/pci/drivers", NULL);
    g_autofree char *iavf = g_build_filename (drivers, "iavf", NULL);
    g_autofree char *vfio = g_build_filename (drivers, "vfio-pci", NULL);
    g_autofree char *link = g_build_filename (vf1, "driver", NULL);

    g_assert_cmpint (g_mkdir_with_parents (iavf, 0700), ==, 0);
    g_assert_cmpint (g_mkdir_with_parents (vfio, 0700), ==, 0);
    g_assert_false (vb_qemu_vf_lookup (root, "0000:03:07.1", &name, &index, &error));
    g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
    g_assert_nonnull (strstr (error->message, "not bound to vfio-pci"));
    g_clear_error (&error);
    g_assert_cmpint (symlink ("../../../bus/pci/drivers/iavf", link), ==, 0);
    g_assert_false (vb_qemu_vf_lookup (root, "0000:03:07.1", &name, &index, &error));
    g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
    g_assert_nonnull (strstr (error->message, "driver iavf"));
    g_clear_error (&error);
    g_assert_cmpint (unlink (link), ==, 0);
    g_assert_cmpint (symlink ("../../../bus/pci/drivers/vfio-pci", link), ==, 0);
    g_assert_null (name);
  }

  g_assert_true (vb_qemu_vf_lookup (root, "0000:03:07.1", &name, &index, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (name, ==, "enp3s0f0");
  g_assert_cmpuint (index, ==, 1);
  argv = vb_qemu_vf_ip_argv (name, index, &vf);
  {
    g_autofree char *line = g_strjoinv (" ", argv);

    g_assert_cmpstr (line, ==, "/bin/ip link set dev enp3s0f0 vf 1 mac 00:11:22:33:44:aa vlan 0");
  }
  /* Its VFIO group's node opens: no other QEMU holds it. A group name that
   * is not a number is never opened. */
  {
    g_autofree char *groups = g_build_filename (root, "kernel/iommu_groups/17", NULL);
    g_autofree char *link = g_build_filename (vf1, "iommu_group", NULL);
    g_autofree char *dev = g_build_filename (root, "dev", NULL);
    g_autofree char *vfio = g_build_filename (dev, "vfio", NULL);
    g_autofree char *node = g_build_filename (vfio, "17", NULL);

    g_assert_cmpint (g_mkdir_with_parents (groups, 0700), ==, 0);
    g_assert_cmpint (g_mkdir_with_parents (vfio, 0700), ==, 0);
    g_assert_cmpint (symlink ("../../../kernel/iommu_groups/17", link), ==, 0);
    g_assert_true (g_file_set_contents (node, "", 0, NULL));
    g_assert_false (vb_qemu_vf_in_use (root, dev, "0000:03:07.1"));
  }
  /* The PF itself is no VF. */
  g_clear_pointer (&name, g_free);
  g_assert_false (vb_qemu_vf_lookup (root, "0000:03:00.0", &name, &index, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
  g_clear_error (&error);
  /* A PF name that is not an interface name never reaches ip. */
  {
    g_autofree char *bad = g_build_filename (pf, "net/x y", NULL);

    g_assert_cmpint (g_rename (pf_net, bad), ==, 0);
    g_assert_false (vb_qemu_vf_lookup (root, "0000:03:07.1", &name, &index, &error));
    g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
  }
  {
    g_autofree char *cmd = g_strdup_printf ("rm -rf %s", root);

    g_assert_true (g_spawn_command_line_sync (cmd, NULL, NULL, NULL, NULL));
  }
}

/* What a VF had before a guest, read from `ip -j link show dev PF`, is what
 * its stop sets back; anything malformed is not taken for it. */
static void
test_vf_current_values (void)
{
  const char *tagged = "[{\"ifname\":\"enp3s0f0\",\"vfinfo_list\":["
                       "{\"vf\":0,\"address\":\"52:54:00:00:00:01\"},"
                       "{\"vf\":1,\"address\":\"0A:BB:CC:DD:EE:FF\","
                       "\"vlan_list\":[{\"vlan\":42,\"qos\":0}]}]}]";
  const char *old_ip = "[{\"vfinfo_list\":[{\"vf\":2,\"address\":\"52:54:00:00:00:02\","
                       "\"vlan\":7}]}]";
  g_autofree char *mac = NULL;
  int vlan = -1;

  g_assert_true (vb_qemu_vf_parse_current (tagged, 1, &mac, &vlan));
  g_assert_cmpstr (mac, ==, "0a:bb:cc:dd:ee:ff");
  g_assert_cmpint (vlan, ==, 42);
  g_clear_pointer (&mac, g_free);
  g_assert_true (vb_qemu_vf_parse_current (tagged, 0, &mac, &vlan));
  g_assert_cmpstr (mac, ==, "52:54:00:00:00:01");
  g_assert_cmpint (vlan, ==, 0);
  g_clear_pointer (&mac, g_free);
  g_assert_true (vb_qemu_vf_parse_current (old_ip, 2, &mac, &vlan));
  g_assert_cmpint (vlan, ==, 7);
  g_clear_pointer (&mac, g_free);
  g_assert_false (vb_qemu_vf_parse_current (tagged, 5, &mac, &vlan));
  g_assert_false (vb_qemu_vf_parse_current ("[{\"vfinfo_list\":[{\"vf\":0,\"address\":\"x y\"}]}]",
                                            0, &mac, &vlan));
  g_assert_false (vb_qemu_vf_parse_current ("[{\"vfinfo_list\":[{\"vf\":0,\"address\":"
                                            "\"52:54:00:00:00:01\",\"vlan\":5000}]}]",
                                            0, &mac, &vlan));
  g_assert_false (vb_qemu_vf_parse_current ("not json", 0, &mac, &vlan));
  g_assert_null (mac);
}

/* A stop's restore (slow: /bin/ip per VF) queued before the next start's
 * record and set: the start's job runs only after it, or the restore would
 * set the VF back under the new guest and remove the record it relied on. */
static void
slow_job (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  g_usleep (200 * G_TIME_SPAN_MILLISECOND);
  g_async_queue_push (data, (gpointer) "restore");
  g_task_return_boolean (task, TRUE);
}

static void
fast_job (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  g_async_queue_push (data, (gpointer) "setup");
  g_task_return_boolean (task, TRUE);
}

static void
test_vf_jobs_in_order (void)
{
  g_autoptr (GAsyncQueue) order = g_async_queue_new ();
  g_autoptr (GTask) restore = g_task_new (NULL, NULL, NULL, NULL);
  g_autoptr (GTask) setup = g_task_new (NULL, NULL, NULL, NULL);

  g_task_set_task_data (restore, g_async_queue_ref (order), (GDestroyNotify) g_async_queue_unref);
  g_task_set_task_data (setup, g_async_queue_ref (order), (GDestroyNotify) g_async_queue_unref);
  vb_qemu_vf_run_in_order (restore, slow_job);
  vb_qemu_vf_run_in_order (setup, fast_job);
  g_assert_cmpstr (g_async_queue_pop (order), ==, "restore");
  g_assert_cmpstr (g_async_queue_pop (order), ==, "setup");
}

static void
test_vf_interface_refusals (void)
{
  static const struct {
    const char *devices, *message;
  } cases[] = {
    { "<interface type='hostdev'><mac address='00:11:22:33:44:55'/></interface>",
      "needs <source><address type='pci'>" },
    { "<interface type='hostdev'><mac address='00:11:22:33:44:55'/><source>"
      "<address type='pci' domain='0' bus='3' slot='7' function='1'/></source>"
      "<vlan trunk='yes'><tag id='1'/><tag id='2'/></vlan></interface>",
      "a VF carries one VLAN tag" },
    { "<interface type='hostdev'><mac address='00:11:22:33:44:55'/><source>"
      "<address type='pci' domain='0' bus='3' slot='7' function='1'/></source>"
      "<vlan><tag id='4095'/></vlan></interface>",
      "a VLAN tag is from 1 to 4094" },
    { "<interface type='hostdev'><mac address='00:11:22:33:44:55'/><source>"
      "<address type='pci' domain='0' bus='3' slot='7' function='1'/></source>"
      "<driver name='vhost'/></interface>",
      "driver 'vfio', not 'vhost'" },
    { "<interface type='hostdev'><mac address='00:11:22:33:44:55'/><source>"
      "<address type='pci' domain='0' bus='3' slot='7' function='1'/></source>"
      "<driver name='vfio'><host csum='off'/></driver></interface>",
      "a VF's <driver> has only name='vfio'" },
    { "<interface type='user'><source><address type='pci' domain='0' bus='3' slot='7' "
      "function='1'/></source></interface>",
      "names a VF" },
  };
  VbQemuCommandContext define = context_for (TRUE);

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (VbQemuCommand) command = build ("pc", cases[i].devices, &define, &error);

      g_assert_null (command);
      g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
      if (!strstr (error->message, cases[i].message))
        g_error ("%s", error->message);
    }
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
  g_test_add_func ("/qemu-devices-start/vhost-user-video", test_vhost_user_video);
  g_test_add_func ("/qemu-devices-start/vf-interface", test_vf_interface);
  g_test_add_func ("/qemu-devices-start/vf-lookup", test_vf_lookup);
  g_test_add_func ("/qemu-devices-start/vf-current-values", test_vf_current_values);
  g_test_add_func ("/qemu-devices-start/vf-interface-refusals", test_vf_interface_refusals);
  g_test_add_func ("/qemu-devices-start/vf-jobs-in-order", test_vf_jobs_in_order);
  return g_test_run ();
}
