/* The displays of real guests are locked: a VNC or SPICE client on the TCP
 * port needs the password, which only a caller allowed the console action
 * reads (GetXMLDesc with SECURE), and which changes at every start; the
 * same callers get a connection without any port through OpenGraphics (and
 * org.libvirt's OpenGraphicsFD). A real polkitd decides, and the
 * unprivileged test user is refused.
 *
 * VNC's challenge is answered with DES and SPICE's ticket is RSA-OAEP
 * encrypted: both through the openssl command (DES as triple DES with one
 * key three times, which is the same cipher). */
#include <arpa/inet.h>
#include <errno.h>
#include <gio/gunixfdlist.h>
#include <glib/gstdio.h>
#include <grp.h>
#include <netinet/in.h>
#include <pwd.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "vb-test-domains.h"
#include "vb-test-libvirt.h"

#define USER "vbtest-user" /* not in the group virtbus: polkit's defaults apply */
#define SETUP_HINT "run tests/setup-test-users.sh as root before the suite"
#define NOT_AUTHORIZED ERROR_PREFIX "NotAuthorized"
#define CONSOLE_ACTION "org.virtbus.Virt1.domain.console"
#define IO_TIMEOUT_S 10

/* RFB security types */
#define RFB_NONE 1
#define RFB_VNC_AUTH 2

/* SPICE link results */
#define SPICE_LINK_OK 0
#define SPICE_LINK_PERMISSION_DENIED 7

typedef struct {
  VbTestEnv *env;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  const char *args[] = { "--libvirt-dbus", NULL };

  if (getuid () != 0 || !getpwnam (USER))
    g_error ("calls as %s need root and that user: %s", USER, SETUP_HINT);
  f->env = vb_test_env_new (VB_TEST_ENV_POLKIT);
  vb_test_env_start_daemon (f->env, args);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_assert_true (vb_test_env_daemon_alive (f->env));
  vb_test_env_free (f->env);
}

/* ---- talking to the service ---- */

static char *
xml_of (Fixture *f, const char *path, guint flags)
{
  return vb_test_get_xml (f->env, path, IFACE_DOMAIN, flags);
}

/* The value of the first passwd='…' in @xml, or NULL. */
static char *
passwd_in (const char *xml)
{
  g_autoptr (GRegex) regex = g_regex_new ("<graphics [^>]*passwd='([^']*)'", 0, 0, NULL);
  g_autoptr (GMatchInfo) match = NULL;

  if (!g_regex_match (regex, xml, 0, &match))
    return NULL;
  return g_match_info_fetch (match, 1);
}

/* The TCP port the live XML gives the display of @type, waiting for it. */
static int
display_port (Fixture *f, const char *path, const char *type)
{
  g_autofree char *pattern = g_strdup_printf ("<graphics type='%s' port='([0-9]+)'", type);
  g_autoptr (GRegex) regex = g_regex_new (pattern, 0, 0, NULL);
  gint64 until = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

  while (g_get_monotonic_time () < until)
    {
      g_autofree char *xml = xml_of (f, path, 0);
      g_autoptr (GMatchInfo) match = NULL;

      if (g_regex_match (regex, xml, 0, &match))
        {
          g_autofree char *port = g_match_info_fetch (match, 1);
          if (atoi (port) > 0)
            return atoi (port);
        }
      g_usleep (50000);
    }
  g_error ("the live XML never gave the %s display a port", type);
}

/* OpenGraphics(@index, @flags) as root: the descriptor, or -1 with the
 * D-Bus error's name in @error_name. */
static int
open_graphics (Fixture *f, const char *path, guint index, guint flags, char **error_name)
{
  g_autoptr (GUnixFDList) fds = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree int *stolen = NULL;

  reply = g_dbus_connection_call_with_unix_fd_list_sync (
    f->env->client, BUS_NAME, path, IFACE_DOMAIN, "OpenGraphics",
    g_variant_new ("(uu)", index, flags), G_VARIANT_TYPE ("(h)"), G_DBUS_CALL_FLAGS_NONE, 10000,
    NULL, &fds, NULL, &error);
  if (!reply)
    {
      g_assert_nonnull (error_name);
      *error_name = g_dbus_error_get_remote_error (error);
      return -1;
    }
  g_assert_cmpint (g_unix_fd_list_get_length (fds), ==, 1);
  stolen = g_unix_fd_list_steal_fds (fds, NULL);
  return stolen[0];
}

/* org.libvirt's OpenGraphicsFD(@index, @flags) on the domain at @path (the
 * org.virtbus.Virt1 one): the descriptor. */
static int
open_graphics_fd (Fixture *f, const char *path, guint index, guint flags)
{
  g_autofree char *lv_domain = g_strconcat (LV_QEMU "/domain/_", strrchr (path, '/') + 1, NULL);
  g_autoptr (GUnixFDList) fds = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autofree int *stolen = NULL;

  lv_wait_for_name (f->env);
  reply = g_dbus_connection_call_with_unix_fd_list_sync (
    f->env->client, LV_NAME, lv_domain, "org.libvirt.Domain", "OpenGraphicsFD",
    g_variant_new ("(uu)", index, flags), G_VARIANT_TYPE ("(h)"), G_DBUS_CALL_FLAGS_NONE, 10000,
    NULL, &fds, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_unix_fd_list_get_length (fds), ==, 1);
  stolen = g_unix_fd_list_steal_fds (fds, NULL);
  return stolen[0];
}

static void
drop_to_user (gpointer data)
{
  struct passwd *pw = getpwnam (USER);

  if (!pw || initgroups (pw->pw_name, pw->pw_gid) < 0 || setgid (pw->pw_gid) < 0
      || setuid (pw->pw_uid) < 0)
    _exit (127);
}

/* `gdbus call` as the unprivileged user on the test bus: TRUE when the call
 * succeeded; its output (or error) in @output. */
static gboolean
call_as_user (Fixture *f, const char *path, const char *method, const char *arg1, const char *arg2,
              char **output)
{
  g_autofree char *member = g_strdup_printf ("%s.%s", IFACE_DOMAIN, method);
  const char *argv[] = { "gdbus",
                         "call",
                         "--address",
                         f->env->bus_address,
                         "--dest",
                         BUS_NAME,
                         "--object-path",
                         path,
                         "--method",
                         member,
                         arg1,
                         arg2,
                         NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  g_autoptr (GError) error = NULL;
  int status = 0;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, drop_to_user, NULL,
                               &out, &err, &status, &error));
  g_assert_no_error (error);
  g_assert_cmpint (status, !=, 127 << 8);
  *output = g_strconcat (out, err, NULL);
  return g_spawn_check_wait_status (status, NULL);
}

/* ---- bytes on a socket ---- */

static void
set_timeouts (int fd)
{
  struct timeval timeout = { IO_TIMEOUT_S, 0 };

  g_assert_cmpint (setsockopt (fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout), ==, 0);
  g_assert_cmpint (setsockopt (fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout), ==, 0);
}

static void
read_exactly (int fd, void *buffer, gsize length)
{
  gsize done = 0;

  while (done < length)
    {
      ssize_t n = read (fd, (char *) buffer + done, length - done);

      if (n <= 0)
        g_error ("read %zu of %zu bytes from the display server: %s", done, length,
                 n == 0 ? "end of stream" : g_strerror (errno));
      done += (gsize) n;
    }
}

static void
write_all (int fd, const void *buffer, gsize length)
{
  g_assert_cmpint (write (fd, buffer, length), ==, (gssize) length);
}

static int
connect_tcp (int port)
{
  struct sockaddr_in address = { .sin_family = AF_INET, .sin_port = htons (port) };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

  address.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (connect (fd, (struct sockaddr *) &address, sizeof address), ==, 0);
  return fd;
}

/* @input through `openssl @args`; the output's length must be @out_length. */
static GBytes *
openssl (const char *const *args, GBytes *input, gsize out_length)
{
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GBytes) out = NULL;
  g_autoptr (GBytes) err = NULL;
  g_autoptr (GError) error = NULL;

  g_ptr_array_add (argv, (gpointer) "openssl");
  for (guint i = 0; args[i]; i++)
    g_ptr_array_add (argv, (gpointer) args[i]);
  g_ptr_array_add (argv, NULL);
  process = g_subprocess_newv ((const char *const *) argv->pdata,
                               G_SUBPROCESS_FLAGS_STDIN_PIPE | G_SUBPROCESS_FLAGS_STDOUT_PIPE
                                 | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                               &error);
  g_assert_no_error (error);
  g_subprocess_communicate (process, input, NULL, &out, &err, &error);
  g_assert_no_error (error);
  if (!g_subprocess_get_successful (process) || g_bytes_get_size (out) != out_length)
    g_error ("openssl %s failed: %.*s", args[0], (int) g_bytes_get_size (err),
             (const char *) g_bytes_get_data (err, NULL));
  return g_steal_pointer (&out);
}

/* ---- VNC (RFB 3.8) ---- */

/* Reads the version and answers it; returns the security types offered. */
static GByteArray *
rfb_security_types (int fd)
{
  char version[12];
  guint8 count = 0;
  GByteArray *types = g_byte_array_new ();

  set_timeouts (fd);
  read_exactly (fd, version, sizeof version);
  g_assert_cmpmem (version, sizeof version, "RFB 003.008\n", 12);
  write_all (fd, "RFB 003.008\n", 12);
  read_exactly (fd, &count, 1);
  g_assert_cmpuint (count, >, 0);
  g_byte_array_set_size (types, count);
  read_exactly (fd, types->data, count);
  return types;
}

static gboolean
offers (GByteArray *types, guint8 type)
{
  return memchr (types->data, type, types->len) != NULL;
}

/* VNC authentication with @password: TRUE when the server accepts it. */
static gboolean
rfb_vnc_auth (int fd, const char *password)
{
  g_autoptr (GByteArray) types = rfb_security_types (fd);
  guint8 choice = RFB_VNC_AUTH;
  guint8 challenge[16];
  guint8 key[8] = { 0 };
  g_autoptr (GString) hex = g_string_new (NULL);
  g_autoptr (GBytes) input = NULL;
  g_autoptr (GBytes) response = NULL;
  guint32 result;

  g_assert_true (offers (types, RFB_VNC_AUTH));
  write_all (fd, &choice, 1);
  read_exactly (fd, challenge, sizeof challenge);
  /* The key is the password's first 8 bytes, each with its bits reversed. */
  for (guint i = 0; i < 8 && password[i]; i++)
    for (guint bit = 0; bit < 8; bit++)
      if ((guint8) password[i] & (1u << bit))
        key[i] |= (guint8) (0x80u >> bit);
  for (guint round = 0; round < 3; round++)
    for (guint i = 0; i < 8; i++)
      g_string_append_printf (hex, "%02x", key[i]);
  input = g_bytes_new (challenge, sizeof challenge);
  response = openssl ((const char *const[]){ "enc", "-des-ede3", "-nopad", "-K", hex->str, NULL },
                      input, 16);
  write_all (fd, g_bytes_get_data (response, NULL), 16);
  read_exactly (fd, &result, 4);
  return ntohl (result) == 0;
}

/* ---- SPICE link ---- */

#pragma pack(push, 1)
typedef struct {
  guint32 magic, major, minor, size;
} SpiceLinkHeader;
typedef struct {
  guint32 connection_id;
  guint8 channel_type, channel_id;
  guint32 num_common_caps, num_channel_caps, caps_offset;
} SpiceLinkMess;
#pragma pack(pop)

/* Links the main channel with the ticket @password; returns the server's
 * link result (SPICE_LINK_OK when it let the client in). */
static guint32
spice_link (Fixture *f, int fd, const char *password)
{
  SpiceLinkHeader header = { GUINT32_TO_LE (0x51444552) /* "REDQ" */, GUINT32_TO_LE (2),
                             GUINT32_TO_LE (2), GUINT32_TO_LE (sizeof (SpiceLinkMess)) };
  SpiceLinkMess mess = { 0, 1 /* main */, 0, 0, 0, GUINT32_TO_LE (sizeof (SpiceLinkMess)) };
  SpiceLinkHeader reply_header;
  g_autofree guint8 *reply = NULL;
  g_autofree char *key_path = g_build_filename (f->env->tmpdir, "spice-key.der", NULL);
  g_autoptr (GBytes) ticket = NULL;
  g_autoptr (GBytes) plain = g_bytes_new (password, strlen (password) + 1);
  g_autoptr (GError) error = NULL;
  guint32 size, result;

  set_timeouts (fd);
  write_all (fd, &header, sizeof header);
  write_all (fd, &mess, sizeof mess);
  read_exactly (fd, &reply_header, sizeof reply_header);
  g_assert_cmphex (GUINT32_FROM_LE (reply_header.magic), ==, 0x51444552);
  size = GUINT32_FROM_LE (reply_header.size);
  /* error (4), the public key (162, DER), the capabilities */
  g_assert_cmpuint (size, >=, 4 + 162);
  g_assert_cmpuint (size, <, 4096);
  reply = g_malloc (size);
  read_exactly (fd, reply, size);
  g_assert_cmpuint (GUINT32_FROM_LE (*(guint32 *) reply), ==, SPICE_LINK_OK);
  g_file_set_contents (key_path, (const char *) reply + 4, 162, &error);
  g_assert_no_error (error);
  ticket =
    openssl ((const char *const[]){ "pkeyutl", "-encrypt", "-pubin", "-keyform", "DER", "-inkey",
                                    key_path, "-pkeyopt", "rsa_padding_mode:oaep", NULL },
             plain, 128);
  write_all (fd, g_bytes_get_data (ticket, NULL), 128);
  read_exactly (fd, &result, 4);
  return GUINT32_FROM_LE (result);
}

/* ---- the tests ---- */

static char *
start_guest (Fixture *f, const char *name, const char *graphics, char **error_name)
{
  g_autofree char *xml = vb_test_guest_xml (name, 96, NULL, graphics);
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = vb_test_call (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                             g_variant_new ("(su)", xml, 0), &error);
  const char *path;
  char *result;

  if (!reply)
    {
      g_assert_nonnull (error_name);
      *error_name = g_strdup (error->message);
      return NULL;
    }
  g_variant_get (reply, "(&o)", &path);
  result = g_strdup (path);
  vb_test_call_void (f->env, result, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  return result;
}

/* Nowhere the password could leak to: the service's log, QEMU's logs
 * (which begin with its command line). */
static void
assert_not_logged (Fixture *f, const char *password)
{
  g_autofree char *daemon = vb_test_env_daemon_log (f->env);
  g_autofree char *qemu_dir = g_build_filename (f->env->run_dir, "qemu", NULL);
  g_autoptr (GDir) dir = g_dir_open (qemu_dir, 0, NULL);
  const char *entry;
  guint logs = 0;

  g_assert_null (strstr (daemon, password));
  while (dir && (entry = g_dir_read_name (dir)))
    {
      g_autofree char *inside = g_build_filename (qemu_dir, entry, "qemu.log", NULL);
      g_autofree char *beside = g_build_filename (qemu_dir, entry, NULL);
      g_autofree char *text = NULL;

      if (g_file_get_contents (inside, &text, NULL, NULL)
          || (g_str_has_suffix (entry, ".log") && g_file_get_contents (beside, &text, NULL, NULL)))
        {
          g_assert_nonnull (strstr (text, "-vnc") ? strstr (text, "password=on") : text);
          g_assert_null (strstr (text, "disable-ticketing"));
          g_assert_null (strstr (text, password));
          logs++;
        }
    }
  g_assert_cmpuint (logs, >, 0);
}

static void
test_vnc (Fixture *f, gconstpointer data)
{
  g_autofree char *path =
    start_guest (f, "graphics-vnc", "    <graphics type='vnc' port='-1' autoport='yes'/>\n", NULL);
  int port = display_port (f, path, "vnc");
  g_autofree char *plain_xml = NULL;
  g_autofree char *secure_xml = NULL;
  g_autofree char *password = NULL;
  g_autofree char *second_xml = NULL;
  g_autofree char *second = NULL;
  g_autofree char *output = NULL;
  g_autofree char *error_name = NULL;
  g_autoptr (GByteArray) types = NULL;
  int fd;

  /* A plain TCP client is asked for the password, never let in without. */
  fd = connect_tcp (port);
  types = rfb_security_types (fd);
  g_assert_true (offers (types, RFB_VNC_AUTH));
  g_assert_false (offers (types, RFB_NONE));
  close (fd);

  /* Without SECURE no password; with it, the one of this start. */
  plain_xml = xml_of (f, path, 0);
  secure_xml = xml_of (f, path, 1);
  password = passwd_in (secure_xml);
  g_assert_null (passwd_in (plain_xml));
  g_assert_nonnull (password);
  /* Where it listens, the default too, as libvirt's live XML says it
   * (Cockpit's VNC console connects to the listen attribute's address). */
  g_assert_true (g_regex_match_simple ("<graphics type='vnc' port='[0-9]+' [^>]*listen='127.0.0.1'",
                                       plain_xml, 0, 0));
  g_assert_nonnull (strstr (plain_xml, "<listen type='address' address='127.0.0.1'/>"));
  g_assert_cmpuint (strlen (password), ==, 8);
  fd = connect_tcp (port);
  g_assert_false (rfb_vnc_auth (fd, "wrong!!!"));
  close (fd);
  fd = connect_tcp (port);
  g_assert_true (rfb_vnc_auth (fd, password));
  close (fd);

  /* OpenGraphics: the same server on a socket; with SKIPAUTH no password. */
  fd = open_graphics (f, path, 0, 0, NULL);
  g_clear_pointer (&types, g_byte_array_unref);
  types = rfb_security_types (fd);
  g_assert_true (offers (types, RFB_VNC_AUTH));
  g_assert_false (offers (types, RFB_NONE));
  close (fd);
  fd = open_graphics (f, path, 0, 1, NULL);
  g_clear_pointer (&types, g_byte_array_unref);
  types = rfb_security_types (fd);
  g_assert_true (offers (types, RFB_NONE));
  close (fd);
  g_assert_cmpint (open_graphics (f, path, 1, 0, &error_name), ==, -1);
  g_assert_cmpstr (error_name, ==, ERROR_PREFIX "InvalidArgument");
  /* The same through libvirt-dbus's OpenGraphicsFD (SKIPAUTH is 1 there too). */
  fd = open_graphics_fd (f, path, 0, 0);
  g_clear_pointer (&types, g_byte_array_unref);
  types = rfb_security_types (fd);
  g_assert_true (offers (types, RFB_VNC_AUTH));
  g_assert_false (offers (types, RFB_NONE));
  close (fd);
  fd = open_graphics_fd (f, path, 0, 1);
  g_clear_pointer (&types, g_byte_array_unref);
  types = rfb_security_types (fd);
  g_assert_true (offers (types, RFB_NONE));
  close (fd);

  /* The unprivileged user: no display, no password; the plain XML still. */
  g_assert_false (call_as_user (f, path, "OpenGraphics", "0", "1", &output));
  g_assert_nonnull (strstr (output, NOT_AUTHORIZED));
  g_clear_pointer (&output, g_free);
  g_assert_false (call_as_user (f, path, "GetXMLDesc", "1", NULL, &output));
  g_assert_nonnull (strstr (output, NOT_AUTHORIZED));
  g_assert_nonnull (strstr (output, CONSOLE_ACTION));
  g_clear_pointer (&output, g_free);
  g_assert_true (call_as_user (f, path, "GetXMLDesc", "0", NULL, &output));
  g_assert_nonnull (strstr (output, "<graphics type='vnc'"));
  g_assert_null (strstr (output, "passwd"));
  g_assert_null (strstr (output, password));

  assert_not_logged (f, password);

  /* Another start, another password. */
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  second_xml = xml_of (f, path, 1);
  second = passwd_in (second_xml);
  g_assert_nonnull (second);
  g_assert_cmpstr (second, !=, password);
  port = display_port (f, path, "vnc");
  fd = connect_tcp (port);
  g_assert_false (rfb_vnc_auth (fd, password));
  close (fd);
  fd = connect_tcp (port);
  g_assert_true (rfb_vnc_auth (fd, second));
  close (fd);
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  /* The persistent definition never got a password. */
  g_free (second_xml);
  second_xml = xml_of (f, path, 1);
  g_assert_null (passwd_in (second_xml));
}

/* A password from the caller, and a display without a port. */
static void
test_vnc_given_password_no_listener (Fixture *f, gconstpointer data)
{
  g_autofree char *path = start_guest (f, "graphics-given",
                                       "    <graphics type='vnc' passwd='Secret-1234'>\n"
                                       "      <listen type='none'/>\n"
                                       "    </graphics>\n",
                                       NULL);
  g_autofree char *plain = xml_of (f, path, 0);
  g_autofree char *inactive = xml_of (f, path, 2);
  g_autofree char *secure = xml_of (f, path, 1);
  g_autofree char *secure_inactive = xml_of (f, path, 3);
  g_autofree char *password = passwd_in (secure);
  g_autofree char *stored = passwd_in (secure_inactive);
  int fd;

  g_assert_null (strstr (plain, "passwd"));
  g_assert_null (strstr (inactive, "passwd"));
  g_assert_cmpstr (password, ==, "Secret-1234");
  g_assert_cmpstr (stored, ==, "Secret-1234");
  /* No TCP port at all. */
  g_assert_false (g_regex_match_simple ("<graphics [^>]*port='[1-9]", secure, 0, 0));
  g_assert_true (g_regex_match_simple ("<graphics [^>]*>\\s*<listen type='none'/>", secure, 0, 0));
  /* VNC uses the first 8 characters. */
  fd = open_graphics (f, path, 0, 0, NULL);
  g_assert_true (rfb_vnc_auth (fd, "Secret-1"));
  close (fd);
  fd = open_graphics (f, path, 0, 0, NULL);
  g_assert_false (rfb_vnc_auth (fd, "Secret-2"));
  close (fd);
  assert_not_logged (f, "Secret-1234");
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
}

/* <graphics passwdValidTo>: QEMU refuses the right password once that
 * time has passed (expire_password at Start), and takes it before. */
static void
test_vnc_password_expiry (Fixture *f, gconstpointer data)
{
  const char *const times[] = { "2011-05-31T16:11:22", "2099-01-01T00:00:00" };

  for (guint i = 0; i < G_N_ELEMENTS (times); i++)
    {
      g_autofree char *graphics = g_strdup_printf (
        "    <graphics type='vnc' passwd='Valid-To' passwdValidTo='%s' connected='keep'>\n"
        "      <listen type='none'/>\n    </graphics>\n",
        times[i]);
      g_autofree char *path = start_guest (f, "graphics-expiry", graphics, NULL);
      g_autofree char *secure = xml_of (f, path, 1);
      int fd = open_graphics (f, path, 0, 0, NULL);

      g_assert_nonnull (strstr (secure, times[i]));
      g_assert_true (rfb_vnc_auth (fd, "Valid-To") == (i == 1));
      close (fd);
      vb_test_call_void (f->env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
      vb_test_call_void (f->env, path, IFACE_DOMAIN, "Undefine", g_variant_new ("(u)", 0));
    }
}

static void
test_spice (Fixture *f, gconstpointer data)
{
  g_autofree char *why = NULL;
  g_autofree char *path =
    start_guest (f, "graphics-spice", "    <graphics type='spice' port='-1' autoport='yes'/>\n",
                 &why);
  g_autofree char *secure = NULL;
  g_autofree char *password = NULL;
  int port, fd;

  if (!path)
    {
      g_assert_nonnull (strstr (why, "no SPICE support"));
      g_test_skip ("this QEMU has no SPICE");
      return;
    }
  port = display_port (f, path, "spice");
  /* Ticketing is on: a wrong ticket is refused, the right one let in. */
  fd = connect_tcp (port);
  g_assert_cmpuint (spice_link (f, fd, "wrong"), ==, SPICE_LINK_PERMISSION_DENIED);
  close (fd);
  secure = xml_of (f, path, 1);
  password = passwd_in (secure);
  g_assert_nonnull (password);
  g_assert_cmpuint (strlen (password), ==, 16);
  fd = connect_tcp (port);
  g_assert_cmpuint (spice_link (f, fd, password), ==, SPICE_LINK_OK);
  close (fd);

  /* OpenGraphics speaks SPICE: without SKIPAUTH it wants the ticket. */
  fd = open_graphics (f, path, 0, 0, NULL);
  g_assert_cmpuint (spice_link (f, fd, "wrong"), ==, SPICE_LINK_PERMISSION_DENIED);
  close (fd);
  fd = open_graphics (f, path, 0, 1, NULL);
  g_assert_cmpuint (spice_link (f, fd, "wrong"), ==, SPICE_LINK_OK);
  close (fd);
  assert_not_logged (f, password);
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
}

/* The TCP sockets process @pid listens on (state 0A in /proc/net/tcp and
 * tcp6, whose inodes are among its descriptors). */
static guint
tcp_listeners_of (int pid)
{
  g_autofree char *fd_dir = g_strdup_printf ("/proc/%d/fd", pid);
  g_autoptr (GDir) dir = g_dir_open (fd_dir, 0, NULL);
  g_autoptr (GHashTable) inodes = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  const char *tables[] = { "/proc/net/tcp", "/proc/net/tcp6" };
  const char *entry;
  guint sockets = 0, listening = 0;

  g_assert_nonnull (dir);
  while ((entry = g_dir_read_name (dir)))
    {
      g_autofree char *link = g_build_filename (fd_dir, entry, NULL);
      g_autofree char *target = g_file_read_link (link, NULL);

      if (target && g_str_has_prefix (target, "socket:["))
        {
          g_hash_table_add (inodes, g_strndup (target + 8, strlen (target) - 9));
          sockets++;
        }
    }
  /* QEMU holds its monitor's socket at least: the scan saw its descriptors. */
  g_assert_cmpuint (sockets, >, 0);
  for (guint t = 0; t < G_N_ELEMENTS (tables); t++)
    {
      g_autofree char *text = NULL;
      g_auto (GStrv) lines = NULL;

      if (!g_file_get_contents (tables[t], &text, NULL, NULL))
        continue;
      lines = g_strsplit (text, "\n", -1);
      for (guint i = 1; lines[i]; i++)
        {
          g_auto (GStrv) fields = g_strsplit_set (g_strstrip (lines[i]), " ", -1);
          g_autoptr (GPtrArray) words = g_ptr_array_new ();

          for (guint w = 0; fields[w]; w++)
            if (*fields[w])
              g_ptr_array_add (words, fields[w]);
          /* sl local remote st ... uid timeout inode */
          if (words->len > 9 && g_str_equal (words->pdata[3], "0A")
              && g_hash_table_contains (inodes, words->pdata[9]))
            listening++;
        }
    }
  return listening;
}

/* <graphics type='spice' autoport='no'> without a port is, as in libvirt,
 * a SPICE server listening nowhere: the live XML says <listen type='none'/>
 * and no port, QEMU holds no TCP listener, and OpenGraphics reaches it. */
static void
test_spice_no_ports (Fixture *f, gconstpointer data)
{
  g_autofree char *why = NULL;
  g_autofree char *path =
    start_guest (f, "graphics-spice-none",
                 "    <graphics type='spice' autoport='no' listen='127.0.0.1'/>\n", &why);
  g_autofree char *live = NULL;
  int fd;

  if (!path)
    {
      g_assert_nonnull (strstr (why, "no SPICE support"));
      g_test_skip ("this QEMU has no SPICE");
      return;
    }
  live = xml_of (f, path, 0);
  g_assert_nonnull (strstr (live, "<listen type='none'/>"));
  g_assert_false (
    g_regex_match_simple ("<graphics type='spice'[^>]* (port|listen|tlsPort)=", live, 0, 0));
  g_assert_cmpuint (tcp_listeners_of (vb_test_qemu_pid (f->env, path)), ==, 0);
  fd = open_graphics (f, path, 0, 1, NULL);
  g_assert_cmpuint (spice_link (f, fd, "wrong"), ==, SPICE_LINK_OK);
  close (fd);
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
}

/* A VNC socket whose path has '=' and ',' (libvirt's
 * graphics-vnc-socket-new-cmdline): QEMU listens at exactly that path,
 * neither taking the '=' for a key nor the ',' for another option, and the
 * server there still asks for the password. */
static void
test_vnc_socket_odd_path (Fixture *f, gconstpointer data)
{
  g_autofree char *socket_path = g_build_filename (f->env->tmpdir, "vnc=1,password=off", NULL);
  g_autofree char *graphics = g_strdup_printf (
    "    <graphics type='vnc'>\n      <listen type='socket' socket='%s'/>\n    </graphics>\n",
    socket_path);
  g_autofree char *path = start_guest (f, "graphics-vnc-odd-socket", graphics, NULL);
  struct sockaddr_un address = { .sun_family = AF_UNIX };
  g_autoptr (GByteArray) types = NULL;
  g_autofree char *live = xml_of (f, path, 0);
  int fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

  g_assert_nonnull (strstr (live, socket_path));
  g_assert_true (g_file_test (socket_path, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (strlen (socket_path), <, sizeof address.sun_path);
  strcpy (address.sun_path, socket_path);
  g_assert_cmpint (fd, >=, 0);
  g_assert_cmpint (connect (fd, (struct sockaddr *) &address, sizeof address), ==, 0);
  set_timeouts (fd);
  types = rfb_security_types (fd);
  g_assert_true (offers (types, RFB_VNC_AUTH));
  g_assert_false (offers (types, RFB_NONE));
  close (fd);
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, func) g_test_add (name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/qemu-graphics/vnc", test_vnc);
  ADD ("/qemu-graphics/vnc-given-password-no-listener", test_vnc_given_password_no_listener);
  ADD ("/qemu-graphics/spice", test_spice);
  ADD ("/qemu-graphics/spice-no-ports", test_spice_no_ports);
  ADD ("/qemu-graphics/vnc-socket-odd-path", test_vnc_socket_odd_path);
  ADD ("/qemu-graphics/vnc-password-expiry", test_vnc_password_expiry);
#undef ADD
  return g_test_run ();
}
