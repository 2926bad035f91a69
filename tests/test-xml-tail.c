/* The long tail of devices as the project's test guest and its host see
 * them: virtio <driver> options on the balloon (the guest negotiates the
 * packed ring), a virtio input device, a usbredir socket that connects when
 * its peer comes (<reconnect>), SPICE on a Unix socket, swtpm's log level,
 * and Start's refusal of blob resources on a host without /dev/udmabuf. */
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <string.h>

#include "vb-test-env.h"
#include "vb-test-guest-fixture.h"

#define BOOT_TIMEOUT_MS 120000
#define GUEST_MIB 160
/* VIRTIO_F_RING_PACKED: the bit of /sys/bus/virtio/devices/…/features. */
#define RING_PACKED_BIT 34
/* Seconds QEMU has to connect (it retries every second). */
#define ACCEPT_TIMEOUT_S 30

typedef VbGuestFixture Fixture;

/* A TCP port nothing listens on (now). */
static guint16
free_port (void)
{
  g_autoptr (GSocketListener) listener = g_socket_listener_new ();
  g_autoptr (GError) error = NULL;
  guint16 port = g_socket_listener_add_any_inet_port (listener, NULL, &error);

  g_assert_no_error (error);
  g_socket_listener_close (listener);
  return port;
}

/* The features the guest's driver negotiated with the virtio device of
 * @device_id ("0x0005"), as a string of '0' and '1' (bit 0 first). */
static char *
guest_features (VbTestConsole *console, const char *device_id)
{
  g_autofree char *out = vb_test_console_output (
    console,
    "for d in /sys/bus/virtio/devices/*; do echo \"dev=$(cat $d/device) $(cat $d/features)\"; "
    "done",
    60000);
  g_autofree char *key = g_strdup_printf ("dev=%s ", device_id);
  const char *line = strstr (out, key);

  g_test_message ("the guest's virtio devices:\n%s", out);
  if (!line)
    g_error ("the guest has no virtio device %s", device_id);
  line += strlen (key);
  return g_strndup (line, strspn (line, "01"));
}

static void
test_devices (Fixture *f, gconstpointer data)
{
  guint16 port = free_port ();
  g_autofree char *devices = g_strdup_printf (
    "    <controller type='usb' index='0' model='qemu-xhci'/>\n"
    "    <input type='mouse' bus='virtio'>\n      <driver packed='on'/>\n    </input>\n"
    "    <memballoon model='virtio'>\n      <driver packed='on' page_per_vq='on'/>\n"
    "    </memballoon>\n"
    "    <redirdev bus='usb' type='tcp'>\n"
    "      <source mode='connect' host='127.0.0.1' service='%u'>\n"
    "        <reconnect enabled='yes' timeout='1'/>\n      </source>\n    </redirdev>\n"
    "    <graphics type='spice'>\n      <listen type='socket'/>\n    </graphics>\n",
    port);
  g_autofree char *xml =
    vb_test_guest_xml_on ("tail-devices", GUEST_MIB, "pc", TRUE, NULL, devices);
  g_autofree char *uuid = NULL;
  g_autofree char *spice = NULL;
  g_autofree char *ids = NULL;
  g_autofree char *features = NULL;
  g_autoptr (GSocket) listener = NULL;
  g_autoptr (GSocketAddress) local = NULL;
  g_autoptr (GSocket) redir = NULL;
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketAddress) address = NULL;
  g_autoptr (GSocketConnection) viewer = NULL;
  g_autoptr (GError) error = NULL;

  /* Nothing listens on the usbredir port: without <reconnect> QEMU would
   * not start ("Connection refused"). */
  vb_guest_fixture_boot (f, xml, BOOT_TIMEOUT_MS);
  uuid = vb_test_get_string (f->env, f->path, IFACE_DOMAIN, "UUID");

  /* The balloon's packed ring reached the guest (its driver took it). */
  features = guest_features (f->console, "0x0005");
  g_assert_cmpuint (strlen (features), >, RING_PACKED_BIT);
  g_assert_cmpint (features[RING_PACKED_BIT], ==, '1');
  /* The virtio mouse (virtio-input, modern only). */
  ids = vb_test_guest_pci_ids (f->console);
  g_assert_nonnull (strstr (ids, "id=0x1af4:0x1052"));

  /* The usbredir chardev keeps trying: it connects once a peer listens. */
  listener =
    g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);
  g_assert_no_error (error);
  local = g_inet_socket_address_new_from_string ("127.0.0.1", port);
  g_assert_true (g_socket_bind (listener, local, TRUE, &error));
  g_assert_true (g_socket_listen (listener, &error));
  g_socket_set_timeout (listener, ACCEPT_TIMEOUT_S);
  redir = g_socket_accept (listener, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (redir);

  /* SPICE listens on its socket in the domain's run directory. */
  spice = g_build_filename (f->env->run_dir, "qemu", uuid, "spice.sock", NULL);
  address = g_unix_socket_address_new (spice);
  viewer = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (viewer);
}

/* <backend debug='20'>: swtpm logs at level 20 into its helper log in the
 * domain's run directory, where level 1 (the default) says nothing of the
 * control commands QEMU sends it when it starts. */
static void
test_tpm_debug (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = vb_test_guest_xml_on ("tail-tpm", GUEST_MIB, "pc", TRUE, NULL,
                                               "    <tpm model='tpm-tis'>\n"
                                               "      <backend type='emulator' version='2.0' "
                                               "debug='20'/>\n    </tpm>\n");
  g_autofree char *uuid = NULL;
  g_autofree char *log_path = NULL;
  g_autofree char *log = NULL;

  vb_guest_fixture_boot (f, xml, BOOT_TIMEOUT_MS);
  uuid = vb_test_get_string (f->env, f->path, IFACE_DOMAIN, "UUID");
  log_path = g_build_filename (f->env->run_dir, "qemu", uuid, "tpm0.log", NULL);
  g_assert_true (g_file_get_contents (log_path, &log, NULL, NULL));
  g_test_message ("%s", log);
  g_assert_nonnull (strstr (log, "--log level=20"));
  g_assert_nonnull (strstr (log, "Ctrl Cmd:"));
}

/* Defined (memfd memory), refused by name at Start on a host without the
 * kernel's udmabuf. */
static void
test_blob_start_refused (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = NULL;
  g_autoptr (GString) with_memfd = NULL;

  if (g_file_test ("/dev/udmabuf", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("this host has /dev/udmabuf");
      return;
    }
  xml =
    vb_test_guest_xml_on ("tail-blob", GUEST_MIB, "pc", TRUE, NULL,
                          "    <video>\n      <model type='virtio' blob='on'/>\n    </video>\n");
  with_memfd = g_string_new (xml);
  g_assert_cmpuint (g_string_replace (with_memfd, "  <vcpu>",
                                      "  <memoryBacking>\n    <source type='memfd'/>\n"
                                      "  </memoryBacking>\n  <vcpu>",
                                      1),
                    ==, 1);
  vb_test_expect_start_refused (f->env, with_memfd->str, "blob resources need /dev/udmabuf");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/xml-tail/devices", Fixture, NULL, vb_guest_fixture_set_up, test_devices,
              vb_guest_fixture_tear_down);
  g_test_add ("/xml-tail/tpm-debug", Fixture, NULL, vb_guest_fixture_set_up, test_tpm_debug,
              vb_guest_fixture_tear_down);
  g_test_add ("/xml-tail/blob-start-refused", Fixture, NULL, vb_guest_fixture_set_up,
              test_blob_start_refused, vb_guest_fixture_tear_down);
  return g_test_run ();
}
