/* What a migration's source accepts as a destination and, from the
 * destination, as the address of the stream. */
#include <gio/gio.h>
#include <string.h>

#include "migration-peer.h"
#include "vb-error.h"

static void
test_destinations (void)
{
  const char *good[] = {
    "unix:path=/run/virtbus/bus",
    "unix:path=/tmp/dst%20bus,guid=0123456789abcdef0123456789abcdef",
    "tcp:host=10.0.0.2,port=1234",
    "tcp:host=dst.example.org,port=65535,family=ipv4",
    "tcp:host=::1,port=7000",
    "unix:path=/a;tcp:host=h,port=1",
    "ssh://host",
    "ssh://root@dst.example.org:2222",
    "ssh://admin_1@192.0.2.7",
    "ssh://[2001:db8::1]:22",
  };
  const char *bad[] = {
    /* reads a root-only file and sends it to whoever listens */
    "nonce-tcp:host=127.0.0.1,port=1,noncefile=/etc/shadow",
    "tcp:host=127.0.0.1,port=1,noncefile=/etc/shadow",
    "unix:path=/a;nonce-tcp:host=127.0.0.1,port=1,noncefile=/etc/shadow",
    /* runs a program, asks a helper, or listens */
    "unixexec:path=/bin/sh,argv1=-c,argv2=touch%20/tmp/x",
    "autolaunch:",
    "launchd:env=DBUS_LAUNCHD_SESSION_BUS_SOCKET",
    "unix:tmpdir=/tmp",
    "unix:dir=/tmp",
    "unix:runtime=yes",
    /* a name any user may take */
    "unix:abstract=/tmp/dbus-x",
    "unix:path=relative/bus",
    "unix:path=/a,path=/b",
    "unix:path=",
    "tcp:host=127.0.0.1",
    "tcp:host=127.0.0.1,port=0",
    "tcp:host=-oops,port=1",
    "tcp:host=h,port=1,bind=0.0.0.0",
    "",
    ";",
    "garbage",
    /* ssh: nothing that ssh could take as an option */
    "ssh://-oProxyCommand=x",
    "ssh://-oProxyCommand=touch /tmp/x@host",
    "ssh://root@-oProxyCommand=x",
    "ssh://-l@host",
    "ssh://.x@host",
    "ssh://user name@host",
    "ssh://host;reboot",
    "ssh://host name",
    "ssh://$(id)",
    "ssh://host:-22",
    "ssh://host:0",
    "ssh://host:65536",
    "ssh://host:22:33",
    "ssh://host/path",
    "ssh://",
    "ssh://user@",
    "ssh://a@b@c",
    "ssh://[::1",
    "ssh://[not-v6]:22",
    "ssh://host-.example",
    "ssh://ho\nst",
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr (GError) error = NULL;

      g_test_message ("good: %s", good[i]);
      g_assert_true (vb_migration_peer_check_destination (good[i], &error));
      g_assert_no_error (error);
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;

      g_test_message ("bad: %s", bad[i]);
      g_assert_false (vb_migration_peer_check_destination (bad[i], &error));
      g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
      /* The refusal names what it refused. */
      g_assert_nonnull (strstr (error->message, bad[i]));
    }
}

static void
test_stream_uris (void)
{
  const char *good[] = {
    "tcp:127.0.0.1:49152",
    "tcp:[::1]:1",
    "tcp:dst.example.org:65535",
    "tcp:h:80",
  };
  const char *bad[] = {
    "exec:touch /tmp/x",
    "exec:cat > /etc/shadow",
    "unix:/run/x.sock",
    "fd:3",
    "file:/etc/shadow",
    "rdma:127.0.0.1:1",
    "tcp:127.0.0.1",
    "tcp:127.0.0.1:",
    "tcp:127.0.0.1:0",
    "tcp:127.0.0.1:65536",
    "tcp:127.0.0.1:1,ipv4=on",
    "tcp:127.0.0.1:1:2",
    "tcp::1",
    "tcp:[::1]",
    "tcp:[::1:1",
    "tcp:-h:1",
    "tcp:h x:1",
    "tcp:",
    "TCP:127.0.0.1:1",
    "",
  };

  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_test_message ("good: %s", good[i]);
      g_assert_true (vb_migration_peer_check_stream_uri (good[i], NULL));
    }
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;

      g_test_message ("bad: %s", bad[i]);
      g_assert_false (vb_migration_peer_check_stream_uri (bad[i], &error));
      g_assert_nonnull (error);
    }
}

static void
test_default_host (void)
{
  const struct {
    const char *destination;
    const char *host;
  } cases[] = {
    { "unix:path=/run/virtbus/bus", "127.0.0.1" },
    { "tcp:host=10.0.0.2,port=1234", "10.0.0.2" },
    { "ssh://root@dst.example.org:2222", "dst.example.org" },
    { "ssh://[2001:db8::1]", "2001:db8::1" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *host = vb_migration_peer_default_host (cases[i].destination);

      g_assert_cmpstr (host, ==, cases[i].host);
    }
}

/* A stream key is 64 hex digits, new each time; only such a string passes
 * the destination's check (it is written to QEMU's key file as is). */
static void
test_stream_keys (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *a = vb_migration_peer_new_stream_key (&error);
  g_autofree char *b = vb_migration_peer_new_stream_key (&error);
  g_autofree char *short_key = g_strnfill (63, 'a');
  g_autofree char *long_key = g_strnfill (65, 'a');
  g_autofree char *newline = g_strconcat (a, "\n", NULL);
  const char *bad[] = { "", "virtbus:00", "zz", NULL };

  g_assert_no_error (error);
  g_assert_cmpuint (strlen (a), ==, 64);
  g_assert_cmpstr (a, !=, b);
  g_assert_true (vb_migration_peer_check_stream_key (a, &error));
  g_assert_no_error (error);
  for (guint i = 0; bad[i]; i++)
    {
      g_assert_false (vb_migration_peer_check_stream_key (bad[i], &error));
      g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
      g_clear_error (&error);
    }
  g_assert_false (vb_migration_peer_check_stream_key (short_key, NULL));
  g_assert_false (vb_migration_peer_check_stream_key (long_key, NULL));
  g_assert_false (vb_migration_peer_check_stream_key (newline, NULL));
  newline[10] = 'g';
  newline[64] = '\0';
  g_assert_false (vb_migration_peer_check_stream_key (newline, NULL));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/migration-peer/destinations", test_destinations);
  g_test_add_func ("/migration-peer/stream-uris", test_stream_uris);
  g_test_add_func ("/migration-peer/default-host", test_default_host);
  g_test_add_func ("/migration-peer/stream-keys", test_stream_keys);
  return g_test_run ();
}
