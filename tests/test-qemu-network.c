/* Real guests on the network, and QEMUs that never get going: the service in
 * a network namespace of the test's own, a guest that pings its bridge, and
 * starts that fail with the words a user needs. */
#include <gio/gunixfdlist.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/select.h>
#include <unistd.h>

#include "vb-test-env.h"

#define READY "VIRTBUS-GUEST-READY"
#define BOOT_TIMEOUT_MS 60000
#define BRIDGE "vbtbr0"
#define BRIDGE_ADDRESS "192.168.77.1"
#define GUEST_ADDRESS "192.168.77.2"
#define FAKE_QEMU_LINE "fake-qemu: cannot open the flux capacitor"

/* ---- the network namespace ---- */

/* "vbtest-<pid>", with the bridge the guests use: BRIDGE_ADDRESS/24, up. */
static char *
netns_create (void)
{
  char *name = vb_test_netns_add ("vbtest-", NULL);

  g_free (vb_test_run ("ip -n %s link add %s type bridge", name, BRIDGE));
  g_free (vb_test_run ("ip -n %s addr add %s/24 dev %s", name, BRIDGE_ADDRESS, BRIDGE));
  g_free (vb_test_run ("ip -n %s link set %s up", name, BRIDGE));
  return name;
}

static void
netns_delete (const char *name)
{
  /* Nothing may outlive the test inside it: not the service, not a QEMU. */
  gboolean empty = vb_test_netns_wait_empty (name, 10000);

  vb_test_netns_del (name);
  g_assert_true (empty);
}

/* The interfaces enslaved to the bridge, one name a line. */
static char *
bridge_ports (const char *netns)
{
  g_autofree char *out = vb_test_run ("ip -n %s -o link show master %s", netns, BRIDGE);
  g_auto (GStrv) lines = g_strsplit (out, "\n", 0);
  GString *names = g_string_new (NULL);

  /* "7: vb1a2b3c-0: <BROADCAST,...> ..." */
  for (guint i = 0; lines[i]; i++)
    {
      g_auto (GStrv) fields = g_strsplit (lines[i], ": ", 3);
      if (g_strv_length (fields) >= 2)
        g_string_append_printf (names, "%s\n", fields[1]);
    }
  return g_string_free (names, FALSE);
}

/* ---- the fixture ---- */

typedef struct {
  VbTestEnv *env;
  char *netns;
} Fixture;

static void
set_up_in_netns (Fixture *f, gconstpointer data)
{
  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  f->netns = netns_create ();
  vb_test_env_start_daemon_in_netns (f->env, f->netns, NULL);
}

static void
set_up (Fixture *f, gconstpointer data)
{
  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  vb_test_env_start_daemon (f->env, NULL);
}

#define MISSING_EMULATOR "/nonexistent/vbtest/qemu-system-x86_64"

/* The emulators the tests below name are configured: only those may run. */
static void
set_up_emulators (Fixture *f, gconstpointer data)
{
  g_autofree char *arg = NULL;

  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  arg = g_strdup_printf ("--qemu-binaries=" MISSING_EMULATOR ":%s/fake-qemu", f->env->tmpdir);
  {
    const char *args[] = { arg, NULL };
    vb_test_env_start_daemon (f->env, args);
  }
}

static void
tear_down (Fixture *f, gconstpointer data)
{
  g_assert_true (vb_test_env_daemon_alive (f->env));
  vb_test_env_free (f->env);
  if (f->netns)
    netns_delete (f->netns);
  g_free (f->netns);
}

/* ---- helpers, as in test-qemu.c ---- */

static char *
guest_xml (const char *name, const char *devices)
{
  return vb_test_guest_xml (name, 192, "vb.counter=0", devices);
}

static char *
define (VbTestEnv *env, const char *xml)
{
  g_autoptr (GVariant) reply =
    vb_test_call_ok (env, MANAGER, IFACE_MANAGER, "DefineDomain", g_variant_new ("(su)", xml, 0));
  char *path;

  g_variant_get (reply, "(o)", &path);
  return path;
}

static char *
get_string (VbTestEnv *env, const char *path, const char *property)
{
  g_autoptr (GVariant) value = vb_test_get_property (env, path, IFACE_DOMAIN, property);
  return g_variant_dup_string (value, NULL);
}

static void
call (VbTestEnv *env, const char *path, const char *method, GVariant *args)
{
  g_autoptr (GVariant) reply = vb_test_call_ok (env, path, IFACE_DOMAIN, method, args);
}

static gboolean
wait_state (VbTestEnv *env, const char *path, const char *state, guint timeout_ms)
{
  return vb_test_wait_property (env, path, IFACE_DOMAIN, "State", g_variant_new_string (state),
                                timeout_ms);
}

static char *
read_file (const char *path)
{
  char *contents = NULL;
  return g_file_get_contents (path, &contents, NULL, NULL) ? contents : g_strdup ("");
}

static gboolean
wait_console_log (VbTestEnv *env, const char *path, const char *needle, guint timeout_ms)
{
  g_autofree char *uuid = get_string (env, path, "UUID");
  g_autofree char *log = g_build_filename (env->run_dir, "qemu", uuid, "serial0.log", NULL);
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      g_autofree char *text = read_file (log);

      if (strstr (text, needle))
        return TRUE;
      if (g_get_monotonic_time () > end)
        {
          g_printerr ("console of %s has no '%s' after %u ms:\n%s\n", path, needle, timeout_ms,
                      text);
          return FALSE;
        }
      g_usleep (50000);
    }
}

/* Alive, not a zombie. */
static gboolean
process_exists (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *stat = NULL;
  const char *after;

  if (!g_file_get_contents (path, &stat, NULL, NULL) || !(after = strrchr (stat, ')')))
    return FALSE;
  return after[2] != 'Z' && after[2] != 'X';
}

/* Live processes with @needle as one of their arguments: QEMUs get the
 * domain's UUID (-uuid), and so does whatever stands in for QEMU. */
static guint
processes_with_argument (const char *needle)
{
  g_autoptr (GDir) proc = g_dir_open ("/proc", 0, NULL);
  const char *entry;
  guint count = 0;

  while (proc && (entry = g_dir_read_name (proc)))
    {
      g_autofree char *path = NULL;
      g_autofree char *cmdline = NULL;
      gsize length = 0;
      int pid = atoi (entry);

      if (pid <= 0 || pid == getpid ())
        continue;
      path = g_strdup_printf ("/proc/%d/cmdline", pid);
      if (!g_file_get_contents (path, &cmdline, &length, NULL) || !process_exists (pid))
        continue;
      for (gsize at = 0; at < length; at += strlen (cmdline + at) + 1)
        if (g_str_equal (cmdline + at, needle))
          {
            count++;
            break;
          }
    }
  return count;
}

/* Lets the signals that came before a reply be recorded: they wait in the
 * main context until it runs. */
static void
settle (guint ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  while (g_get_monotonic_time () < end)
    {
      while (g_main_context_iteration (NULL, FALSE))
        ;
      g_usleep (5000);
    }
}

/* ---- a bridge, for real ---- */

static guint64
stat_u64 (GVariant *stats, const char *key)
{
  guint64 value = 0;

  if (!g_variant_lookup (stats, key, "t", &value))
    g_error ("GetStats has no '%s'", key);
  return value;
}

static void
test_bridge (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = guest_xml ("bridged", "    <interface type='bridge'>\n"
                                               "      <source bridge='" BRIDGE "'/>\n"
                                               "      <model type='virtio'/>\n"
                                               "    </interface>\n");
  g_autofree char *path = define (f->env, xml);
  g_autofree char *ports = NULL;
  g_autofree char *tap = NULL;
  g_autoptr (VbTestConsole) console = NULL;
  g_autoptr (GMatchInfo) match = NULL;
  int pid;

  call (f->env, path, "Start", g_variant_new ("(u)", 0));
  g_assert_true (wait_state (f->env, path, "running", 5000));

  /* The service made a tap in its namespace and put it on the bridge. */
  ports = bridge_ports (f->netns);
  {
    g_auto (GStrv) names = g_strsplit (g_strstrip (ports), "\n", 0);

    g_assert_cmpuint (g_strv_length (names), ==, 1);
    g_assert_cmpstr (names[0], !=, "");
    tap = g_strdup (names[0]);
  }

  /* The guest, told its address on the console, reaches the bridge. */
  g_assert_true (wait_console_log (f->env, path, READY, BOOT_TIMEOUT_MS));
  console = vb_test_console_open (f->env, path);
  g_assert_cmpint (vb_test_console_run (console, "true", 20000), ==, 0);
  {
    g_autofree char *summary = NULL;
    g_autofree char *ping = vb_test_console_output (
      console,
      "ip addr add " GUEST_ADDRESS "/24 dev eth0; ip link set eth0 up; "
      "ping -c 3 -W 2 " BRIDGE_ADDRESS,
      40000);
    g_autoptr (GRegex) received = g_regex_new ("([0-9]+) packets received", 0, 0, NULL);

    if (!g_regex_match (received, ping, 0, &match))
      g_error ("ping printed no summary:\n%s", ping);
    summary = g_match_info_fetch (match, 1);
    if (atoi (summary) < 1)
      g_error ("the guest's pings went unanswered:\n%s", ping);
  }
  g_clear_pointer (&console, vb_test_console_free);

  /* Its traffic, counted on the tap. */
  {
    g_autoptr (GVariant) reply =
      vb_test_call_ok (f->env, path, IFACE_DOMAIN, "GetStats", g_variant_new ("(u)", 0));
    g_autoptr (GVariant) stats = g_variant_get_child_value (reply, 0);
    guint32 nets = 0;
    const char *name = NULL;

    g_assert_true (g_variant_lookup (stats, "net.count", "u", &nets));
    g_assert_cmpuint (nets, ==, 1);
    g_assert_true (g_variant_lookup (stats, "net.0.name", "&s", &name));
    g_assert_cmpstr (name, ==, tap);
    g_assert_cmpuint (stat_u64 (stats, "net.0.rx.bytes"), >, 0);
    g_assert_cmpuint (stat_u64 (stats, "net.0.tx.bytes"), >, 0);
    g_assert_cmpuint (stat_u64 (stats, "net.0.rx.pkts"), >, 0);
    g_assert_cmpuint (stat_u64 (stats, "net.0.tx.pkts"), >, 0);
  }

  /* Destroyed: QEMU's descriptor closed, the tap is gone from the bridge. */
  {
    g_autofree char *uuid = get_string (f->env, path, "UUID");
    g_autofree char *status = vb_test_env_status_path (f->env, uuid);
    g_autofree char *text = read_file (status);
    const char *at = strstr (text, "\"pid\"");

    g_assert_nonnull (at);
    pid = atoi (strchr (at, ':') + 1);
  }
  call (f->env, path, "Destroy", g_variant_new ("(u)", 0));
  g_assert_true (wait_state (f->env, path, "shutoff", 10000));
  g_assert_false (process_exists (pid));
  {
    gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

    for (;;)
      {
        g_free (ports);
        ports = bridge_ports (f->netns);
        if (!*ports || g_get_monotonic_time () > end)
          break;
        g_usleep (50000);
      }
    g_assert_cmpstr (ports, ==, "");
  }
}

/* ---- starts that fail ---- */

/* The lifecycle events of one domain, as "event/detail" in order. */
typedef struct {
  VbTestEnv *env;
  guint subscription;
  GPtrArray *events;
} Lifecycle;

static void
on_lifecycle (GDBusConnection *connection, const char *sender, const char *path,
              const char *interface, const char *member, GVariant *parameters, gpointer user_data)
{
  Lifecycle *lifecycle = user_data;
  const char *event, *detail;

  g_variant_get (parameters, "(&s&s)", &event, &detail);
  g_ptr_array_add (lifecycle->events, g_strdup_printf ("%s/%s", event, detail));
}

static Lifecycle *
lifecycle_watch (VbTestEnv *env, const char *path)
{
  Lifecycle *lifecycle = g_new0 (Lifecycle, 1);

  /* What came before is not this watch's. */
  settle (50);
  lifecycle->env = env;
  lifecycle->events = g_ptr_array_new_with_free_func (g_free);
  /* The match rule reaches the bus before any later call on this connection. */
  lifecycle->subscription =
    g_dbus_connection_signal_subscribe (env->client, "org.virtbus.Virt1", IFACE_DOMAIN,
                                        "LifecycleEvent", path, NULL, G_DBUS_SIGNAL_FLAGS_NONE,
                                        on_lifecycle, lifecycle, NULL);
  return lifecycle;
}

/* Stops watching; returns what came, events joined by spaces. */
static char *
lifecycle_end (Lifecycle *lifecycle)
{
  char *joined;

  settle (200);
  g_dbus_connection_signal_unsubscribe (lifecycle->env->client, lifecycle->subscription);
  g_ptr_array_add (lifecycle->events, NULL);
  joined = g_strjoinv (" ", (char **) lifecycle->events->pdata);
  g_ptr_array_unref (lifecycle->events);
  g_free (lifecycle);
  return joined;
}

/* Starts @path expecting failure; checks that nothing of the start is left
 * and what the lifecycle said: ('stopped', 'failed') once when QEMU ran
 * (docs/lifecycle-events.md), nothing when it never did. Returns the error. */
static GError *
start_fails (VbTestEnv *env, const char *path, gboolean qemu_ran)
{
  g_autofree char *uuid = get_string (env, path, "UUID");
  g_autofree char *dir = g_build_filename (env->run_dir, "qemu", uuid, NULL);
  Lifecycle *lifecycle = lifecycle_watch (env, path);
  g_autofree char *events = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) reason = NULL;
  GError *error = NULL;

  reply = vb_test_call (env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0), &error);
  g_assert_null (reply);
  g_assert_nonnull (error);
  g_assert_cmpstr (get_string (env, path, "State"), ==, "shutoff");
  reason = vb_test_get_property (env, path, IFACE_DOMAIN, "StateReason");
  g_assert_cmpstr (g_variant_get_string (reason, NULL), ==, "failed");
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (processes_with_argument (uuid), ==, 0);
  g_assert_true (vb_test_env_daemon_alive (env));
  events = lifecycle_end (lifecycle);
  g_assert_cmpstr (events, ==, qemu_ran ? "stopped/failed" : "");
  return error;
}

/* ---- a network without its bridge, a network that is not active ---- */

static void
test_network (Fixture *f, gconstpointer data)
{
  const char *network_xml = "<network>\n"
                            "  <name>vbnet</name>\n"
                            "  <ip address='10.77.0.1' prefix='24'/>\n"
                            "</network>\n";
  g_autofree char *xml = guest_xml ("networked", "    <interface type='network'>\n"
                                                 "      <source network='vbnet'/>\n"
                                                 "      <model type='virtio'/>\n"
                                                 "    </interface>\n");
  g_autofree char *network = NULL;
  g_autofree char *path = NULL;
  g_autofree char *uuid = NULL;
  g_autofree char *bridge = NULL;
  g_autofree char *links = NULL;
  g_autofree char *remote = NULL;
  g_autofree char *tap_prefix = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;

  reply = vb_test_call_ok (f->env, MANAGER, IFACE_MANAGER, "DefineNetwork",
                           g_variant_new ("(su)", network_xml, 0));
  g_variant_get (reply, "(o)", &network);
  g_variant_unref (
    vb_test_call_ok (f->env, network, IFACE_NETWORK, "Start", g_variant_new ("(u)", 0)));
  /* The test network driver names a bridge it never creates. */
  {
    g_autoptr (GVariant) live =
      vb_test_call_ok (f->env, network, IFACE_NETWORK, "GetXMLDesc", g_variant_new ("(u)", 0));
    g_autoptr (GRegex) regex = g_regex_new ("<bridge name='([^']+)'", 0, 0, NULL);
    g_autoptr (GMatchInfo) match = NULL;
    const char *text;

    g_variant_get (live, "(&s)", &text);
    g_assert_true (g_regex_match (regex, text, 0, &match));
    bridge = g_match_info_fetch (match, 1);
  }
  path = define (f->env, xml);
  uuid = get_string (f->env, path, "UUID");
  tap_prefix = g_strdup_printf ("vb%.6s-", uuid);

  /* The bridge is missing: the error names it; no tap, no QEMU, no files. */
  error = start_fails (f->env, path, FALSE);
  g_test_message ("Start with the bridge missing: %s", error->message);
  remote = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (remote, ==, "org.virtbus.Virt1.Error.Failed");
  {
    g_autofree char *quoted = g_strdup_printf ("bridge '%s'", bridge);
    g_assert_nonnull (strstr (error->message, quoted));
    g_assert_nonnull (strstr (error->message, "no such bridge"));
  }
  links = vb_test_run ("ip -n %s -o link show", f->netns);
  g_assert_null (strstr (links, tap_prefix));

  /* The network stopped: the error says so. */
  g_variant_unref (
    vb_test_call_ok (f->env, network, IFACE_NETWORK, "Stop", g_variant_new ("(u)", 0)));
  g_clear_error (&error);
  g_clear_pointer (&remote, g_free);
  error = start_fails (f->env, path, FALSE);
  g_test_message ("Start with the network inactive: %s", error->message);
  remote = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (remote, ==, "org.virtbus.Virt1.Error.OperationInvalid");
  g_assert_nonnull (strstr (error->message, "'vbnet'"));
  g_assert_nonnull (strstr (error->message, "not active"));
}

/* ---- QEMU missing, QEMU exiting at once ---- */

static void
test_emulator_missing (Fixture *f, gconstpointer data)
{
  const char *missing = MISSING_EMULATOR;
  g_autofree char *devices = g_strdup_printf ("    <emulator>%s</emulator>\n", missing);
  g_autofree char *xml = guest_xml ("noemu", devices);
  g_autofree char *path = define (f->env, xml);
  g_autoptr (GError) error = start_fails (f->env, path, FALSE);
  g_autofree char *remote = g_dbus_error_get_remote_error (error);

  g_test_message ("Start with a missing emulator: %s", error->message);
  g_assert_cmpstr (remote, ==, "org.virtbus.Virt1.Error.Failed");
  g_assert_nonnull (strstr (error->message, missing));
}

static void
test_emulator_exits (Fixture *f, gconstpointer data)
{
  g_autofree char *fake = g_build_filename (f->env->tmpdir, "fake-qemu", NULL);
  g_autofree char *devices = g_strdup_printf ("    <emulator>%s</emulator>\n", fake);
  g_autofree char *xml = guest_xml ("fakeemu", devices);
  g_autofree char *path = NULL;

  g_assert_true (g_file_set_contents (fake,
                                      "#!/bin/sh\n"
                                      "echo '" FAKE_QEMU_LINE "' >&2\n"
                                      "exit 1\n",
                                      -1, NULL));
  g_assert_cmpint (g_chmod (fake, 0755), ==, 0);
  path = define (f->env, xml);
  /* Twice: the first failure leaves nothing in the way of the next start. */
  for (int i = 0; i < 2; i++)
    {
      g_autoptr (GError) error = start_fails (f->env, path, TRUE);
      g_autofree char *remote = g_dbus_error_get_remote_error (error);

      g_test_message ("Start with an emulator that exits: %s", error->message);
      g_assert_cmpstr (remote, ==, "org.virtbus.Virt1.Error.Failed");
      if (!strstr (error->message, FAKE_QEMU_LINE))
        g_error ("the error does not carry what QEMU said ('%s'): %s", FAKE_QEMU_LINE,
                 error->message);
    }
}

/* An <emulator> outside --qemu-binary and --qemu-binaries is refused when
 * the domain is defined: the service never runs a binary a caller chose. */
static void
test_emulator_not_listed (Fixture *f, gconstpointer data)
{
  const char *binaries[] = { "/bin/sh", MISSING_EMULATOR, NULL };

  for (guint i = 0; binaries[i]; i++)
    {
      g_autofree char *devices = g_strdup_printf ("    <emulator>%s</emulator>\n", binaries[i]);
      g_autofree char *xml = guest_xml ("otheremu", devices);
      g_autoptr (GError) error = NULL;
      g_autoptr (GVariant) reply = vb_test_call (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                                 g_variant_new ("(su)", xml, 0), &error);
      g_autofree char *remote = NULL;

      g_assert_null (reply);
      remote = g_dbus_error_get_remote_error (error);
      g_test_message ("Define with <emulator>%s: %s", binaries[i], error->message);
      g_assert_cmpstr (remote, ==, "org.virtbus.Virt1.Error.NotSupported");
      g_assert_nonnull (strstr (error->message, "<emulator>"));
      g_assert_nonnull (strstr (error->message, binaries[i]));
    }
}

/* ---- capabilities ---- */

static void
test_capabilities (Fixture *f, gconstpointer data)
{
  gint64 end = g_get_monotonic_time () + 60 * G_USEC_PER_SEC;
  const char *expected = g_getenv ("VB_TEST_KVM_EXPECTED");
  g_autofree char *guest = NULL;
  g_autofree char *document = NULL;

  /* The driver probes QEMU when the service starts: its <guest> follows. */
  while (!guest)
    {
      g_autoptr (GVariant) reply =
        vb_test_call_ok (f->env, MANAGER, IFACE_MANAGER, "GetCapabilities", NULL);
      const char *qemu;

      g_free (document);
      g_variant_get (reply, "(s)", &document);
      qemu = strstr (document, "<domain type='qemu'/>");
      if (qemu)
        {
          const char *start = g_strrstr_len (document, qemu - document, "<guest>");
          const char *stop = strstr (qemu, "</guest>");

          g_assert_nonnull (start);
          g_assert_nonnull (stop);
          guest = g_strndup (start, stop + strlen ("</guest>") - start);
          break;
        }
      if (g_get_monotonic_time () > end)
        g_error ("GetCapabilities never showed the QEMU guest:\n%s", document);
      g_usleep (100000);
    }
  g_test_message ("the QEMU guest of GetCapabilities:\n%s", guest);

  g_assert_true (g_str_has_prefix (document, "<capabilities>"));
  g_assert_nonnull (strstr (guest, "<os_type>hvm</os_type>"));
  g_assert_nonnull (strstr (guest, "<arch name='x86_64'>"));
  g_assert_nonnull (strstr (guest, "<wordsize>64</wordsize>"));
  g_assert_nonnull (strstr (guest, "<emulator>/"));
  /* The aliases are machines of their own naming their target, as in libvirt. */
  g_assert_nonnull (strstr (guest, "'>pc</machine>"));
  g_assert_nonnull (strstr (guest, "'>q35</machine>"));
  g_assert_nonnull (strstr (guest, "<machine canonical='pc-i440fx-"));
  g_assert_nonnull (strstr (guest, "<machine canonical='pc-q35-"));
  g_assert_nonnull (strstr (guest, " default='yes'>"));
  g_assert_null (strstr (guest, ">none</machine>"));
  g_assert_nonnull (strstr (guest, "<features>"));
  g_assert_nonnull (strstr (guest, "<migration-capability name='postcopy-ram'/>"));
  g_assert_nonnull (strstr (guest, "<migration-capability name='xbzrle'/>"));
  g_assert_nonnull (strstr (guest, "<migration-capability name='auto-converge'/>"));
  g_assert_nonnull (strstr (guest, "<virtio-net-failover/>"));
  /* The domain types sit in <arch>, before the features. */
  g_assert_true (strstr (guest, "<domain type='qemu'/>") < strstr (guest, "</arch>"));
  if (g_strcmp0 (expected, "unusable") == 0)
    g_assert_null (strstr (guest, "<domain type='kvm'/>"));
  else if (strstr (guest, "<domain type='kvm'/>"))
    g_assert_true (strstr (guest, "<domain type='kvm'/>") < strstr (guest, "</arch>"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (getuid () != 0)
    {
      g_printerr ("network namespaces and taps need root: run the suite as root\n");
      return 77; /* meson: skipped */
    }
  g_test_add ("/qemu-network/bridge", Fixture, NULL, set_up_in_netns, test_bridge, tear_down);
  g_test_add ("/qemu-network/network-without-bridge", Fixture, NULL, set_up_in_netns, test_network,
              tear_down);
  g_test_add ("/qemu-network/emulator-not-listed", Fixture, NULL, set_up, test_emulator_not_listed,
              tear_down);
  g_test_add ("/qemu-network/emulator-missing", Fixture, NULL, set_up_emulators,
              test_emulator_missing, tear_down);
  g_test_add ("/qemu-network/emulator-exits", Fixture, NULL, set_up_emulators, test_emulator_exits,
              tear_down);
  g_test_add ("/qemu-network/capabilities", Fixture, NULL, set_up, test_capabilities, tear_down);
  return g_test_run ();
}
