/* nbdkit serves the network disks QEMU 7.2 cannot (issue #16): a writable
 * http disk. An HTTP server on loopback holds the image and takes ranged
 * PUTs (nbdkit's curl plugin writes with them); it answers only requests
 * with the disk's password (HTTP basic authentication, from a secret) and
 * its cookies. The guest writes a mark on the disk and the server's image
 * has it; the guest reads back what the server holds. The password and the
 * cookies reach nbdkit through pipes: they are in no log. Also confined:
 * the service in system mode, nbdkit running as QEMU's user. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vb-test-console.h"
#include "vb-test-domains.h"
#include "vb-test-env.h"

#define IFACE_SECRET "org.virtbus.Virt1.Secret"
#define USER "nbdkituser"
#define PASSWORD "nbdkit basic password 41"
#define COOKIE_NAME "vbsession"
#define COOKIE_VALUE "c00kie-7d1e"
#define IMAGE_SIZE (1024 * 1024)
#define MARK "VB-NBDKIT-MARK-5521"
#define MARK_OFFSET 8192
#define SERVER_MARK "VB-SERVER-SIDE-0937"
#define SERVER_MARK_OFFSET 16384
#define BOOT_TIMEOUT_MS 240000

typedef struct {
  int listen_fd;
  int port;
  char *expected_auth;
  GMutex lock;
  char *image;
  gint authorized;
  gint refused;
  gint puts;
  GThread *thread;
} Server;

static void
reply (int fd, const char *head, const char *body, gsize len)
{
  if (write (fd, head, strlen (head)) != (gssize) strlen (head))
    return;
  if (len && write (fd, body, len) != (gssize) len)
    g_test_message ("short write of the body");
}

/* Reads @want bytes of body after the head (what came with it first). */
static GString *
read_body (int fd, const char *after_head, gsize have, gsize want)
{
  GString *body = g_string_new_len (after_head, MIN (have, want));
  char buf[65536];
  gssize got;

  while (body->len < want && (got = read (fd, buf, MIN (sizeof buf, want - body->len))) > 0)
    g_string_append_len (body, buf, got);
  return body;
}

/* A chunked body (libcurl sends one when it does not give a length). */
static GString *
read_chunked (int fd, GString *raw)
{
  GString *body = g_string_new (NULL);
  char buf[65536];
  gssize got;
  gsize at = 0;

  for (;;)
    {
      char *eol;
      guint64 size;

      while (!(eol = strstr (raw->str + at, "\r\n")) && (got = read (fd, buf, sizeof buf)) > 0)
        g_string_append_len (raw, buf, got);
      if (!eol)
        return body;
      size = g_ascii_strtoull (raw->str + at, NULL, 16);
      at = (eol - raw->str) + 2;
      while (raw->len < at + size + 2 && (got = read (fd, buf, sizeof buf)) > 0)
        g_string_append_len (raw, buf, got);
      if (size == 0)
        return body;
      g_string_append_len (body, raw->str + at, size);
      at += size + 2;
    }
}

static void
serve_one (Server *server, int fd)
{
  g_autoptr (GString) request = g_string_new (NULL);
  g_autofree char *text = NULL;
  char buf[65536];
  gssize got;
  const char *end;
  const char *range;
  guint64 from = 0, to = IMAGE_SIZE - 1;
  gboolean head;
  g_autofree char *cookie = g_strdup_printf ("Cookie: %s=%s", COOKIE_NAME, COOKIE_VALUE);

  while (!strstr (request->str, "\r\n\r\n") && (got = read (fd, buf, sizeof buf)) > 0)
    g_string_append_len (request, buf, got);
  end = strstr (request->str, "\r\n\r\n");
  if (!end)
    return;
  head = g_str_has_prefix (request->str, "HEAD ");
  if (!strstr (request->str, server->expected_auth) || !strstr (request->str, cookie))
    {
      g_atomic_int_inc (&server->refused);
      reply (fd,
             "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"vb\"\r\n"
             "Content-Length: 0\r\nConnection: close\r\n\r\n",
             NULL, 0);
      return;
    }
  g_atomic_int_inc (&server->authorized);
  if (g_str_has_prefix (request->str, "PUT "))
    {
      const char *length = strstr (request->str, "Content-Length: ");
      gsize have = request->len - (end + 4 - request->str);
      g_autoptr (GString) body = NULL;

      range = strstr (request->str, "Content-Range: bytes ");
      if (!range
          || sscanf (range, "Content-Range: bytes %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT, &from,
                     &to)
               != 2
          || to >= IMAGE_SIZE || from > to)
        {
          reply (fd, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                 NULL, 0);
          return;
        }
      if (strstr (request->str, "Expect: 100-continue"))
        reply (fd, "HTTP/1.1 100 Continue\r\n\r\n", NULL, 0);
      if (length)
        body = read_body (fd, end + 4, have, g_ascii_strtoull (length + 16, NULL, 10));
      else
        {
          g_autoptr (GString) raw = g_string_new_len (end + 4, have);
          body = read_chunked (fd, raw);
        }
      g_mutex_lock (&server->lock);
      memcpy (server->image + from, body->str, MIN (body->len, to - from + 1));
      g_mutex_unlock (&server->lock);
      g_atomic_int_inc (&server->puts);
      reply (fd, "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n", NULL, 0);
      return;
    }
  range = strstr (request->str, "Range: bytes=");
  if (range
      && sscanf (range, "Range: bytes=%" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT, &from, &to) >= 1)
    {
      g_autofree char *copy = NULL;

      to = MIN (to, (guint64) IMAGE_SIZE - 1);
      text = g_strdup_printf ("HTTP/1.1 206 Partial Content\r\nContent-Length: %" G_GUINT64_FORMAT
                              "\r\nContent-Range: bytes %" G_GUINT64_FORMAT "-%" G_GUINT64_FORMAT
                              "/%d\r\nAccept-Ranges: bytes\r\nConnection: close\r\n\r\n",
                              to - from + 1, from, to, IMAGE_SIZE);
      g_mutex_lock (&server->lock);
      copy = g_memdup2 (server->image + from, to - from + 1);
      g_mutex_unlock (&server->lock);
      reply (fd, text, head ? NULL : copy, head ? 0 : to - from + 1);
      return;
    }
  text = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Length: %d\r\nAccept-Ranges: bytes\r\n"
                          "Connection: close\r\n\r\n",
                          IMAGE_SIZE);
  reply (fd, text, NULL, 0);
}

static gpointer
serve (gpointer data)
{
  Server *server = data;
  int fd;

  while ((fd = accept (server->listen_fd, NULL, NULL)) >= 0)
    {
      serve_one (server, fd);
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

  g_mutex_init (&server->lock);
  server->image = g_malloc0 (IMAGE_SIZE);
  memcpy (server->image + SERVER_MARK_OFFSET, SERVER_MARK, strlen (SERVER_MARK));
  server->expected_auth = g_strdup_printf ("Authorization: Basic %s", pair);
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
  shutdown (server->listen_fd, SHUT_RDWR);
  g_thread_join (server->thread);
  close (server->listen_fd);
  g_free (server->expected_auth);
  g_free (server->image);
  g_mutex_clear (&server->lock);
  g_free (server);
}

static gboolean
image_has (Server *server, gsize offset, const char *text)
{
  gboolean has;

  g_mutex_lock (&server->lock);
  has = memcmp (server->image + offset, text, strlen (text)) == 0;
  g_mutex_unlock (&server->lock);
  return has;
}

static void
define_secret (VbTestEnv *env)
{
  const char *xml = "<secret ephemeral='yes' private='no'>\n"
                    "  <usage type='iscsi'><target>nbdkit-web</target></usage>\n"
                    "</secret>\n";
  g_autofree char *path =
    vb_test_call_path (env, MANAGER, IFACE_MANAGER, "DefineSecret", g_variant_new ("(su)", xml, 0));

  g_variant_unref (vb_test_call_ok (
    env, path, IFACE_SECRET, "SetValue",
    g_variant_new ("(@ayu)",
                   g_variant_new_fixed_array (G_VARIANT_TYPE_BYTE, PASSWORD, strlen (PASSWORD), 1),
                   0)));
}

static char *
http_disk (int port)
{
  return g_strdup_printf ("    <disk type='network' device='disk'>\n"
                          "      <driver name='qemu' type='raw' cache='none'/>\n"
                          "      <source protocol='http' name='disk.img'>\n"
                          "        <host name='127.0.0.1' port='%d'/>\n"
                          "        <cookies>\n"
                          "          <cookie name='" COOKIE_NAME "'>" COOKIE_VALUE "</cookie>\n"
                          "        </cookies>\n"
                          "        <auth username='" USER "'>\n"
                          "          <secret type='iscsi' usage='nbdkit-web'/>\n"
                          "        </auth>\n"
                          "      </source>\n"
                          "      <target dev='vdb' bus='virtio'/>\n"
                          "    </disk>\n",
                          port);
}

/* Every file under @dir (the service's run directory) holds neither. */
static void
assert_no_secret_in (const char *dir)
{
  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  const char *entry;

  while (listing && (entry = g_dir_read_name (listing)))
    {
      g_autofree char *path = g_build_filename (dir, entry, NULL);
      g_autofree char *text = NULL;
      gsize len = 0;

      if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        assert_no_secret_in (path);
      else if (g_str_has_suffix (entry, ".log") && g_file_get_contents (path, &text, &len, NULL))
        {
          g_assert_null (g_strstr_len (text, len, PASSWORD));
          g_assert_null (g_strstr_len (text, len, COOKIE_VALUE));
        }
    }
}

/* The nbdkit helper's log says how it was started: the secrets by pipe. */
static char *
find_nbdkit_log (const char *dir)
{
  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  const char *entry;

  while (listing && (entry = g_dir_read_name (listing)))
    {
      g_autofree char *path = g_build_filename (dir, entry, NULL);
      char *found;

      if (g_str_has_suffix (entry, "-nbdkit.log"))
        return g_steal_pointer (&path);
      if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK)
          && (found = find_nbdkit_log (path)))
        return found;
    }
  return NULL;
}

/* @data: confined, the service in system mode with QEMU's user
 * vbtest-qemu (tests/setup-test-users.sh), which nbdkit runs as too. */
static void
test_http_write (gconstpointer data)
{
  gboolean confined = GPOINTER_TO_INT (data);
  g_autoptr (VbTestEnv) env = vb_test_env_new (confined ? VB_TEST_ENV_POLKIT : VB_TEST_ENV_NONE);
  const char *args[] = { "--qemu-user=vbtest-qemu", "--network-driver=test", NULL };
  Server *server = server_start ();
  g_autofree char *disk = http_disk (server->port);
  g_autofree char *xml = vb_test_guest_xml ("nbdkit-http", 128, NULL, disk);
  g_autofree char *path = NULL;
  g_autofree char *read_back = NULL;
  g_autofree char *log_path = NULL;
  g_autofree char *log = NULL;
  g_autofree char *command = NULL;
  VbTestConsole *console;

  if (!g_file_test ("/usr/bin/nbdkit", G_FILE_TEST_IS_EXECUTABLE))
    g_error ("nbdkit is missing (Debian package nbdkit, in dev.sh's list)");
  if (confined && !getpwnam ("vbtest-qemu"))
    g_error ("the user vbtest-qemu is missing: run tests/setup-test-users.sh as root");
  if (confined)
    vb_test_env_start_system_daemon (env, NULL, args);
  else
    vb_test_env_start_daemon (env, NULL);
  define_secret (env);
  path = vb_test_boot_guest (env, xml, TRUE, BOOT_TIMEOUT_MS);
  console = vb_test_console_open (env, path);

  /* What the server holds, read through nbdkit. */
  read_back = vb_test_console_output (console,
                                      "dd if=/dev/vda bs=4096 skip=4 count=1 2>/dev/null "
                                      "| head -c 19",
                                      60000);
  g_test_message ("read back: %s", read_back);
  g_assert_nonnull (strstr (read_back, SERVER_MARK));

  /* The guest writes; the server's image has it. */
  command = g_strdup_printf ("printf '" MARK "' | dd of=/dev/vda bs=1 seek=%d conv=notrunc "
                             "2>/dev/null; sync; echo 3 > /proc/sys/vm/drop_caches; echo written",
                             MARK_OFFSET);
  {
    g_autofree char *said = vb_test_console_output (console, command, 120000);

    g_assert_nonnull (strstr (said, "written"));
  }
  {
    gint64 until = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;

    while (!image_has (server, MARK_OFFSET, MARK) && g_get_monotonic_time () < until)
      g_usleep (100000);
  }
  g_assert_true (image_has (server, MARK_OFFSET, MARK));
  g_assert_cmpint (g_atomic_int_get (&server->puts), >, 0);
  /* Everything went with the password and the cookie. */
  g_assert_cmpint (g_atomic_int_get (&server->refused), ==, 0);

  log_path = find_nbdkit_log (env->run_dir);
  g_assert_nonnull (log_path);
  g_assert_true (g_file_get_contents (log_path, &log, NULL, NULL));
  g_assert_nonnull (strstr (log, "password=-"));
  g_assert_nonnull (strstr (log, "cookie=-"));
  vb_test_console_free (console);
  g_variant_unref (vb_test_call_ok (env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0)));
  assert_no_secret_in (env->run_dir);
  {
    g_autofree char *daemon_log = vb_test_env_daemon_log (env);

    g_assert_null (strstr (daemon_log, PASSWORD));
    g_assert_null (strstr (daemon_log, COOKIE_VALUE));
  }
  g_assert_true (vb_test_env_daemon_alive (env));
  server_stop (server);
}

/* An ssh disk with <knownHosts> on a port nobody listens on: the service
 * runs nbdkit's ssh plugin with the known-hosts file (its log says how it
 * was started); QEMU cannot open the disk, so Start fails. */
static void
test_ssh_known_hosts_missing (void)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *disk = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *path = NULL;
  g_autofree char *known = NULL;

  vb_test_env_start_daemon (env, NULL);
  known = g_build_filename (env->tmpdir, "known_hosts", NULL);
  disk = g_strdup_printf ("    <disk type='network' device='disk'>\n"
                          "      <driver name='qemu' type='raw'/>\n"
                          "      <source protocol='ssh' name='disk.img'>\n"
                          "        <host name='127.0.0.1' port='1'/>\n"
                          "        <knownHosts path='%s'/>\n"
                          "      </source>\n"
                          "      <target dev='vdb' bus='virtio'/>\n"
                          "    </disk>\n",
                          known);
  xml = vb_test_guest_xml ("nbdkit-ssh", 128, NULL, disk);
  path =
    vb_test_call_path (env, MANAGER, IFACE_MANAGER, "DefineDomain", g_variant_new ("(su)", xml, 0));
  {
    g_autofree char *message =
      vb_test_call_error_message (env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0),
                                  "org.virtbus.Virt1.Error.Failed");

    /* QEMU's node is an NBD client of the socket nbdkit listened on. */
    g_test_message ("Start: %s", message);
    g_assert_nonnull (strstr (message, "\"driver\":\"nbd\""));
    g_assert_nonnull (strstr (message, "drive0-nbdkit.sock"));
  }
  g_assert_true (vb_test_env_daemon_alive (env));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_data_func ("/xml-nbdkit/http-write", GINT_TO_POINTER (FALSE), test_http_write);
  g_test_add_data_func ("/xml-nbdkit/http-write-confined", GINT_TO_POINTER (TRUE), test_http_write);
  g_test_add_func ("/xml-nbdkit/ssh-known-hosts", test_ssh_known_hosts_missing);
  return g_test_run ();
}
