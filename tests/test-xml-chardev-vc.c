/* A character device of type 'vc' (a text console of QEMU's display) with
 * a VNC display: the test guest finds the virtio port it feeds, by name. */
#include <gio/gio.h>
#include <string.h>

#include "vb-test-env.h"
#include "vb-test-guest-fixture.h"

#define BOOT_TIMEOUT_MS 120000
#define GUEST_MIB 160

typedef VbGuestFixture Fixture;

static void
test_vc_channel (Fixture *f, gconstpointer data)
{
  g_autofree char *xml =
    vb_test_guest_xml_on ("vc-channel", GUEST_MIB, "pc", TRUE, NULL,
                          "    <channel type='vc'>\n"
                          "      <target type='virtio' name='org.example.vc'/>\n"
                          "    </channel>\n"
                          "    <graphics type='vnc' autoport='yes' listen='127.0.0.1'/>\n");
  g_autofree char *ports = NULL;

  vb_guest_fixture_boot (f, xml, BOOT_TIMEOUT_MS);
  ports = vb_test_console_output (f->console,
                                  "modprobe virtio_console 2>/dev/null; sleep 1; "
                                  "echo PORTS=$(cat /sys/class/virtio-ports/*/name)",
                                  30000);
  g_test_message ("guest's virtio ports: %s", ports);
  g_assert_nonnull (strstr (ports, "PORTS="));
  g_assert_nonnull (strstr (strstr (ports, "PORTS="), "org.example.vc"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/xml-chardev-vc/channel", Fixture, NULL, vb_guest_fixture_set_up, test_vc_channel,
              vb_guest_fixture_tear_down);
  return g_test_run ();
}
