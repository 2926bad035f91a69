/* The pure parts behind GetStats and InterfaceAddresses: the neighbour
 * table's parser, a qcow2 header's size, libvirt's state numbers, the
 * devices of a definition in libvirt's order. */
#include <glib.h>
#include <glib/gstdio.h>

#include "domain-stat-devices.h"
#include "domain-state-codes.h"
#include "image-size.h"
#include "interface-addresses.h"

static void
test_arp (void)
{
  const char *text =
    "IP address       HW type     Flags       HW address            Mask     Device\n"
    "10.210.0.17      0x1         0x2         52:54:00:AA:00:01     *        virbr0\n"
    "10.211.0.12      0x1         0x2         52:54:00:aa:00:01     *        virbr1\n"
    "10.210.0.99      0x1         0x0         00:00:00:00:00:00     *        virbr0\n"
    "10.210.0.1       0x1         0x2         52:54:00:aa:00:02     *        virbr0\n"
    "10.210.0.1       0x1         0x2         52:54:00:aa:00:02     *        virbr9\n";
  g_autoptr (GHashTable) table = vb_arp_table_parse (text);
  GPtrArray *first = g_hash_table_lookup (table, "52:54:00:aa:00:01");
  GPtrArray *second = g_hash_table_lookup (table, "52:54:00:aa:00:02");

  /* MACs in lower case; an incomplete entry left out; one address once. */
  g_assert_cmpuint (g_hash_table_size (table), ==, 2);
  g_assert_nonnull (first);
  g_assert_cmpuint (first->len, ==, 2);
  g_assert_cmpstr (first->pdata[0], ==, "10.210.0.17");
  g_assert_cmpstr (first->pdata[1], ==, "10.211.0.12");
  g_assert_cmpuint (second->len, ==, 1);
  g_assert_null (g_hash_table_lookup (table, "00:00:00:00:00:00"));
  /* Nothing, or the header alone. */
  g_hash_table_unref (vb_arp_table_parse (NULL));
  {
    g_autoptr (GHashTable) empty = vb_arp_table_parse ("IP address HW type\n");
    g_assert_cmpuint (g_hash_table_size (empty), ==, 0);
  }
}

static void
test_qcow2_size (void)
{
  guint8 header[32] = { 'Q', 'F', 'I', 0xfb, 0, 0, 0, 3 };

  header[24 + 3] = 0x01; /* 0x0000000100000000: 4 GiB */
  g_assert_cmpuint (vb_image_size_qcow2_virtual (header, sizeof header), ==,
                    G_GUINT64_CONSTANT (1) << 32);
  /* Too short, or not qcow2. */
  g_assert_cmpuint (vb_image_size_qcow2_virtual (header, 31), ==, 0);
  header[0] = 'X';
  g_assert_cmpuint (vb_image_size_qcow2_virtual (header, sizeof header), ==, 0);
}

static void
test_image_size (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("vb-size-XXXXXX", NULL);
  g_autofree char *file = g_build_filename (dir, "image", NULL);
  VbImageSize size;

  g_assert_true (g_file_set_contents (file, "0123456789", 10, NULL));
  g_assert_true (vb_image_size_read (file, "raw", &size, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (size.capacity, ==, 10);
  g_assert_cmpuint (size.physical, ==, 10);
  /* "qcow2" that is not: the file's size stands. */
  g_assert_true (vb_image_size_read (file, "qcow2", &size, NULL));
  g_assert_cmpuint (size.capacity, ==, 10);
  /* A directory is no image; a missing file fails. */
  g_assert_false (vb_image_size_read (dir, NULL, &size, &error));
  g_clear_error (&error);
  g_assert_cmpint (g_remove (file), ==, 0);
  g_assert_false (vb_image_size_read (file, NULL, &size, &error));
  g_assert_nonnull (error);
  g_rmdir (dir);
}

static void
test_state_codes (void)
{
  g_assert_cmpint (vb_domain_state_code (VB_DOMAIN_RUNNING), ==, 1);
  g_assert_cmpint (vb_domain_state_code (VB_DOMAIN_PAUSED), ==, 3);
  g_assert_cmpint (vb_domain_state_code (VB_DOMAIN_SHUTDOWN), ==, 4);
  g_assert_cmpint (vb_domain_state_code (VB_DOMAIN_SHUTOFF), ==, 5);
  g_assert_cmpint (vb_domain_state_code (VB_DOMAIN_CRASHED), ==, 6);
  g_assert_cmpint (vb_domain_state_code (VB_DOMAIN_PMSUSPENDED), ==, 7);
  /* libvirt's numbers, from its headers. */
  g_assert_cmpint (vb_domain_reason_code (VB_DOMAIN_RUNNING, "booted"), ==, 1);
  g_assert_cmpint (vb_domain_reason_code (VB_DOMAIN_RUNNING, "postcopy-failed"), ==, 11);
  g_assert_cmpint (vb_domain_reason_code (VB_DOMAIN_PAUSED, "user"), ==, 1);
  g_assert_cmpint (vb_domain_reason_code (VB_DOMAIN_PAUSED, "starting-up"), ==, 11);
  g_assert_cmpint (vb_domain_reason_code (VB_DOMAIN_PAUSED, "api-error"), ==, 14);
  g_assert_cmpint (vb_domain_reason_code (VB_DOMAIN_SHUTDOWN, "user"), ==, 1);
  g_assert_cmpint (vb_domain_reason_code (VB_DOMAIN_SHUTOFF, "destroyed"), ==, 2);
  g_assert_cmpint (vb_domain_reason_code (VB_DOMAIN_SHUTOFF, "saved"), ==, 5);
  g_assert_cmpint (vb_domain_reason_code (VB_DOMAIN_SHUTOFF, "daemon"), ==, 8);
  g_assert_cmpint (vb_domain_reason_code (VB_DOMAIN_CRASHED, "panicked"), ==, 1);
  /* A reason of another state, or none: unknown. */
  g_assert_cmpint (vb_domain_reason_code (VB_DOMAIN_SHUTOFF, "booted"), ==, 0);
  g_assert_cmpint (vb_domain_reason_code (VB_DOMAIN_RUNNING, NULL), ==, 0);
}

static void
test_devices (void)
{
  const char *xml = "<domain type='test'><name>d</name><devices>"
                    "<disk type='file' device='cdrom'><target dev='sda'/></disk>"
                    "<interface type='user'><mac address='52:54:00:AB:CD:EF'/></interface>"
                    "<disk type='volume'><driver type='qcow2'/>"
                    "<source pool='p' volume='v'/><target dev='vda'/><alias name='ua-x'/></disk>"
                    "<interface type='network'><source network='n'/><target dev='t0'/></interface>"
                    "<channel type='unix'><target type='virtio' name='org.qemu.guest_agent.0'/>"
                    "</channel></devices></domain>";
  g_autoptr (GPtrArray) disks = vb_domain_stat_disks (xml);
  g_autoptr (GPtrArray) nics = vb_domain_stat_nics (xml);
  VbStatDisk *disk;
  VbStatNic *nic;

  g_assert_cmpuint (disks->len, ==, 2);
  disk = disks->pdata[0];
  g_assert_cmpstr (disk->target, ==, "sda");
  g_assert_cmpstr (disk->device, ==, "cdrom");
  g_assert_null (disk->file);
  disk = disks->pdata[1];
  g_assert_cmpstr (disk->pool, ==, "p");
  g_assert_cmpstr (disk->volume, ==, "v");
  g_assert_cmpstr (disk->format, ==, "qcow2");
  g_assert_cmpstr (disk->alias, ==, "ua-x");
  g_assert_cmpuint (nics->len, ==, 2);
  nic = nics->pdata[0];
  g_assert_cmpstr (nic->mac, ==, "52:54:00:ab:cd:ef");
  g_assert_null (nic->network);
  nic = nics->pdata[1];
  g_assert_cmpstr (nic->network, ==, "n");
  g_assert_cmpstr (nic->target, ==, "t0");
  g_assert_true (vb_domain_has_guest_agent (xml));
  g_assert_false (vb_domain_has_guest_agent ("<domain><devices/></domain>"));
  /* Not a domain: nothing. */
  g_ptr_array_unref (vb_domain_stat_disks ("<network/>"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/stat-parts/arp", test_arp);
  g_test_add_func ("/stat-parts/qcow2-size", test_qcow2_size);
  g_test_add_func ("/stat-parts/image-size", test_image_size);
  g_test_add_func ("/stat-parts/state-codes", test_state_codes);
  g_test_add_func ("/stat-parts/devices", test_devices);
  return g_test_run ();
}
