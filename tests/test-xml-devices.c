/* The emulated devices of the domain XML as the project's test guest sees
 * them (their PCI vendor and device ids in its /sys, the MTU its virtio NIC
 * was told, frames it sends through a udp socket NIC and an ethernet tap),
 * and the start-time refusals of what needs host hardware this machine may
 * lack (/dev/vhost-vsock, an evdev device, /dev/vhost-net). */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "vb-test-env.h"
#include "vb-test-guest-fixture.h"

#define BOOT_TIMEOUT_MS 120000
#define GUEST_MIB 160
#define GUEST_MAC "52:54:00:07:00:01"
/* The host ends of the udp NIC (loopback). */
#define UDP_HOST_PORT 47951
#define UDP_GUEST_PORT 47952

typedef VbGuestFixture Fixture;

static void
boot (Fixture *f, const char *name, const char *machine, const char *devices)
{
  g_autofree char *xml = vb_test_guest_xml_on (name, GUEST_MIB, machine, TRUE, NULL, devices);

  vb_guest_fixture_boot (f, xml, BOOT_TIMEOUT_MS);
}

static void
assert_has_id (const char *ids, const char *what, const char *id)
{
  g_autofree char *line = g_strdup_printf ("id=%s", id);

  if (!strstr (ids, line))
    g_error ("the guest has no %s (PCI %s); it has:\n%s", what, id, ids);
}

/* ---- the PCI devices the guest sees ---- */

static void
test_pci_devices (Fixture *f, gconstpointer data)
{
  g_autofree char *ids = NULL;

  boot (f, "devices-pci", "pc",
        "    <controller type='usb' index='0' model='ehci'/>\n"
        "    <interface type='user'>\n      <mac address='52:54:00:07:00:11'/>\n"
        "      <model type='vmxnet3'/>\n    </interface>\n"
        "    <interface type='user'>\n      <mac address='52:54:00:07:00:12'/>\n"
        "      <model type='e1000e'/>\n    </interface>\n"
        "    <interface type='user'>\n      <mac address='52:54:00:07:00:13'/>\n"
        "      <model type='pcnet'/>\n    </interface>\n"
        "    <interface type='user'>\n      <mac address='52:54:00:07:00:14'/>\n"
        "      <model type='ne2k_pci'/>\n    </interface>\n"
        "    <sound model='es1370'/>\n"
        "    <sound model='ich9'>\n      <codec type='output'/>\n    </sound>\n"
        "    <video>\n      <model type='vmvga' vram='16384'/>\n    </video>\n"
        "    <shmem name='vbtest-devices-shmem'>\n      <size unit='M'>1</size>\n"
        "    </shmem>\n"
        "    <rng model='virtio-non-transitional'>\n      <backend model='builtin'/>\n"
        "    </rng>\n"
        "    <rng model='virtio'>\n      <rate bytes='1024'/>\n"
        "      <backend model='random'>/dev/urandom</backend>\n    </rng>\n"
        "    <memballoon model='virtio' autodeflate='on'>\n      <stats period='5'/>\n"
        "    </memballoon>\n");
  ids = vb_test_guest_pci_ids (f->console);
  g_test_message ("the guest's PCI functions:\n%s", ids);
  assert_has_id (ids, "vmxnet3 NIC", "0x15ad:0x07b0");
  assert_has_id (ids, "e1000e NIC", "0x8086:0x10d3");
  assert_has_id (ids, "pcnet NIC", "0x1022:0x2000");
  assert_has_id (ids, "ne2k_pci NIC", "0x10ec:0x8029");
  assert_has_id (ids, "ES1370 sound card", "0x1274:0x5000");
  assert_has_id (ids, "ICH9 HD audio", "0x8086:0x293e");
  assert_has_id (ids, "VMware SVGA", "0x15ad:0x0405");
  assert_has_id (ids, "ivshmem", "0x1af4:0x1110");
  assert_has_id (ids, "virtio-rng (non-transitional)", "0x1af4:0x1044");
  assert_has_id (ids, "virtio-rng (transitional)", "0x1af4:0x1005");
  assert_has_id (ids, "virtio-balloon", "0x1af4:0x1002");
  assert_has_id (ids, "EHCI controller", "0x8086:0x24cd");
  /* The plain shared memory is the named file of /dev/shm, as big as asked. */
  {
    GStatBuf st;

    g_assert_cmpint (g_stat ("/dev/shm/vbtest-devices-shmem", &st), ==, 0);
    g_assert_cmpint (st.st_size, ==, 1 << 20);
  }
  /* <stats period='5'>: the guest's balloon driver reports its figures,
   * which GetStats gives under libvirt's names. */
  {
    gint64 end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
    guint64 unused = 0, available = 0;
    gboolean seen = FALSE;

    while (!seen && g_get_monotonic_time () < end)
      {
        g_autoptr (GVariant) reply =
          vb_test_call_ok (f->env, f->path, IFACE_DOMAIN, "GetStats", g_variant_new ("(u)", 0));
        g_autoptr (GVariant) stats = g_variant_get_child_value (reply, 0);

        seen = g_variant_lookup (stats, "balloon.unused", "t", &unused)
               && g_variant_lookup (stats, "balloon.available", "t", &available);
        if (!seen)
          g_usleep (G_USEC_PER_SEC);
      }
    g_test_message ("balloon.unused %" G_GUINT64_FORMAT " KiB of %" G_GUINT64_FORMAT, unused,
                    available);
    g_assert_true (seen);
    g_assert_cmpuint (available, >, 0);
    g_assert_cmpuint (available, <=, GUEST_MIB * 1024);
    g_assert_cmpuint (unused, <, available);
  }
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  g_unlink ("/dev/shm/vbtest-devices-shmem");
}

/* ---- a socket NIC ---- */

/* The guest's virtio NIC on a udp socket: it is told the MTU of <mtu>, and
 * the ARP requests its ping sends arrive at the host's end, each frame one
 * datagram from the guest's MAC. */
static void
test_udp_nic (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocket) sock =
    g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_DATAGRAM, G_SOCKET_PROTOCOL_UDP, &error);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) here = g_inet_socket_address_new (loopback, UDP_HOST_PORT);
  g_autofree char *devices =
    g_strdup_printf ("    <interface type='udp'>\n      <mac address='" GUEST_MAC "'/>\n"
                     "      <source address='127.0.0.1' port='%d'>\n"
                     "        <local address='127.0.0.1' port='%d'/>\n      </source>\n"
                     "      <model type='virtio'/>\n      <mtu size='1400'/>\n    </interface>\n",
                     UDP_HOST_PORT, UDP_GUEST_PORT);
  g_autofree char *mtu = NULL;
  guint8 frame[2048];
  const guint8 mac[6] = { 0x52, 0x54, 0x00, 0x07, 0x00, 0x01 };
  gboolean seen = FALSE;
  gint64 end;

  g_assert_no_error (error);
  g_assert_true (g_socket_bind (sock, here, TRUE, &error));
  g_assert_no_error (error);
  boot (f, "devices-udp", "pc", devices);
  mtu = vb_test_console_output (f->console, "cat /sys/class/net/eth0/mtu", 30000);
  g_assert_nonnull (strstr (mtu, "1400"));
  g_free (vb_test_console_output (f->console,
                                  "ip link set eth0 up; ip addr add 10.77.0.2/24 dev eth0; "
                                  "ping -c 2 -W 1 10.77.0.1; true",
                                  30000));
  g_socket_set_blocking (sock, FALSE);
  end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (!seen && g_get_monotonic_time () < end)
    {
      gssize n = g_socket_receive (sock, (char *) frame, sizeof frame, NULL, NULL);

      if (n < 0)
        {
          g_usleep (50000);
          continue;
        }
      /* An Ethernet frame: destination, then source MAC. */
      seen = n >= 14 && memcmp (frame + 6, mac, 6) == 0;
    }
  g_assert_true (seen);
}

/* ---- an ethernet tap ---- */

/* type='ethernet': a tap of the name <target dev> asks, on no bridge, with
 * the MTU of <mtu>; what the guest sends comes out of it. */
static void
test_ethernet_tap (Fixture *f, gconstpointer data)
{
  g_autofree char *link = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  boot (f, "devices-eth", "pc",
        "    <interface type='ethernet'>\n      <mac address='" GUEST_MAC "'/>\n"
        "      <target dev='vbtest-eth0'/>\n      <model type='virtio'/>\n"
        "      <mtu size='1400'/>\n    </interface>\n");
  link = vb_test_run ("ip -n %s -o link show vbtest-eth0", f->netns);
  g_test_message ("%s", link);
  g_assert_nonnull (strstr (link, "mtu 1400"));
  g_assert_null (strstr (link, "master"));
  before =
    vb_test_run ("ip netns exec %s cat /sys/class/net/vbtest-eth0/statistics/rx_packets", f->netns);
  g_free (vb_test_console_output (f->console,
                                  "ip link set eth0 up; ip addr add 10.77.1.2/24 dev eth0; "
                                  "ping -c 2 -W 1 10.77.1.1; true",
                                  30000));
  after =
    vb_test_run ("ip netns exec %s cat /sys/class/net/vbtest-eth0/statistics/rx_packets", f->netns);
  g_test_message ("tap rx packets: %s -> %s", before, after);
  g_assert_cmpuint (g_ascii_strtoull (after, NULL, 10), >, g_ascii_strtoull (before, NULL, 10));
}

/* <driver queues='2'>: the tap is made multi_queue and opened once per
 * queue; the guest (two vCPUs, so its driver uses both) sees a virtio NIC
 * with two queue pairs, the host's tap has both attached, and a ping gets
 * its answers through it, also after a managed save and restore. An
 * administrator's tap that is not multi_queue is refused at Start by name. */
static void
test_multiqueue_tap (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = vb_test_guest_xml_on (
    "devices-mq", GUEST_MIB, "pc", TRUE, NULL,
    "    <interface type='ethernet'>\n      <mac address='" GUEST_MAC "'/>\n"
    "      <target dev='vbtest-mq0'/>\n      <model type='virtio'/>\n"
    "      <driver queues='2'/>\n    </interface>\n");
  g_autoptr (GString) two_vcpus = g_string_new (xml);
  g_autofree char *flags = NULL;
  g_autofree char *host_queues = NULL;
  g_autofree char *guest_queues = NULL;
  g_autofree char *vectors = NULL;
  g_autofree char *admin = vb_test_guest_xml_on (
    "devices-mq-adm", GUEST_MIB, "pc", TRUE, NULL,
    "    <interface type='ethernet'>\n      <mac address='" GUEST_MAC "'/>\n"
    "      <target dev='vbtest-mq1' managed='no'/>\n      <model type='virtio'/>\n"
    "      <driver queues='2'/>\n    </interface>\n");

  g_assert_cmpuint (g_string_replace (two_vcpus, "<vcpu>1</vcpu>", "<vcpu>2</vcpu>", 1), ==, 1);
  vb_guest_fixture_boot (f, two_vcpus->str, BOOT_TIMEOUT_MS);
  /* IFF_MULTI_QUEUE (0x100) among the tap's flags. */
  flags = vb_test_run ("ip netns exec %s cat /sys/class/net/vbtest-mq0/tun_flags", f->netns);
  g_test_message ("tun_flags %s", g_strstrip (flags));
  g_assert_cmpuint (g_ascii_strtoull (flags, NULL, 16) & 0x100, ==, 0x100);
  /* The guest's queues: virtqueues of two pairs, each with its interrupt
   * (input.0, input.1 of the NIC's virtio device), and both pairs in use. */
  vectors = vb_test_console_output (
    f->console,
    "v=$(basename $(readlink /sys/class/net/eth0/device)); "
    "echo vb-vectors-$(grep -c \" $v-input\\.\" /proc/interrupts)-$(grep -c \" $v-output\\.\" "
    "/proc/interrupts)",
    30000);
  g_test_message ("%s", vectors);
  g_assert_nonnull (strstr (vectors, "vb-vectors-2-2"));
  guest_queues = vb_test_console_output (
    f->console,
    "echo vb-queues-$(ls -d /sys/class/net/eth0/queues/rx-* | wc -l)-"
    "$(ls -d /sys/class/net/eth0/queues/tx-* | wc -l)",
    30000);
  g_assert_nonnull (strstr (guest_queues, "vb-queues-2-2"));
  /* The tap's queues QEMU keeps attached: the ones the guest enabled. */
  host_queues = vb_test_run ("ip netns exec %s sh -c 'ls -d /sys/class/net/vbtest-mq0/queues/rx-* "
                             "| wc -l'",
                             f->netns);
  g_assert_cmpstr (g_strstrip (host_queues), ==, "2");
  g_free (vb_test_run ("ip -n %s addr add 10.77.3.1/24 dev vbtest-mq0", f->netns));
  g_assert_cmpint (vb_test_console_run (f->console,
                                        "ip link set eth0 up; ip addr add 10.77.3.2/24 dev eth0; "
                                        "ping -c 3 -W 2 10.77.3.1 >/dev/null",
                                        30000),
                   ==, 0);

  /* Saved and restored: the new QEMU gets a new multiqueue tap, and the
   * guest's two queue pairs come back on it (QEMU attaches the queues the
   * restored device has enabled); pings are answered again. */
  {
    g_autofree char *job = vb_test_call_path (f->env, f->path, IFACE_DOMAIN, "ManagedSave",
                                              g_variant_new ("(u)", 0));

    vb_test_job_wait_completed (f->env, job, 180000);
    g_clear_pointer (&f->console, vb_test_console_free);
    vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
    f->console = vb_test_console_open (f->env, f->path);
    g_free (host_queues);
    host_queues = vb_test_run ("ip netns exec %s sh -c 'ls -d /sys/class/net/vbtest-mq0/queues/rx-* "
                               "| wc -l'",
                               f->netns);
    g_assert_cmpstr (g_strstrip (host_queues), ==, "2");
    g_free (vb_test_run ("ip -n %s addr add 10.77.3.1/24 dev vbtest-mq0", f->netns));
    g_assert_cmpint (vb_test_console_run (f->console, "ping -c 3 -W 2 10.77.3.1 >/dev/null", 30000),
                     ==, 0);
  }

  /* A tap of one queue the administrator made cannot be opened as several. */
  g_free (vb_test_run ("ip -n %s tuntap add dev vbtest-mq1 mode tap vnet_hdr", f->netns));
  vb_test_expect_start_refused (f->env, admin, "needs a tap made multi_queue");
}

/* A tap the host's administrator made: a managed <target dev> naming it is
 * refused (it would take over the tap and its traffic), managed='no' uses
 * it as it is (its MAC and MTU stay the administrator's: an <mtu> it does
 * not have is refused at Start). */
static void
test_existing_tap (Fixture *f, gconstpointer data)
{
  const char *admin_mac = "02:00:00:00:0a:01";
  g_autofree char *managed = vb_test_guest_xml_on (
    "devices-adm-managed", GUEST_MIB, "pc", TRUE, NULL,
    "    <interface type='ethernet'>\n      <mac address='" GUEST_MAC "'/>\n"
    "      <target dev='vbtest-adm0'/>\n      <model type='virtio'/>\n    </interface>\n");
  g_autofree char *path = NULL;
  g_autofree char *link = NULL;
  g_autofree char *before = NULL;
  g_autofree char *after = NULL;

  g_free (vb_test_run ("ip -n %s tuntap add dev vbtest-adm0 mode tap vnet_hdr", f->netns));
  g_free (vb_test_run ("ip -n %s link set vbtest-adm0 address %s up", f->netns, admin_mac));

  path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                            g_variant_new ("(su)", managed, 0));
  vb_test_call_expect_error_saying (f->env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0),
                                    "org.virtbus.Virt1.Error.OperationInvalid",
                                    "already has an interface 'vbtest-adm0'");
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Undefine", g_variant_new ("(u)", 0));
  link = vb_test_run ("ip -n %s -o link show vbtest-adm0", f->netns);
  g_assert_nonnull (strstr (link, admin_mac));
  /* Its MTU is the administrator's too: a guest told another one is refused. */
  {
    g_autofree char *other_mtu = vb_test_guest_xml_on (
      "devices-adm-mtu", GUEST_MIB, "pc", TRUE, NULL,
      "    <interface type='ethernet'>\n      <mac address='" GUEST_MAC "'/>\n"
      "      <target dev='vbtest-adm0' managed='no'/>\n      <model type='virtio'/>\n"
      "      <mtu size='1400'/>\n    </interface>\n");

    vb_test_expect_start_refused (
      f->env, other_mtu, "tap vbtest-adm0 is the host's (managed='no') and its MTU is 1500");
    g_free (link);
    link = vb_test_run ("ip -n %s -o link show vbtest-adm0", f->netns);
    g_assert_nonnull (strstr (link, "mtu 1500"));
  }

  /* The NIC's virtqueues are packed (<driver packed='on'>, a virtio option
   * every virtio device takes): the guest's driver sees feature bit 34. */
  boot (f, "devices-adm", "pc",
        "    <interface type='ethernet'>\n      <mac address='" GUEST_MAC "'/>\n"
        "      <target dev='vbtest-adm0' managed='no'/>\n      <model type='virtio'/>\n"
        "      <driver packed='on'/>\n    </interface>\n");
  {
    /* Without the counter lines the guest may print in between. */
    g_autofree char *features =
      vb_test_console_answer (f->console, "cat /sys/class/net/eth0/device/features");

    g_test_message ("virtio-net features: %s", features);
    g_assert_cmpuint (strlen (g_strstrip (features)), >, 34);
    g_assert_cmpint (features[34], ==, '1');
  }
  g_free (link);
  link = vb_test_run ("ip -n %s -o link show vbtest-adm0", f->netns);
  g_test_message ("%s", link);
  g_assert_nonnull (strstr (link, admin_mac));
  before =
    vb_test_run ("ip netns exec %s cat /sys/class/net/vbtest-adm0/statistics/rx_packets", f->netns);
  g_free (vb_test_console_output (f->console,
                                  "ip link set eth0 up; ip addr add 10.77.2.2/24 dev eth0; "
                                  "ping -c 2 -W 1 10.77.2.1; true",
                                  30000));
  after =
    vb_test_run ("ip netns exec %s cat /sys/class/net/vbtest-adm0/statistics/rx_packets", f->netns);
  g_assert_cmpuint (g_ascii_strtoull (after, NULL, 10), >, g_ascii_strtoull (before, NULL, 10));
}

/* ---- refused at start ---- */

static void
expect_start_refused (Fixture *f, const char *name, const char *devices, const char *words)
{
  g_autofree char *xml = vb_test_guest_xml_on (name, GUEST_MIB, "pc", TRUE, NULL, devices);

  vb_test_expect_start_refused (f->env, xml, words);
}

/* Defined (the definition is fine), refused by name at Start on a host
 * without the hardware or module. */
static void
test_start_refusals (Fixture *f, gconstpointer data)
{
  guint checked = 0;

  if (!g_file_test ("/dev/vhost-vsock", G_FILE_TEST_EXISTS))
    {
      expect_start_refused (f, "devices-vsock",
                            "    <vsock model='virtio'>\n      <cid auto='yes'/>\n    </vsock>\n",
                            "/dev/vhost-vsock");
      checked++;
    }
  if (!g_file_test ("/dev/input/event-vbtest", G_FILE_TEST_EXISTS))
    {
      expect_start_refused (f, "devices-evdev",
                            "    <input type='passthrough' bus='virtio'>\n"
                            "      <source evdev='/dev/input/event-vbtest'/>\n    </input>\n",
                            "the host has no input device /dev/input/event-vbtest");
      checked++;
    }
  if (!g_file_test ("/dev/vhost-net", G_FILE_TEST_EXISTS))
    {
      expect_start_refused (f, "devices-vhost",
                            "    <interface type='ethernet'>\n"
                            "      <mac address='" GUEST_MAC "'/>\n"
                            "      <model type='virtio'/>\n      <driver name='vhost'/>\n"
                            "    </interface>\n",
                            "/dev/vhost-net");
      checked++;
    }
  if (!g_file_test ("/sys/bus/scsi/devices/7:0:0:3", G_FILE_TEST_EXISTS))
    {
      expect_start_refused (f, "devices-scsi-hostdev",
                            "    <hostdev mode='subsystem' type='scsi'>\n      <source>\n"
                            "        <adapter name='scsi_host7'/>\n"
                            "        <address bus='0' target='0' unit='3'/>\n"
                            "      </source>\n    </hostdev>\n",
                            "the host has no SCSI device 7:0:0:3");
      checked++;
    }
  if (!checked)
    g_test_skip ("this host has every device the refusals are about");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/xml-devices/pci-devices", Fixture, NULL, vb_guest_fixture_set_up, test_pci_devices,
              vb_guest_fixture_tear_down);
  g_test_add ("/xml-devices/udp-nic", Fixture, NULL, vb_guest_fixture_set_up, test_udp_nic,
              vb_guest_fixture_tear_down);
  g_test_add ("/xml-devices/ethernet-tap", Fixture, "vbtest-dev", vb_guest_fixture_set_up_in_netns,
              test_ethernet_tap, vb_guest_fixture_tear_down);
  g_test_add ("/xml-devices/multiqueue-tap", Fixture, "vbtest-mq", vb_guest_fixture_set_up_in_netns,
              test_multiqueue_tap, vb_guest_fixture_tear_down);
  g_test_add ("/xml-devices/existing-tap", Fixture, "vbtest-adm", vb_guest_fixture_set_up_in_netns,
              test_existing_tap, vb_guest_fixture_tear_down);
  g_test_add ("/xml-devices/start-refusals", Fixture, NULL, vb_guest_fixture_set_up,
              test_start_refusals, vb_guest_fixture_tear_down);
  return g_test_run ();
}
