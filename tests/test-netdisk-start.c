/* What Start checks of network disks. An http disk's password goes to the
 * server as is (HTTP basic authentication): a private secret is refused
 * there at Start, and so is a secret of another usage named by UUID (a LUKS
 * passphrase as an iSCSI password); a readable 'iscsi' secret reaches a
 * server on loopback, which serves the disk only with it. What this host's
 * QEMU cannot open is refused by name. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vb-test-env.h"

#define IFACE_SECRET "org.virtbus.Virt1.Secret"
#define USER "webuser"
#define PASSWORD "http basic password 93"
#define IMAGE_SIZE 65536

typedef struct {
  int listen_fd;
  int port;
  char *expected;  /* "Authorization: Basic ..." */
  gint authorized; /* requests that carried @expected */
  gint refused;    /* requests without it */
  GThread *thread;
} Server;

static void
reply (int fd, const char *head, const char *body, gsize len)
{
  g_assert_cmpint (write (fd, head, strlen (head)), ==, (gssize) strlen (head));
  if (len && write (fd, body, len) != (gssize) len)
    g_test_message ("short write of the body");
}

/* One request per connection (Connection: close): HEAD and GET with an
 * optional "Range: bytes=A-B", answered only with the right credentials. */
static void
serve_one (Server *server, int fd, const char *image)
{
  g_autoptr (GString) request = g_string_new (NULL);
  char buf[4096];
  gssize got;
  gboolean head;
  guint64 from = 0, to = IMAGE_SIZE - 1;
  const char *range;
  g_autofree char *text = NULL;

  while (!strstr (request->str, "\r\n\r\n") && (got = read (fd, buf, sizeof buf)) > 0)
    g_string_append_len (request, buf, got);
  head = g_str_has_prefix (request->str, "HEAD ");
  if (!strstr (request->str, server->expected))
    {
      g_atomic_int_inc (&server->refused);
      reply (fd,
             "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"vb\"\r\n"
             "Content-Length: 0\r\nConnection: close\r\n\r\n",
             NULL, 0);
      return;
    }
  g_atomic_int_inc (&server->authorized);
  range = strstr (request->str, "Range: bytes=");
  if (range
      && sscanf (range, "Range: bytes=%" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT, &from, &to) >= 1)
    {
      to = MIN (to, (guint64) IMAGE_SIZE - 1);
      text = g_strdup_printf ("HTTP/1.1 206 Partial Content\r\nContent-Length: %" G_GUINT64_FORMAT
                              "\r\nContent-Range: bytes %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT
                              "/%d\r\nAccept-Ranges: bytes\r\nConnection: close\r\n\r\n",
                              to - from + 1, from, to, IMAGE_SIZE);
      reply (fd, text, head ? NULL : image + from, head ? 0 : to - from + 1);
      return;
    }
  text = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Length: %d\r\nAccept-Ranges: bytes\r\n"
                          "Connection: close\r\n\r\n",
                          IMAGE_SIZE);
  reply (fd, text, image, head ? 0 : IMAGE_SIZE);
}

static gpointer
serve (gpointer data)
{
  Server *server = data;
  g_autofree char *image = g_malloc (IMAGE_SIZE);
  int fd;

  memset (image, 0x3c, IMAGE_SIZE);
  while ((fd = accept (server->listen_fd, NULL, NULL)) >= 0)
    {
      serve_one (server, fd, image);
      close (fd);
    }
  return NULL;
}

static Server *
server_start (void)
{
  Server *server = g_new0 (Server, 1);
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
  socklen_t len = sizeof addr;
  g_autofree char *pair =
    g_base64_encode ((const guchar *) USER ":" PASSWORD, strlen (USER ":" PASSWORD));

  server->expected = g_strdup_printf ("Authorization: Basic %s", pair);
  server->listen_fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  g_assert_cmpint (server->listen_fd, >=, 0);
  g_assert_cmpint (bind (server->listen_fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
  g_assert_cmpint (listen (server->listen_fd, 16), ==, 0);
  g_assert_cmpint (getsockname (server->listen_fd, (struct sockaddr *) &addr, &len), ==, 0);
  server->port = ntohs (addr.sin_port);
  server->thread = g_thread_new ("http", serve, server);
  return server;
}

static void
server_stop (Server *server)
{
  /* shutdown() wakes the accept() of the thread. */
  shutdown (server->listen_fd, SHUT_RDWR);
  g_thread_join (server->thread);
  close (server->listen_fd);
  g_free (server->expected);
  g_free (server);
}

static char *
define_secret (VbTestEnv *env, const char *private, const char *usage_xml, const char *value)
{
  g_autofree char *xml =
    g_strdup_printf ("<secret ephemeral='yes' private='%s'>\n%s</secret>\n", private, usage_xml);
  char *path =
    vb_test_call_path (env, MANAGER, IFACE_MANAGER, "DefineSecret", g_variant_new ("(su)", xml, 0));

  g_variant_unref (vb_test_call_ok (
    env, path, IFACE_SECRET, "SetValue",
    g_variant_new ("(@ayu)",
                   g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, value, strlen (value), 1), 0)));
  return path;
}

/* A domain whose disk is @disk, defined (not started). */
static char *
define_domain (VbTestEnv *env, const char *name, const char *disk)
{
  g_autofree char *xml = vb_test_guest_xml (name, 128, NULL, disk);

  return vb_test_call_path (env, MANAGER, IFACE_MANAGER, "DefineDomain",
                            g_variant_new ("(su)", xml, 0));
}

static char *
http_disk (int port, const char *secret)
{
  return g_strdup_printf ("    <disk type='network' device='disk'>\n"
                          "      <driver name='qemu' type='raw'/>\n"
                          "      <source protocol='http' name='disk.img'>\n"
                          "        <host name='127.0.0.1' port='%d'/>\n"
                          "        <auth username='" USER "'>\n"
                          "          <secret %s/>\n"
                          "        </auth>\n"
                          "      </source>\n"
                          "      <target dev='vdb' bus='virtio'/>\n"
                          "      <readonly/>\n"
                          "    </disk>\n",
                          port, secret);
}

static void
test_http_auth_secrets (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  Server *server = server_start ();
  g_autofree char *private_secret = NULL;
  g_autofree char *public_secret = NULL;
  g_autofree char *luks_secret = NULL;
  g_autofree char *disk = NULL;
  g_autofree char *path = NULL;
  g_autofree char *message = NULL;

  vb_test_env_start_daemon (env, NULL);
  private_secret =
    define_secret (env, "yes", "  <usage type='iscsi'><target>web-private</target></usage>\n",
                   PASSWORD);
  public_secret =
    define_secret (env, "no", "  <usage type='iscsi'><target>web-public</target></usage>\n",
                   PASSWORD);
  luks_secret = define_secret (env, "no",
                               "  <uuid>5c0e7a2d-93b1-4f6e-8d2a-1b3c4d5e6f70</uuid>\n"
                               "  <usage type='volume'><volume>/nowhere.img</volume></usage>\n",
                               PASSWORD);

  /* A private secret: never sent as an http password. */
  disk = http_disk (server->port, "type='iscsi' usage='web-private'");
  path = define_domain (env, "netdisk-http-private", disk);
  message = vb_test_call_error_message (env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0),
                                        "org.virtbus.Virt1.Error.OperationInvalid");
  g_assert_nonnull (strstr (message, "is private"));
  g_assert_cmpint (g_atomic_int_get (&server->authorized), ==, 0);
  g_clear_pointer (&disk, g_free);
  g_clear_pointer (&path, g_free);
  g_clear_pointer (&message, g_free);

  /* A LUKS passphrase named by UUID as the password. */
  disk = http_disk (server->port, "type='iscsi' uuid='5c0e7a2d-93b1-4f6e-8d2a-1b3c4d5e6f70'");
  path = define_domain (env, "netdisk-http-luks", disk);
  message = vb_test_call_error_message (env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0),
                                        "org.virtbus.Virt1.Error.OperationInvalid");
  g_assert_nonnull (strstr (message, "is a 'volume' secret"));
  g_assert_cmpint (g_atomic_int_get (&server->authorized), ==, 0);
  g_clear_pointer (&disk, g_free);
  g_clear_pointer (&path, g_free);

  /* Only an iscsi or ceph secret is a password, already at define. */
  disk = http_disk (server->port, "type='passphrase' usage='/nowhere.img'");
  {
    g_autofree char *xml = vb_test_guest_xml ("netdisk-http-passphrase", 128, NULL, disk);

    vb_test_call_expect_error_saying (env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                      g_variant_new ("(su)", xml, 0),
                                      "org.virtbus.Virt1.Error.NotSupported", "iscsi|ceph");
  }
  g_clear_pointer (&disk, g_free);

  /* A readable password secret reaches the server, which serves the disk
   * only with it: QEMU opens the disk and the domain runs. */
  disk = http_disk (server->port, "type='iscsi' usage='web-public'");
  path = define_domain (env, "netdisk-http-public", disk);
  g_variant_unref (vb_test_call_ok (env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0)));
  g_assert_cmpint (g_atomic_int_get (&server->authorized), >, 0);
  g_variant_unref (vb_test_call_ok (env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0)));
  {
    g_autofree char *log = vb_test_env_daemon_log (env);

    g_assert_null (strstr (log, PASSWORD));
  }
  g_assert_true (vb_test_env_daemon_alive (env));
  server_stop (server);
}

/* librbd's luks-any is QEMU 8.0's: accepted at define, refused by name at
 * Start on this host's QEMU 7.2, before the secret is read. */
static void
test_rbd_luks_any (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  const char *disk = "    <disk type='network' device='disk'>\n"
                     "      <driver name='qemu' type='raw'/>\n"
                     "      <source protocol='rbd' name='pool/image'>\n"
                     "        <host name='127.0.0.1'/>\n"
                     "        <encryption format='luks-any' engine='librbd'>\n"
                     "          <secret type='passphrase' usage='/nowhere.img'/>\n"
                     "        </encryption>\n"
                     "      </source>\n"
                     "      <target dev='vdb' bus='virtio'/>\n"
                     "    </disk>\n";
  g_autofree char *path = NULL;

  vb_test_env_start_daemon (env, NULL);
  path = define_domain (env, "netdisk-rbd-luks-any", disk);
  vb_test_call_expect_error_saying (env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0),
                                    "org.virtbus.Virt1.Error.NotSupported",
                                    "format='luks-any' needs QEMU 8.0");
  g_assert_true (vb_test_env_daemon_alive (env));
}

/* A qcow2 UEFI variable store made from Debian's raw OVMF template: the
 * service converts it at Start (qemu-img, as QEMU's user when QEMU runs as
 * one), and QEMU, told format=qcow2, runs on it. Confined: system mode with
 * the user vbtest-qemu (tests/setup-test-users.sh). */
static void
test_nvram_qcow2 (gconstpointer data)
{
  gboolean confined = GPOINTER_TO_INT (data);
  g_autoptr (VbTestEnv) env = vb_test_env_new (confined ? VB_TEST_ENV_POLKIT : VB_TEST_ENV_NONE);
  const char *args[] = { "--qemu-user=vbtest-qemu", "--network-driver=test", NULL };
  const char *os = "    <loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd"
                   "</loader>\n    <nvram format='qcow2'/>\n";
  g_autofree char *store = NULL;
  g_autofree char *xml = vb_test_guest_xml ("uefiq", 192, NULL, NULL);
  g_autofree char *uefi = NULL;
  g_autofree char *path = NULL;
  g_autofree char *head = NULL;
  gsize len = 0;
  char *at = strstr (xml, "  </os>");
  struct passwd *user = getpwnam ("vbtest-qemu");
  struct stat st;

  if (!g_file_test ("/usr/share/OVMF/OVMF_VARS_4M.fd", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("no OVMF (Debian package ovmf)");
      return;
    }
  if (confined && !user)
    g_error ("the user vbtest-qemu is missing: run tests/setup-test-users.sh as root");
  if (confined)
    vb_test_env_start_system_daemon (env, NULL, args);
  else
    vb_test_env_start_daemon (env, NULL);
  store = g_build_filename (env->state_dir, "qemu", "nvram", "uefiq_VARS.fd", NULL);
  uefi = g_strdup_printf ("%.*s%s%s", (int) (at - xml), xml, os, at);
  path = vb_test_call_path (env, MANAGER, IFACE_MANAGER, "DefineDomain",
                            g_variant_new ("(su)", uefi, 0));
  /* Start returns once QEMU runs: it opened the store as qcow2. */
  g_variant_unref (vb_test_call_ok (env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0)));
  g_assert_true (g_file_get_contents (store, &head, &len, NULL));
  g_assert_cmpuint (len, >=, 4);
  g_assert_cmpmem (head, 4, "QFI\xfb", 4);
  g_assert_cmpint (lstat (store, &st), ==, 0);
  g_assert_cmpuint (st.st_mode & 07777, ==, 0600);
  if (confined)
    g_assert_cmpuint (st.st_uid, ==, user->pw_uid);
  g_variant_unref (vb_test_call_ok (env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0)));
  /* Made once: the next start keeps the guest's variables. */
  g_variant_unref (vb_test_call_ok (env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0)));
  g_variant_unref (vb_test_call_ok (env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0)));
  g_assert_true (vb_test_env_daemon_alive (env));
}

/* A UEFI variable store on NBD: a qcow2 store (made from OVMF's template)
 * that qemu-nbd serves on loopback is QEMU's pflash1. With the server gone
 * QEMU cannot open it, so Start fails: the store is really the network's. */
static void
test_nvram_nbd (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autoptr (GSubprocess) nbd = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *vars = NULL;
  g_autofree char *port_text = NULL;
  g_autofree char *os = NULL;
  g_autofree char *xml = vb_test_guest_xml ("uefinbd", 192, NULL, NULL);
  g_autofree char *uefi = NULL;
  g_autofree char *path = NULL;
  char *at = strstr (xml, "  </os>");
  int port;

  if (!g_file_test ("/usr/share/OVMF/OVMF_VARS_4M.fd", G_FILE_TEST_EXISTS))
    {
      g_test_skip ("no OVMF (Debian package ovmf)");
      return;
    }
  vb_test_env_start_daemon (env, NULL);
  vars = g_build_filename (env->tmpdir, "vars.qcow2", NULL);
  {
    const char *argv[] = { "qemu-img", "convert", "-q",    "-f",
                           "raw",      "-O",      "qcow2", "/usr/share/OVMF/OVMF_VARS_4M.fd",
                           vars,       NULL };
    int status = -1;

    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL,
                                 NULL, &status, NULL));
    g_assert_true (g_spawn_check_wait_status (status, NULL));
  }
  {
    /* A port nobody listens on now. */
    int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl (INADDR_LOOPBACK) };
    socklen_t len = sizeof addr;

    g_assert_cmpint (bind (fd, (struct sockaddr *) &addr, sizeof addr), ==, 0);
    g_assert_cmpint (getsockname (fd, (struct sockaddr *) &addr, &len), ==, 0);
    port = ntohs (addr.sin_port);
    close (fd);
  }
  os = g_strdup_printf ("    <loader readonly='yes' type='pflash'>/usr/share/OVMF/OVMF_CODE_4M.fd"
                        "</loader>\n"
                        "    <nvram type='network' format='qcow2'>\n"
                        "      <source protocol='nbd' name='vars'>\n"
                        "        <host name='127.0.0.1' port='%d'/>\n"
                        "      </source>\n"
                        "    </nvram>\n",
                        port);
  uefi = g_strdup_printf ("%.*s%s%s", (int) (at - xml), xml, os, at);
  path = vb_test_call_path (env, MANAGER, IFACE_MANAGER, "DefineDomain",
                            g_variant_new ("(su)", uefi, 0));
  /* No server yet: QEMU cannot open its store. */
  vb_test_call_expect_error (env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0),
                             "org.virtbus.Virt1.Error.Failed");
  port_text = g_strdup_printf ("%d", port);
  nbd = g_subprocess_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE | G_SUBPROCESS_FLAGS_STDERR_SILENCE,
                          &error, "qemu-nbd", "--persistent", "--format=raw", "--bind=127.0.0.1",
                          "--port", port_text, "--export-name=vars", vars, NULL);
  g_assert_no_error (error);
  for (int i = 0; i < 100 && !vb_test_port_open (port); i++)
    g_usleep (50000);
  g_assert_true (vb_test_port_open (port));
  g_variant_unref (vb_test_call_ok (env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0)));
  g_variant_unref (vb_test_call_ok (env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0)));
  g_subprocess_force_exit (nbd);
  g_subprocess_wait (nbd, NULL, NULL);
  g_assert_true (vb_test_env_daemon_alive (env));
}

/* A network disk on a network backing store: a qcow2 overlay on NBD whose
 * header names a backing file that does not exist, over a raw base on a
 * second NBD server. The guest reads the base's bytes through the
 * overlay: QEMU opened the <backingStore> the XML names, not the header's. */
static void
test_backing_nbd (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autoptr (GSubprocess) top_server = NULL;
  g_autoptr (GSubprocess) base_server = NULL;
  g_autofree char *base = g_build_filename (env->tmpdir, "base.img", NULL);
  g_autofree char *top = g_build_filename (env->tmpdir, "top.qcow2", NULL);
  g_autofree char *content = g_malloc0 (1 << 20);
  g_autofree char *disk = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *path = NULL;
  g_autofree char *out = NULL;
  VbTestConsole *console = NULL;
  int top_port, base_port;

  memcpy (content, "VIRTBUS-BACKING-NBD-51c2", 24);
  g_assert_true (g_file_set_contents (base, content, 1 << 20, NULL));
  {
    const char *argv[] = { "qemu-img", "create", "-q",  "-f", "qcow2",
                           "-u",       "-F",     "raw", "-b", "/nonexistent/header-backing.img",
                           top,        "1M",     NULL };
    g_free (vb_test_run_argv (argv));
  }
  vb_test_env_start_daemon (env, NULL);
  top_server = vb_test_serve_nbd (top, "top", &top_port);
  base_server = vb_test_serve_nbd (base, "base", &base_port);
  disk = g_strdup_printf ("    <disk type='network' device='disk'>\n"
                          "      <driver name='qemu' type='qcow2'/>\n"
                          "      <source protocol='nbd' name='top'>\n"
                          "        <host name='127.0.0.1' port='%d'/>\n"
                          "      </source>\n"
                          "      <backingStore type='network'>\n"
                          "        <format type='raw'/>\n"
                          "        <source protocol='nbd' name='base'>\n"
                          "          <host name='127.0.0.1' port='%d'/>\n"
                          "        </source>\n"
                          "        <backingStore/>\n"
                          "      </backingStore>\n"
                          "      <target dev='vda' bus='virtio'/>\n"
                          "    </disk>\n",
                          top_port, base_port);
  xml = vb_test_guest_xml ("netdisk-backing", 128, NULL, disk);
  path = vb_test_boot_guest (env, xml, TRUE, 90000);
  console = vb_test_console_open (env, path);
  out = vb_test_console_output (console,
                                "dd if=/dev/vda bs=512 count=1 2>/dev/null | tr -d '\\000'; echo",
                                30000);
  g_assert_nonnull (strstr (out, "VIRTBUS-BACKING-NBD-51c2"));
  vb_test_console_free (console);
  g_variant_unref (vb_test_call_ok (env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0)));
  g_subprocess_force_exit (top_server);
  g_subprocess_force_exit (base_server);
  g_subprocess_wait (top_server, NULL, NULL);
  g_subprocess_wait (base_server, NULL, NULL);
  g_assert_true (vb_test_env_daemon_alive (env));
}

/* A qcow2 image on NBD whose header names a file of this host as its
 * backing (another guest's disk, say), and no <backingStore>: QEMU must not
 * open that file. The guest reads zeros where the file has its marker. */
static void
test_header_backing_ignored (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autoptr (GSubprocess) top_server = NULL;
  g_autofree char *other = g_build_filename (env->tmpdir, "other-guest.img", NULL);
  g_autofree char *top = g_build_filename (env->tmpdir, "top.qcow2", NULL);
  g_autofree char *content = g_malloc0 (1 << 20);
  g_autofree char *disk = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *path = NULL;
  g_autofree char *out = NULL;
  VbTestConsole *console = NULL;
  int top_port;

  memcpy (content, "VIRTBUS-OTHER-GUEST-7e1d", 24);
  g_assert_true (g_file_set_contents (other, content, 1 << 20, NULL));
  g_assert_cmpint (chmod (env->tmpdir, 0755), ==, 0);
  g_assert_cmpint (chmod (other, 0644), ==, 0);
  {
    const char *argv[] = { "qemu-img", "create", "-q", "-f", "qcow2", "-F", "raw",
                           "-b",       other,    top,  "1M", NULL };
    g_free (vb_test_run_argv (argv));
  }
  vb_test_env_start_daemon (env, NULL);
  top_server = vb_test_serve_nbd (top, "top", &top_port);
  disk = g_strdup_printf ("    <disk type='network' device='disk'>\n"
                          "      <driver name='qemu' type='qcow2'/>\n"
                          "      <source protocol='nbd' name='top'>\n"
                          "        <host name='127.0.0.1' port='%d'/>\n"
                          "      </source>\n"
                          "      <target dev='vda' bus='virtio'/>\n"
                          "    </disk>\n",
                          top_port);
  xml = vb_test_guest_xml ("netdisk-header-backing", 128, NULL, disk);
  path = vb_test_boot_guest (env, xml, TRUE, 90000);
  console = vb_test_console_open (env, path);
  out = vb_test_console_output (
    console, "dd if=/dev/vda bs=512 count=1 2>/dev/null | tr -d '\\000'; echo read-done", 30000);
  g_assert_nonnull (strstr (out, "read-done"));
  g_assert_null (strstr (out, "VIRTBUS-OTHER-GUEST-7e1d"));
  vb_test_console_free (console);
  g_variant_unref (vb_test_call_ok (env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0)));
  g_subprocess_force_exit (top_server);
  g_subprocess_wait (top_server, NULL, NULL);
  g_assert_true (vb_test_env_daemon_alive (env));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/netdisk-start/http-auth-secrets", test_http_auth_secrets);
  g_test_add_func ("/netdisk-start/rbd-luks-any", test_rbd_luks_any);
  g_test_add_func ("/netdisk-start/nvram-nbd", test_nvram_nbd);
  g_test_add_func ("/netdisk-start/backing-nbd", test_backing_nbd);
  g_test_add_func ("/netdisk-start/header-backing-ignored", test_header_backing_ignored);
  g_test_add_data_func ("/netdisk-start/nvram-qcow2-from-raw", GINT_TO_POINTER (FALSE),
                        test_nvram_qcow2);
  g_test_add_data_func ("/netdisk-start/nvram-qcow2-from-raw-confined", GINT_TO_POINTER (TRUE),
                        test_nvram_qcow2);
  return g_test_run ();
}
