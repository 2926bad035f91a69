/* <interface type='user'><backend type='passt'/> with the project's test
 * guest: the guest, with the address and gateway the XML gives passt,
 * reaches a TCP port on the host's loopback through passt's gateway, and a
 * <portForward> of the host reaches a port the guest listens on; passt runs
 * while the guest does and ends with it. What this host's passt cannot do
 * (hostname, fqdn: Debian 12's has no such options) is refused at Start. */
#define _GNU_SOURCE /* memmem */
#include <gio/gio.h>
#include <stdlib.h>
#include <string.h>

#include "vb-test-env.h"

#define BOOT_TIMEOUT_MS 120000
#define GUEST_MIB 160
#define PASST "/usr/bin/passt"
#define GUEST_ADDRESS "10.0.2.15"
#define GATEWAY "10.0.2.2"

typedef struct {
  VbTestEnv *env;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  vb_test_env_start_daemon (f->env, NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_assert_true (vb_test_env_daemon_alive (f->env));
  vb_test_env_free (f->env);
}

/* How many passt processes run with this env's run directory on their
 * command line (its socket): this test's, nobody else's. */
static guint
passt_running (VbTestEnv *env)
{
  g_autoptr (GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *entry;
  guint count = 0;

  while ((entry = g_dir_read_name (proc)))
    {
      g_autofree char *exe_link = g_strdup_printf ("/proc/%s/exe", entry);
      g_autofree char *cmdline_path = g_strdup_printf ("/proc/%s/cmdline", entry);
      g_autofree char *exe = g_file_read_link (exe_link, NULL);
      g_autofree char *cmdline = NULL;
      gsize length = 0;

      /* Debian's passt runs on as passt.avx2 where the CPU has it. */
      if (!g_ascii_isdigit (entry[0]) || !exe || !g_str_has_prefix (exe, PASST)
          || !g_file_get_contents (cmdline_path, &cmdline, &length, NULL))
        continue;
      for (gsize i = 0; i < length; i += strlen (cmdline + i) + 1)
        if (strstr (cmdline + i, env->run_dir))
          {
            count++;
            break;
          }
    }
  return count;
}

static gboolean
wait_passt (VbTestEnv *env, guint count, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  while (passt_running (env) != count)
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_usleep (50000);
    }
  return TRUE;
}

/* A TCP socket listening on the host's loopback, on a port the kernel
 * chose. */
static GSocket *
listen_loopback (guint *port)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  GSocket *socket =
    g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, &error);

  g_assert_no_error (error);
  g_assert_true (g_socket_bind (socket, any, TRUE, &error));
  g_assert_true (g_socket_listen (socket, &error));
  g_assert_no_error (error);
  bound = g_socket_get_local_address (socket, &error);
  g_assert_no_error (error);
  *port = g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound));
  return socket;
}

/* A port nothing on the host's loopback listens on now. */
static guint
free_port (void)
{
  guint port;
  g_autoptr (GSocket) socket = listen_loopback (&port);

  return port;
}

static char *
read_all (GSocket *socket)
{
  GString *text = g_string_new (NULL);
  char buffer[256];
  gssize n;

  g_socket_set_timeout (socket, 60);
  while ((n = g_socket_receive (socket, buffer, sizeof buffer, NULL, NULL)) > 0)
    g_string_append_len (text, buffer, n);
  return g_string_free (text, FALSE);
}

static void
test_passt_both_ways (Fixture *f, gconstpointer data)
{
  guint host_port, forward_port = free_port ();
  g_autoptr (GSocket) listener = listen_loopback (&host_port);
  g_autoptr (GError) error = NULL;
  g_autoptr (GSocket) accepted = NULL;
  g_autofree char *devices =
    g_strdup_printf ("    <interface type='user'>\n"
                     "      <mac address='52:54:00:16:07:10'/>\n"
                     "      <ip address='" GUEST_ADDRESS "' family='ipv4' prefix='24'/>\n"
                     "      <route gateway='" GATEWAY "'/>\n"
                     "      <portForward proto='tcp' address='127.0.0.1'>\n"
                     "        <range start='%u' to='7777'/>\n"
                     "      </portForward>\n"
                     "      <model type='virtio'/>\n"
                     "      <backend type='passt'/>\n"
                     "    </interface>\n",
                     forward_port);
  g_autofree char *xml = vb_test_guest_xml ("passt", GUEST_MIB, "vb.counter=0", devices);
  g_autofree char *path = NULL;
  g_autofree char *command = NULL;
  g_autofree char *from_guest = NULL;
  g_autofree char *got = NULL;
  VbTestConsole *console;

  path = vb_test_boot_guest (f->env, xml, FALSE, BOOT_TIMEOUT_MS);
  g_assert_true (wait_passt (f->env, 1, 10000));
  console = vb_test_console_open (f->env, path);
  vb_test_console_output (console,
                          "ip link set eth0 up && ip addr add " GUEST_ADDRESS "/24 dev eth0 && "
                          "ip route add default via " GATEWAY,
                          60000);

  /* The guest to the host: passt's gateway is the host's loopback. */
  command = g_strdup_printf ("( (echo hello-from-guest | nc " GATEWAY " %u) >/dev/null 2>&1 & )",
                             host_port);
  vb_test_console_output (console, command, 60000);
  g_socket_set_timeout (listener, 60);
  accepted = g_socket_accept (listener, NULL, &error);
  g_assert_no_error (error);
  from_guest = read_all (accepted);
  g_assert_cmpstr (from_guest, ==, "hello-from-guest\n");

  /* The host to the guest: the <portForward> range. */
  vb_test_console_output (console, "( (nc -l -p 7777 > /tmp/got) >/dev/null 2>&1 & )", 60000);
  {
    g_autoptr (GSocketClient) client = g_socket_client_new ();
    g_autoptr (GSocketConnection) connection = NULL;
    gint64 end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
    gsize written = 0;

    /* passt accepts as soon as it listens; the guest's nc may not be
     * listening yet: then the connection closes at once. Try again. */
    for (;;)
      {
        g_clear_object (&connection);
        g_clear_error (&error);
        connection =
          g_socket_client_connect_to_host (client, "127.0.0.1", forward_port, NULL, &error);
        g_assert_no_error (error);
        g_assert_true (
          g_output_stream_write_all (g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                                     "hello-from-host\n", 16, &written, NULL, &error));
        g_io_stream_close (G_IO_STREAM (connection), NULL, NULL);
        g_free (got);
        g_usleep (500000);
        got = vb_test_console_output (console, "cat /tmp/got", 60000);
        if (strstr (got, "hello-from-host") || g_get_monotonic_time () > end)
          break;
        vb_test_console_output (console, "( (nc -l -p 7777 > /tmp/got) >/dev/null 2>&1 & )", 60000);
      }
    g_assert_nonnull (strstr (got, "hello-from-host"));
  }
  vb_test_console_free (console);

  /* passt goes with QEMU. */
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  g_assert_true (wait_passt (f->env, 0, 10000));
}

/* Options of a newer passt than this host's: accepted at define (a host
 * with one runs them), refused by name when the guest starts here. */
static void
test_passt_hostname_refused (Fixture *f, gconstpointer data)
{
  const char *devices = "    <interface type='user'>\n"
                        "      <mac address='52:54:00:16:07:11'/>\n"
                        "      <model type='virtio'/>\n"
                        "      <backend type='passt' hostname='guest1'/>\n"
                        "    </interface>\n";
  g_autofree char *xml = vb_test_guest_xml ("passt-hostname", GUEST_MIB, "vb.counter=0", devices);
  g_autofree char *program = NULL;
  gsize length = 0;
  g_autofree char *path = NULL;

  g_assert_true (g_file_get_contents (PASST, &program, &length, NULL));
  if (memmem (program, length, "--hostname", strlen ("--hostname")))
    {
      g_test_skip ("this host's passt has --hostname");
      return;
    }
  path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                            g_variant_new ("(su)", xml, 0));
  vb_test_call_expect_error_saying (
    f->env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0),
    "org.virtbus.Virt1.Error.NotSupported",
    "hostname: this host's passt (/usr/bin/passt) has no --hostname");
  g_assert_cmpuint (passt_running (f->env), ==, 0);
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Undefine", g_variant_new ("(u)", 0));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (!g_file_test (PASST, G_FILE_TEST_IS_EXECUTABLE))
    g_test_message ("%s is missing (Debian package passt): these tests fail", PASST);
  g_test_add ("/xml-passt/both-ways", Fixture, NULL, fixture_set_up, test_passt_both_ways,
              fixture_tear_down);
  g_test_add ("/xml-passt/hostname-refused", Fixture, NULL, fixture_set_up,
              test_passt_hostname_refused, fixture_tear_down);
  return g_test_run ();
}
