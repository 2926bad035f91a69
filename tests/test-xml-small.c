/* <interface type='ethernet'><source><ip>/<route>: the service gives the
 * tap it makes the host side's address and routes before QEMU starts (here
 * in a network namespace of the test's), and the test guest reaches that
 * address; a host's own tap (managed='no') is refused. And <disk
 * type='vhostvdpa'> refused at Start by this QEMU without libblkio. And
 * <clock offset='timezone'>: the zone in QEMU's environment, the guest's RTC
 * on its time. */
#include <gio/gio.h>
#include <string.h>

#include "vb-test-domains.h"
#include "vb-test-env.h"
#include "vb-test-guest-fixture.h"

#define BOOT_TIMEOUT_MS 120000
#define GUEST_MIB 160
#define GUEST_MAC "52:54:00:07:09:01"

typedef VbGuestFixture Fixture;

static void
test_host_ip (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = vb_test_guest_xml_on (
    "hostip", GUEST_MIB, "pc", TRUE, NULL,
    "    <interface type='ethernet'>\n      <mac address='" GUEST_MAC "'/>\n"
    "      <source>\n"
    "        <ip address='10.77.9.1' family='ipv4' prefix='24'/>\n"
    "        <route family='ipv4' address='10.78.0.0' prefix='16' gateway='10.77.9.2'/>\n"
    "      </source>\n"
    "      <target dev='vbtest-hip0'/>\n      <model type='virtio'/>\n    </interface>\n");
  g_autofree char *addresses = NULL;
  g_autofree char *routes = NULL;
  g_autofree char *ping = NULL;
  const char *replies;

  vb_guest_fixture_boot (f, xml, BOOT_TIMEOUT_MS);
  addresses = vb_test_run ("ip -n %s -o addr show dev vbtest-hip0", f->netns);
  g_test_message ("%s", addresses);
  g_assert_nonnull (strstr (addresses, "inet 10.77.9.1/24"));
  routes = vb_test_run ("ip -n %s route show dev vbtest-hip0", f->netns);
  g_test_message ("%s", routes);
  g_assert_nonnull (strstr (routes, "10.78.0.0/16 via 10.77.9.2"));

  /* The guest, on the other end, reaches the host side's address. */
  ping = vb_test_console_output (f->console,
                                 "ip link set eth0 up; ip addr add 10.77.9.2/24 dev eth0; "
                                 "echo REPLIES=$(ping -c 3 -W 2 10.77.9.1 | "
                                 "grep -c 'bytes from 10.77.9.1')",
                                 40000);
  g_test_message ("guest's ping: %s", ping);
  replies = strstr (ping, "REPLIES=");
  g_assert_nonnull (replies);
  g_assert_cmpuint (g_ascii_strtoull (replies + strlen ("REPLIES="), NULL, 10), >=, 1);
}

/* A tap the host's administrator made keeps its addresses: refused at
 * define already (nothing on this host decides it). */
static void
test_existing_refused (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = vb_test_guest_xml_on (
    "hostip-adm", GUEST_MIB, "pc", TRUE, NULL,
    "    <interface type='ethernet'>\n      <mac address='" GUEST_MAC "'/>\n"
    "      <source>\n        <ip address='10.77.9.1' prefix='24'/>\n      </source>\n"
    "      <target dev='vbtest-hip1' managed='no'/>\n      <model type='virtio'/>\n"
    "    </interface>\n");

  vb_test_call_expect_error_saying (
    f->env, MANAGER, IFACE_MANAGER, "DefineDomain", g_variant_new ("(su)", xml, 0),
    "org.virtbus.Virt1.Error.NotSupported",
    "tap vbtest-hip1 is the host's (managed='no'); the service does not change its addresses");
}

/* Defined (a QEMU with libblkio runs it), refused at Start here by the
 * driver's name when this QEMU lacks it, else by the missing device. */
static void
test_vhostvdpa_refused (Fixture *f, gconstpointer data)
{
  g_autofree char *xml =
    vb_test_guest_xml_on ("vhostvdpa", GUEST_MIB, "pc", TRUE, NULL,
                          "    <disk type='vhostvdpa' device='disk'>\n"
                          "      <driver name='qemu' type='raw' cache='none'/>\n"
                          "      <source dev='/dev/vhost-vdpa-77'/>\n"
                          "      <target dev='vdb' bus='virtio'/>\n    </disk>\n");
  g_autofree char *version = vb_test_run ("qemu-system-x86_64 --version");
  gboolean old = strstr (version, "version 7.") != NULL;

  g_assert_false (g_file_test ("/dev/vhost-vdpa-77", G_FILE_TEST_EXISTS));
  /* QEMU 7.2 cannot have it (Debian builds none with libblkio). */
  vb_test_expect_start_refused (f->env, xml,
                                old ? "needs QEMU's virtio-blk-vhost-vdpa block driver (libblkio)"
                                    : "vhost-vdpa");
}

/* <clock offset='timezone' timezone='Europe/Paris'>: QEMU runs with TZ set
 * to the zone and its RTC on local time, so the guest's RTC is the zone's
 * time: read as UTC (since_epoch), ahead of the host's UTC by the zone's
 * offset. */
static void
test_clock_timezone (Fixture *f, gconstpointer data)
{
  g_autofree char *base = vb_test_guest_xml_on ("tz", GUEST_MIB, "pc", TRUE, NULL, NULL);
  g_autoptr (GString) xml = g_string_new (base);
  g_autoptr (GTimeZone) paris = g_time_zone_new_identifier ("Europe/Paris");
  g_autofree char *environ_path = NULL;
  g_autofree char *env_text = NULL;
  g_autofree char *rtc = NULL;
  gsize length = 0;
  gboolean found = FALSE;
  gint64 now, offset;

  if (!paris)
    {
      g_test_skip ("this host has no time zone Europe/Paris");
      return;
    }
  g_assert_cmpuint (
    g_string_replace (xml, "</os>\n",
                      "</os>\n  <clock offset='timezone' timezone='Europe/Paris'/>\n", 1),
    ==, 1);
  vb_guest_fixture_boot (f, xml->str, BOOT_TIMEOUT_MS);
  environ_path = g_strdup_printf ("/proc/%d/environ", vb_test_qemu_pid (f->env, f->path));
  g_assert_true (g_file_get_contents (environ_path, &env_text, &length, NULL));
  for (const char *p = env_text; p < env_text + length; p += strlen (p) + 1)
    found = found || g_str_equal (p, "TZ=Europe/Paris");
  g_assert_true (found);

  rtc = vb_test_console_answer (f->console, "cat /sys/class/rtc/rtc0/since_epoch");
  now = g_get_real_time () / G_USEC_PER_SEC;
  offset =
    g_time_zone_get_offset (paris, g_time_zone_find_interval (paris, G_TIME_TYPE_UNIVERSAL, now));
  g_test_message ("guest RTC %s, host UTC %" G_GINT64_FORMAT ", Paris offset %" G_GINT64_FORMAT,
                  rtc, now, offset);
  g_assert_cmpint (offset, !=, 0);
  g_assert_cmpint (ABS (g_ascii_strtoll (rtc, NULL, 10) - now - offset), <, 120);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/xml-small/vhostvdpa-refused", Fixture, NULL, vb_guest_fixture_set_up,
              test_vhostvdpa_refused, vb_guest_fixture_tear_down);
  g_test_add ("/xml-small/host-ip", Fixture, "vbtest-hip", vb_guest_fixture_set_up_in_netns,
              test_host_ip, vb_guest_fixture_tear_down);
  g_test_add ("/xml-small/existing-refused", Fixture, "vbtest-hipa",
              vb_guest_fixture_set_up_in_netns, test_existing_refused, vb_guest_fixture_tear_down);
  g_test_add ("/xml-small/clock-timezone", Fixture, NULL, vb_guest_fixture_set_up,
              test_clock_timezone, vb_guest_fixture_tear_down);
  return g_test_run ();
}
