/* Disks of the fourth wave of issue #16, through the service on this host
 * (QEMU 7.2, a kernel without unpriv_sgio): each is defined, and Start
 * refuses by name what this QEMU or this kernel cannot do, leaving the
 * domain shut off: a SCSI LUN's sgio='unfiltered', a virtio disk's
 * iothreads per queue (QEMU 9.0) and librbd's layered encryption (QEMU
 * 8.0). The command lines are in tests/qemuxml/disks2-*. */
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "vb-test-domains.h"
#include "vb-test-env.h"
#include "vb-test-guest-fixture.h"

#define GUEST_MIB 160

typedef VbGuestFixture Fixture;

/* QEMU's major.minor (70200 for 7.2), 0 when it cannot be asked. */
static guint
qemu_version (void)
{
  g_autofree char *out = NULL;
  guint major = 0, minor = 0;

  if (!g_spawn_command_line_sync ("qemu-system-x86_64 --version", &out, NULL, NULL, NULL)
      || sscanf (out, "QEMU emulator version %u.%u", &major, &minor) != 2)
    return 0;
  return major * 10000 + minor * 100;
}

static void
test_sgio_unfiltered (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = NULL;
  g_autofree char *sysfs = NULL;
  struct stat st;

  if (stat ("/dev/loop0", &st) < 0 || !S_ISBLK (st.st_mode))
    {
      g_test_skip ("no /dev/loop0 to stand for a SCSI disk");
      return;
    }
  sysfs = g_strdup_printf ("/sys/dev/block/%u:%u/queue/unpriv_sgio", major (st.st_rdev),
                           minor (st.st_rdev));
  if (g_file_test (sysfs, G_FILE_TEST_EXISTS))
    {
      g_test_skip ("this kernel has unpriv_sgio");
      return;
    }
  xml = vb_test_guest_xml ("disks2-sgio", GUEST_MIB, NULL,
                           "    <controller type='scsi' index='0' model='virtio-scsi'/>\n"
                           "    <disk type='block' device='lun' sgio='unfiltered'>\n"
                           "      <source dev='/dev/loop0'/>\n"
                           "      <target dev='sda' bus='scsi'/>\n"
                           "    </disk>\n");
  vb_test_expect_start_refused (f->env, xml,
                                "sgio='unfiltered' needs the kernel's unpriv_sgio for /dev/loop0");
}

static void
test_iothread_queues (Fixture *f, gconstpointer data)
{
  g_autofree char *image = g_build_filename (f->env->tmpdir, "disks2-queues.img", NULL);
  g_autofree char *devices = NULL;
  g_autofree char *xml = NULL;
  g_autoptr (GString) with_iothreads = NULL;

  if (qemu_version () >= 90000)
    {
      g_test_skip ("this QEMU has iothread-vq-mapping");
      return;
    }
  g_assert_true (g_file_set_contents (image, "", 0, NULL));
  g_assert_cmpint (truncate (image, 1 << 20), ==, 0);
  devices = g_strdup_printf ("    <disk type='file' device='disk'>\n"
                             "      <driver name='qemu' type='raw' queues='2'>\n"
                             "        <iothreads>\n"
                             "          <iothread id='1'><queue id='1'/></iothread>\n"
                             "          <iothread id='2'><queue id='0'/></iothread>\n"
                             "        </iothreads>\n"
                             "      </driver>\n"
                             "      <source file='%s'/>\n"
                             "      <target dev='vdb' bus='virtio'/>\n"
                             "    </disk>\n",
                             image);
  xml = vb_test_guest_xml ("disks2-queues", GUEST_MIB, NULL, devices);
  with_iothreads = g_string_new (xml);
  g_assert_cmpuint (
    g_string_replace (with_iothreads, "  <os>", "  <iothreads>2</iothreads>\n  <os>", 1), ==, 1);
  vb_test_expect_start_refused (f->env, with_iothreads->str,
                                "iothreads per queue (virtio-blk's iothread-vq-mapping) needs "
                                "QEMU 9.0");
}

static void
test_rbd_layers (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = NULL;

  if (qemu_version () >= 80000)
    {
      g_test_skip ("this QEMU has the rbd driver's encrypt.parent");
      return;
    }
  xml = vb_test_guest_xml (
    "disks2-rbd", GUEST_MIB, NULL,
    "    <disk type='network' device='disk'>\n"
    "      <driver name='qemu' type='raw'/>\n"
    "      <source protocol='rbd' name='pool/clone'>\n"
    "        <host name='mon1.example.org'/>\n"
    "        <encryption format='luks' engine='librbd'>\n"
    "          <secret type='passphrase' uuid='0a81f5b2-8403-7b23-c8d6-21ccc2f80fb0'/>\n"
    "          <secret type='passphrase' uuid='0a81f5b2-8403-7b23-c8d6-21ccc2f80d6f'/>\n"
    "        </encryption>\n"
    "      </source>\n"
    "      <target dev='vdb' bus='virtio'/>\n"
    "    </disk>\n");
  vb_test_expect_start_refused (f->env, xml,
                                "layered encryption (2 <secret>s) needs QEMU 8.0 or later");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/xml-disks2/sgio-unfiltered", Fixture, NULL, vb_guest_fixture_set_up,
              test_sgio_unfiltered, vb_guest_fixture_tear_down);
  g_test_add ("/xml-disks2/iothread-queues", Fixture, NULL, vb_guest_fixture_set_up,
              test_iothread_queues, vb_guest_fixture_tear_down);
  g_test_add ("/xml-disks2/rbd-layers", Fixture, NULL, vb_guest_fixture_set_up, test_rbd_layers,
              vb_guest_fixture_tear_down);
  return g_test_run ();
}
