/* What acts as root on the host (docs/xml-subset.md, "Host scripts and raw
 * I/O"), seen from the host: an <interface type='ethernet'>'s <script> runs
 * as root with the tap's name once the tap exists and before QEMU, in a
 * clean environment, and its <downscript> when the domain is destroyed; a
 * script that exits 1 fails Start with its status and words (and its
 * downscript still runs); one another user could change is refused at
 * Start by name. rawio='yes' leaves the QEMU process CAP_SYS_RAWIO (read
 * in its /proc/PID/status), and only then: this host has no SCSI device, so
 * the LUN is an iSCSI one whose portal (a socket of the test's that never
 * answers) keeps QEMU waiting while the test looks, with the service in
 * system mode (QEMU as vbtest-qemu: run tests/setup-test-users.sh first). */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>

#include "vb-test-env.h"
#include "vb-test-guest-fixture.h"

#define GUEST_MIB 160
#define CAP_SYS_RAWIO_MASK "0000000000020000"

typedef VbGuestFixture Fixture;

/* A directory only root may change (as the scripts' checks want): /run
 * (root's, 0755), not /tmp. */
static char *
root_dir (void)
{
  char *dir = g_strdup ("/run/vb-hostroot-XXXXXX");

  g_assert_nonnull (g_mkdtemp_full (dir, 0755));
  return dir;
}

static char *
write_script (const char *dir, const char *name, const char *body)
{
  char *path = g_build_filename (dir, name, NULL);
  g_autofree char *text = g_strdup_printf ("#!/bin/sh\n%s", body);
  g_autoptr (GError) error = NULL;

  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (g_chmod (path, 0755), ==, 0);
  return path;
}

static void
remove_dir (const char *dir)
{
  g_autofree char *out = vb_test_run ("rm -rf %s", dir);
}

static char *
read_log (const char *log)
{
  char *text = NULL;

  if (!g_file_get_contents (log, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

/* Waits up to 15 s for @log to hold @words. */
static char *
wait_log (const char *log, const char *words)
{
  for (guint i = 0; i < 150; i++)
    {
      char *text = read_log (log);

      if (strstr (text, words))
        return text;
      g_free (text);
      g_usleep (100 * 1000);
    }
  return read_log (log);
}

static char *
ethernet (const char *mac, const char *tap, const char *script, const char *downscript)
{
  return g_strdup_printf ("    <interface type='ethernet'>\n      <mac address='%s'/>\n"
                          "      <target dev='%s'/>\n      <model type='virtio'/>\n"
                          "      <script path='%s'/>\n      <downscript path='%s'/>\n"
                          "    </interface>\n",
                          mac, tap, script, downscript);
}

/* The script sees the tap made, the clean environment (less what sh sets
 * itself); a process it leaves running with its output open does not hold
 * up the start; the downscript runs at Destroy, not before. */
static void
test_scripts (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = root_dir ();
  g_autofree char *log = g_build_filename (dir, "log", NULL);
  g_autofree char *up_body = g_strdup_printf (
    "{ printf 'up %%s' \"$1\"; ip link show \"$1\" >/dev/null 2>&1 && printf ' tap-exists';\n"
    "  printf ' uid=%%s env=%%s\\n' \"$(id -u)\" \"$(env | grep -v "
    "'^\\(PWD\\|OLDPWD\\|SHLVL\\|_\\)=' | "
    "sort | tr '\\n' ' ')\"; } >> %s\n"
    "sleep 20 &\n",
    log);
  g_autofree char *down_body = g_strdup_printf ("printf 'down %%s\\n' \"$1\" >> %s\n", log);
  g_autofree char *up = write_script (dir, "ifup", up_body);
  g_autofree char *down = write_script (dir, "ifdown", down_body);
  g_autofree char *iface = ethernet ("52:54:00:07:0a:01", "vbtest-hr0", up, down);
  g_autofree char *xml =
    vb_test_guest_xml_on ("hostroot-scripts", GUEST_MIB, "pc", TRUE, NULL, iface);
  g_autofree char *path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                             g_variant_new ("(su)", xml, 0));
  g_autofree char *after_start = NULL;
  g_autofree char *after_destroy = NULL;

  gint64 started = g_get_monotonic_time ();

  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  g_assert_cmpint (g_get_monotonic_time () - started, <, 15 * G_USEC_PER_SEC);
  after_start = read_log (log);
  g_test_message ("after Start: %s", after_start);
  g_assert_nonnull (strstr (after_start, "up vbtest-hr0 tap-exists uid=0 "
                                         "env=LC_ALL=C PATH=/usr/sbin:/usr/bin:/sbin:/bin \n"));
  g_assert_null (strstr (after_start, "down"));
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  after_destroy = wait_log (log, "down vbtest-hr0\n");
  g_test_message ("after Destroy: %s", after_destroy);
  g_assert_nonnull (strstr (after_destroy, "down vbtest-hr0\n"));
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Undefine", g_variant_new ("(u)", 0));
  remove_dir (dir);
}

/* Unplugged from the running guest, the interface's downscript runs (as
 * libvirt runs it), once: not again when the domain is destroyed. */
static void
test_unplug (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = root_dir ();
  g_autofree char *log = g_build_filename (dir, "log", NULL);
  g_autofree char *up_body = g_strdup_printf ("printf 'up %%s\\n' \"$1\" >> %s\n", log);
  g_autofree char *down_body = g_strdup_printf ("printf 'down %%s\\n' \"$1\" >> %s\n", log);
  g_autofree char *up = write_script (dir, "ifup", up_body);
  g_autofree char *down = write_script (dir, "ifdown", down_body);
  g_autofree char *iface = ethernet ("52:54:00:07:0a:04", "vbtest-hr3", up, down);
  g_autofree char *xml =
    vb_test_guest_xml_on ("hostroot-unplug", GUEST_MIB, "pc", TRUE, NULL, iface);
  g_autofree char *text = NULL;
  g_autofree char *after_destroy = NULL;

  vb_guest_fixture_boot (f, xml, 120000);
  text = read_log (log);
  g_assert_cmpstr (text, ==, "up vbtest-hr3\n");
  vb_test_call_void (
    f->env, f->path, IFACE_DOMAIN, "DetachDevice",
    g_variant_new ("(su)", "<interface><mac address='52:54:00:07:0a:04'/></interface>", 1));
  g_free (text);
  text = wait_log (log, "down vbtest-hr3\n");
  g_test_message ("after DetachDevice: %s", text);
  g_assert_cmpstr (text, ==, "up vbtest-hr3\ndown vbtest-hr3\n");
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  g_usleep (2 * G_USEC_PER_SEC);
  after_destroy = read_log (log);
  g_assert_cmpstr (after_destroy, ==, "up vbtest-hr3\ndown vbtest-hr3\n");
  remove_dir (dir);
}

/* A script that exits 1 fails Start with its status and words; its
 * downscript runs, as when the domain stops. */
static void
test_script_fails (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = root_dir ();
  g_autofree char *log = g_build_filename (dir, "log", NULL);
  g_autofree char *down_body = g_strdup_printf ("printf 'down %%s\\n' \"$1\" >> %s\n", log);
  g_autofree char *up = write_script (dir, "ifup", "echo \"no uplink for $1\" >&2\nexit 1\n");
  g_autofree char *down = write_script (dir, "ifdown", down_body);
  g_autofree char *iface = ethernet ("52:54:00:07:0a:02", "vbtest-hr1", up, down);
  g_autofree char *xml =
    vb_test_guest_xml_on ("hostroot-fails", GUEST_MIB, "pc", TRUE, NULL, iface);
  g_autofree char *path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                             g_variant_new ("(su)", xml, 0));
  g_autofree char *message =
    vb_test_call_error_message (f->env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0),
                                "org.virtbus.Virt1.Error.Failed");
  g_autofree char *state = vb_test_get_string (f->env, path, IFACE_DOMAIN, "State");
  g_autofree char *text = NULL;
  g_autofree char *expected = g_strdup_printf (
    "<script path='%s'> for tap vbtest-hr1 exited with status 1: no uplink for vbtest-hr1", up);

  g_test_message ("Start: %s", message);
  g_assert_nonnull (strstr (message, expected));
  g_assert_cmpstr (state, ==, "shutoff");
  text = wait_log (log, "down vbtest-hr1\n");
  g_assert_nonnull (strstr (text, "down vbtest-hr1\n"));
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Undefine", g_variant_new ("(u)", 0));
  remove_dir (dir);
}

/* In /tmp anyone may replace it: refused at Start, by name, before any
 * script runs. */
static void
test_script_unsafe (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = g_dir_make_tmp ("vb-hostroot-XXXXXX", NULL);
  g_autofree char *up = NULL;
  g_autofree char *iface = NULL;
  g_autofree char *xml = NULL;

  g_assert_cmpint (g_chmod (dir, 0755), ==, 0);
  up = write_script (dir, "ifup", "exit 0\n");
  iface = ethernet ("52:54:00:07:0a:03", "vbtest-hr2", up, up);
  xml = vb_test_guest_xml_on ("hostroot-unsafe", GUEST_MIB, "pc", TRUE, NULL, iface);
  vb_test_expect_start_refused (f->env, xml,
                                "the service runs it as root, so it must be a program only root "
                                "can change: a directory above it is not root's alone");
  remove_dir (dir);
}

/* The Cap* lines of the process whose command line has guest=@name,
 * waiting up to 60 s for it; NULL when none came. */
static char *
qemu_caps (const char *name)
{
  g_autofree char *needle = g_strdup_printf ("guest=%s,", name);

  for (guint i = 0; i < 600; i++)
    {
      g_autoptr (GDir) proc = g_dir_open ("/proc", 0, NULL);
      const char *entry;

      while ((entry = g_dir_read_name (proc)))
        {
          g_autofree char *cmdline_path = g_build_filename ("/proc", entry, "cmdline", NULL);
          g_autofree char *status_path = g_build_filename ("/proc", entry, "status", NULL);
          g_autofree char *cmdline = NULL;
          g_autofree char *status = NULL;
          gsize len = 0;
          GString *caps;
          g_auto (GStrv) lines = NULL;

          if (!g_ascii_isdigit (entry[0])
              || !g_file_get_contents (cmdline_path, &cmdline, &len, NULL))
            continue;
          for (gsize c = 0; c + 1 < len; c++)
            if (cmdline[c] == '\0')
              cmdline[c] = ' ';
          if (!strstr (cmdline, needle) || !strstr (cmdline, "qemu-system")
              || !g_file_get_contents (status_path, &status, NULL, NULL))
            continue;
          caps = g_string_new (NULL);
          lines = g_strsplit (status, "\n", -1);
          for (guint l = 0; lines[l]; l++)
            if (g_str_has_prefix (lines[l], "Cap") || g_str_has_prefix (lines[l], "Uid:"))
              g_string_append_printf (caps, "%s\n", lines[l]);
          return g_string_free (caps, FALSE);
        }
      g_usleep (100 * 1000);
    }
  return NULL;
}

static void
start_done (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError **error = user_data;
  g_autoptr (GVariant) reply =
    g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, error);

  if (reply)
    *error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "Start succeeded");
}

/* QEMU's capabilities while it waits for the iSCSI portal. */
static char *
caps_with_rawio (Fixture *f, const char *name, const char *rawio)
{
  g_autoptr (GSocket) portal =
    g_socket_new (G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
  g_autoptr (GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr (GSocketAddress) any = g_inet_socket_address_new (loopback, 0);
  g_autoptr (GSocketAddress) bound = NULL;
  g_autofree char *disk = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *path = NULL;
  g_autoptr (GError) start_error = NULL;
  char *caps;

  g_assert_true (g_socket_bind (portal, any, TRUE, NULL));
  g_assert_true (g_socket_listen (portal, NULL));
  bound = g_socket_get_local_address (portal, NULL);
  disk = g_strdup_printf ("    <controller type='scsi' index='0' model='virtio-scsi'/>\n"
                          "    <disk type='network' device='lun' rawio='%s'>\n"
                          "      <driver name='qemu' type='raw'/>\n"
                          "      <source protocol='iscsi' name='iqn.2013-07.com.example:pool/1'>\n"
                          "        <host name='127.0.0.1' port='%u'/>\n      </source>\n"
                          "      <target dev='sda' bus='scsi'/>\n    </disk>\n",
                          rawio, g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (bound)));
  xml = vb_test_guest_xml_on (name, GUEST_MIB, "pc", TRUE, NULL, disk);
  path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                            g_variant_new ("(su)", xml, 0));
  g_dbus_connection_call (f->env->client, BUS_NAME, path, IFACE_DOMAIN, "Start",
                          g_variant_new ("(u)", 0), NULL, G_DBUS_CALL_FLAGS_NONE, 120000, NULL,
                          start_done, &start_error);
  caps = qemu_caps (name);
  /* The portal goes: QEMU's login fails, and so does the start. */
  g_socket_close (portal, NULL);
  while (!start_error)
    g_main_context_iteration (NULL, TRUE);
  g_test_message ("Start: %s", start_error->message);
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Undefine", g_variant_new ("(u)", 0));
  g_assert_nonnull (caps);
  g_test_message ("rawio='%s': QEMU's\n%s", rawio, caps);
  return caps;
}

static void
test_rawio (Fixture *f, gconstpointer data)
{
  g_autofree char *with = caps_with_rawio (f, "hostroot-rawio-yes", "yes");
  g_autofree char *without = caps_with_rawio (f, "hostroot-rawio-no", "no");

  /* QEMU's user, not root, with that one capability and no other. */
  g_assert_null (strstr (with, "Uid:\t0\t"));
  g_assert_nonnull (strstr (with, "CapEff:\t" CAP_SYS_RAWIO_MASK "\n"));
  g_assert_nonnull (strstr (with, "CapPrm:\t" CAP_SYS_RAWIO_MASK "\n"));
  g_assert_nonnull (strstr (with, "CapAmb:\t" CAP_SYS_RAWIO_MASK "\n"));
  g_assert_nonnull (strstr (with, "CapBnd:\t" CAP_SYS_RAWIO_MASK "\n"));
  g_assert_null (strstr (without, "Uid:\t0\t"));
  g_assert_nonnull (strstr (without, "CapEff:\t0000000000000000\n"));
  g_assert_nonnull (strstr (without, "CapPrm:\t0000000000000000\n"));
}

/* The service in system mode, so QEMU runs as its own user (in session
 * mode it stays root, with every capability). */
static void
set_up_system (Fixture *f, gconstpointer data)
{
  const char *args[] = { "--qemu-user=vbtest-qemu", "--network-driver=test", NULL };

  f->env = vb_test_env_new (VB_TEST_ENV_POLKIT);
  vb_test_env_start_system_daemon (f->env, NULL, args);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/xml-hostroot/scripts", Fixture, "vbtest-hr", vb_guest_fixture_set_up_in_netns,
              test_scripts, vb_guest_fixture_tear_down);
  g_test_add ("/xml-hostroot/script-fails", Fixture, "vbtest-hr", vb_guest_fixture_set_up_in_netns,
              test_script_fails, vb_guest_fixture_tear_down);
  g_test_add ("/xml-hostroot/unplug", Fixture, "vbtest-hr", vb_guest_fixture_set_up_in_netns,
              test_unplug, vb_guest_fixture_tear_down);
  g_test_add ("/xml-hostroot/script-unsafe", Fixture, "vbtest-hr", vb_guest_fixture_set_up_in_netns,
              test_script_unsafe, vb_guest_fixture_tear_down);
  g_test_add ("/xml-hostroot/rawio", Fixture, NULL, set_up_system, test_rawio,
              vb_guest_fixture_tear_down);
  return g_test_run ();
}
