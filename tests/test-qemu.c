/* Real virtual machines: the project's test guest under QEMU (TCG here),
 * driven through virtbusd as a client would. */
#include <gio/gunixfdlist.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vb-test-env.h"

#define READY "VIRTBUS-GUEST-READY"
#define BOOT_TIMEOUT_MS 60000

typedef struct {
  VbTestEnv *env;
  VbSignalLog *signals;
  char *disk;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  vb_test_env_start_daemon (f->env, NULL);
  f->signals = vb_signal_log_new (f->env);
  f->disk = g_build_filename (f->env->tmpdir, "disk.img", NULL);
  vb_test_sparse_file (f->disk, 8 << 20);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_assert_true (vb_test_env_daemon_alive (f->env));
  vb_signal_log_free (f->signals);
  g_free (f->disk);
  vb_test_env_free (f->env);
}

static char *
guest_xml (Fixture *f, const char *name, const char *type, const char *extra_devices)
{
  const char *guest = g_getenv ("VB_TEST_GUEST_DIR");

  g_assert_nonnull (guest);
  return g_strdup_printf (
    "<domain type='%s'>\n"
    "  <name>%s</name>\n"
    "  <memory unit='MiB'>192</memory>\n"
    "  <vcpu>1</vcpu>\n"
    "  <os>\n"
    "    <type arch='x86_64' machine='pc'>hvm</type>\n"
    "    <kernel>%s/vmlinux</kernel>\n"
    "    <initrd>%s/initramfs.img</initrd>\n"
    "    <cmdline>console=ttyS0 quiet</cmdline>\n"
    "  </os>\n"
    "  <features>\n    <acpi/>\n  </features>\n"
    "  <devices>\n"
    "    <disk type='file' device='disk'>\n"
    "      <driver name='qemu' type='raw'/>\n"
    "      <source file='%s'/>\n"
    "      <target dev='vda' bus='virtio'/>\n"
    "    </disk>\n"
    "    <interface type='user'>\n      <model type='virtio'/>\n    </interface>\n"
    "    <serial type='pty'>\n      <target port='0'/>\n    </serial>\n"
    "    <console type='pty'>\n      <target type='serial' port='0'/>\n    </console>\n"
    "    <memballoon model='virtio'/>\n"
    "%s"
    "  </devices>\n"
    "</domain>\n",
    type, name, guest, guest, f->disk, extra_devices ? extra_devices : "");
}

static char *
define (Fixture *f, const char *xml)
{
  return vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                            g_variant_new ("(su)", xml, 0));
}

static void
call (Fixture *f, const char *path, const char *method, GVariant *args)
{
  vb_test_call_void (f->env, path, IFACE_DOMAIN, method, args);
}

static char *
read_file (const char *path)
{
  char *contents = NULL;
  return g_file_get_contents (path, &contents, NULL, NULL) ? contents : g_strdup ("");
}

/* Waits until the console log of the domain has @count occurrences of @needle. */
static gboolean
wait_console (VbTestEnv *env, const char *path, const char *needle, guint count, guint timeout_ms)
{
  g_autofree char *log = vb_test_console_log_of (env, path);
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      g_autofree char *text = read_file (log);
      guint found = 0;

      for (const char *p = strstr (text, needle); p; p = strstr (p + 1, needle))
        found++;
      if (found >= count)
        return TRUE;
      if (g_get_monotonic_time () > end)
        {
          g_printerr ("console of %s has %u of %u '%s' after %u ms:\n%s\n", path, found, count,
                      needle, timeout_ms, text);
          return FALSE;
        }
      g_main_context_iteration (NULL, FALSE);
      g_usleep (50000);
    }
}

static guint64
last_counter (VbTestEnv *env, const char *path)
{
  g_autofree char *log = vb_test_console_log_of (env, path);
  return vb_test_log_last_counter (log);
}

static gboolean
wait_state (VbTestEnv *env, const char *path, const char *state, guint timeout_ms)
{
  return vb_test_wait_property (env, path, IFACE_DOMAIN, "State", g_variant_new_string (state),
                                timeout_ms);
}

/* Alive, not a zombie: a QEMU the restarted service adopted is reaped by
 * whatever init the machine has, maybe late or never. */
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

static GVariant *
stats_of (Fixture *f, const char *path)
{
  g_autoptr (GVariant) reply =
    vb_test_call_ok (f->env, path, IFACE_DOMAIN, "GetStats", g_variant_new ("(u)", 0));

  return g_variant_get_child_value (reply, 0);
}

static guint64
stat_u64 (GVariant *stats, const char *key)
{
  guint64 value = 0;

  if (!g_variant_lookup (stats, key, "t", &value))
    g_error ("GetStats has no '%s' of type t", key);
  return value;
}

static gint32
stat_i32 (GVariant *stats, const char *key)
{
  gint32 value = 0;

  if (!g_variant_lookup (stats, key, "i", &value))
    g_error ("GetStats has no '%s' of type i", key);
  return value;
}

static void
test_boot_and_acpi_shutdown (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = guest_xml (f, "boot1", "qemu", NULL);
  g_autofree char *path = define (f, xml);
  g_autoptr (GVariant) id = NULL;
  int pid;

  call (f, path, "Start", g_variant_new ("(u)", 0));
  g_assert_true (vb_signal_log_wait (f->signals, "('started', 'booted')", 5000));
  g_assert_true (wait_state (f->env, path, "running", 5000));
  id = vb_test_get_property (f->env, path, IFACE_DOMAIN, "Id");
  g_assert_cmpint (g_variant_get_int32 (id), >, 0);
  g_assert_true (wait_console (f->env, path, READY, 1, BOOT_TIMEOUT_MS));
  pid = vb_test_qemu_pid (f->env, path);
  g_assert_true (process_exists (pid));

  /* The live XML says it runs; it is the definition with its id. */
  {
    g_autoptr (GVariant) live = vb_test_call_ok (f->env, path, IFACE_DOMAIN, "GetXMLDesc",
                                                 g_variant_new ("(u)", 0));
    const char *text;
    g_variant_get (live, "(&s)", &text);
    g_assert_true (g_str_has_prefix (text, "<domain type='qemu' id='"));
  }
  /* Counters of a running guest. */
  {
    g_autoptr (GVariant) reply = vb_test_call_ok (f->env, path, IFACE_DOMAIN, "GetStats",
                                                  g_variant_new ("(u)", 0));
    g_autoptr (GVariant) stats = g_variant_get_child_value (reply, 0);
    guint64 cpu = 0, balloon = 0;
    guint32 blocks = 0;
    const char *block_name = NULL;

    g_assert_true (g_variant_lookup (stats, "cpu.time", "t", &cpu));
    g_assert_cmpuint (cpu, >, 0);
    g_assert_true (g_variant_lookup (stats, "balloon.maximum", "t", &balloon));
    g_assert_cmpuint (balloon, ==, 192 * 1024);
    g_assert_true (g_variant_lookup (stats, "block.count", "u", &blocks));
    g_assert_cmpuint (blocks, ==, 1);
    g_assert_true (g_variant_lookup (stats, "block.0.name", "&s", &block_name));
    g_assert_cmpstr (block_name, ==, "vda");
  }
  /* They move: the guest's reads reach the disk's counters, QEMU's CPU time grows. */
  {
    g_autoptr (GVariant) before = stats_of (f, path);
    g_autoptr (GVariant) after = NULL;
    g_autoptr (VbTestConsole) console = vb_test_console_open (f->env, path);
    struct stat st;

    g_assert_cmpint (stat_i32 (before, "state.state"), ==, 1);
    g_assert_cmpint (stat_i32 (before, "vcpu.0.state"), ==, 1);
    g_assert_cmpuint (stat_u64 (before, "vcpu.0.time"), >, 0);
    g_assert_cmpuint (stat_u64 (before, "cpu.user") + stat_u64 (before, "cpu.system"), ==,
                      stat_u64 (before, "cpu.time"));
    g_assert_cmpuint (stat_u64 (before, "balloon.rss"), >, 0);
    g_assert_cmpint (stat (f->disk, &st), ==, 0);
    g_assert_cmpuint (stat_u64 (before, "block.0.capacity"), ==, (guint64) st.st_size);
    g_assert_cmpuint (stat_u64 (before, "block.0.physical"), ==, (guint64) st.st_size);
    g_assert_cmpint (vb_test_console_run (console,
                                          "echo 3 > /proc/sys/vm/drop_caches; "
                                          "dd if=/dev/vda of=/dev/null bs=4096 count=64",
                                          30000),
                     ==, 0);
    after = stats_of (f, path);
    g_assert_cmpuint (stat_u64 (after, "block.0.rd.bytes"), >=,
                      stat_u64 (before, "block.0.rd.bytes") + 64 * 4096);
    g_assert_cmpuint (stat_u64 (after, "block.0.rd.reqs"), >, stat_u64 (before, "block.0.rd.reqs"));
    g_assert_cmpuint (stat_u64 (after, "cpu.time"), >, stat_u64 (before, "cpu.time"));
  }

  vb_signal_log_clear (f->signals);
  call (f, path, "Shutdown", g_variant_new ("(u)", 0));
  /* The guest's acpid powers it off: shutdown, then shut off, and QEMU is gone. */
  g_assert_true (vb_signal_log_wait (f->signals, "('stopped', 'shutdown')", 30000));
  g_assert_cmpint (vb_signal_log_find (f->signals, "'State': <'shutdown'>"), >=, 0);
  /* Exactly these, once each: the SHUTDOWN QEMU sends for virtbus's own quit
   * is not a second power-off (nor one by the host). */
  g_usleep (300 * 1000);
  while (g_main_context_iteration (NULL, FALSE))
    ;
  {
    g_autofree char *events = vb_signal_log_lifecycle (f->signals, path);
    g_assert_cmpstr (events, ==,
                     "('shutdown', 'finished') ('shutdown', 'guest') ('stopped', 'shutdown')");
  }
  g_assert_true (wait_state (f->env, path, "shutoff", 2000));
  g_assert_true (vb_test_wait_property (f->env, path, IFACE_DOMAIN, "StateReason",
                                        g_variant_new_string ("shutdown"), 2000));
  g_assert_false (process_exists (pid));
  /* Shut off: libvirt's state and reason (5, shutdown 1), the disk still counted. */
  {
    g_autoptr (GVariant) stats = stats_of (f, path);

    g_assert_cmpint (stat_i32 (stats, "state.state"), ==, 5);
    g_assert_cmpint (stat_i32 (stats, "state.reason"), ==, 1);
    g_assert_false (g_variant_lookup (stats, "cpu.time", "t", NULL));
    g_assert_cmpuint (stat_u64 (stats, "block.0.capacity"), >, 0);
  }
}

static void
test_destroy_reboot_suspend (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = guest_xml (f, "ops1", "qemu", NULL);
  g_autofree char *path = define (f, xml);
  guint64 before, during, after;
  int pid;

  call (f, path, "Start", g_variant_new ("(u)", 0));
  g_assert_true (wait_console (f->env, path, READY, 1, BOOT_TIMEOUT_MS));
  g_assert_true (wait_console (f->env, path, "VB-COUNTER 5", 1, 10000));

  /* Suspend: the counter stops; resume: it goes on from where it was. */
  vb_signal_log_clear (f->signals);
  call (f, path, "Suspend", NULL);
  g_assert_true (vb_signal_log_wait (f->signals, "('suspended', 'paused')", 5000));
  g_assert_true (wait_state (f->env, path, "paused", 2000));
  before = last_counter (f->env, path);
  g_usleep (1500000);
  during = last_counter (f->env, path);
  g_assert_cmpuint (during, ==, before);
  call (f, path, "Resume", NULL);
  g_assert_true (vb_signal_log_wait (f->signals, "('resumed', 'unpaused')", 5000));
  g_assert_true (wait_state (f->env, path, "running", 2000));
  {
    g_autofree char *next = g_strdup_printf ("VB-COUNTER %" G_GUINT64_FORMAT, during + 3);
    g_assert_true (wait_console (f->env, path, next, 1, 10000));
  }
  after = last_counter (f->env, path);
  g_assert_cmpuint (after, >, during);

  /* Reboot: the guest powers off on request and comes back; same QEMU. */
  pid = vb_test_qemu_pid (f->env, path);
  call (f, path, "Reboot", g_variant_new ("(u)", 0));
  g_assert_true (wait_console (f->env, path, READY, 2, BOOT_TIMEOUT_MS));
  g_assert_true (wait_state (f->env, path, "running", 2000));
  g_assert_cmpint (vb_test_qemu_pid (f->env, path), ==, pid);

  /* Destroy: at once, whatever the guest does. */
  vb_signal_log_clear (f->signals);
  call (f, path, "Destroy", g_variant_new ("(u)", 0));
  g_assert_true (vb_signal_log_wait (f->signals, "('stopped', 'destroyed')", 10000));
  g_assert_true (wait_state (f->env, path, "shutoff", 2000));
  g_assert_false (process_exists (pid));
}

/* A console session: the descriptor OpenConsole returns. */
static int
open_console (Fixture *f, const char *path)
{
  g_autoptr (GUnixFDList) fds = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree int *stolen = NULL;

  reply = g_dbus_connection_call_with_unix_fd_list_sync (
    f->env->client, "org.virtbus.Virt1", path, IFACE_DOMAIN, "OpenConsole",
    g_variant_new ("(u)", 0), G_VARIANT_TYPE ("(h)"), G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &fds,
    NULL, &error);
  g_assert_no_error (error);
  /* Taken out of the list, so closing it ends the session. */
  stolen = g_unix_fd_list_steal_fds (fds, NULL);
  return stolen[0];
}

static void
test_console (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = guest_xml (f, "console1", "qemu",
                                    "    <graphics type='vnc' port='-1' autoport='yes'/>\n");
  g_autofree char *path = define (f, xml);
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) seen = g_string_new (NULL);
  const char *command = "echo console-$((6*7))\r";
  gint64 end;
  int fd;

  call (f, path, "Start", g_variant_new ("(u)", 0));
  g_assert_true (wait_console (f->env, path, READY, 1, BOOT_TIMEOUT_MS));
  /* The live XML tells a viewer where the VNC display went. */
  {
    gint64 until = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
    gboolean found = FALSE;

    while (!found && g_get_monotonic_time () < until)
      {
        g_autoptr (GVariant) live = vb_test_call_ok (f->env, path, IFACE_DOMAIN, "GetXMLDesc",
                                                     g_variant_new ("(u)", 0));
        const char *text;

        g_variant_get (live, "(&s)", &text);
        found = g_regex_match_simple ("<graphics type='vnc' port='59[0-9][0-9]'", text, 0, 0);
        if (!found)
          g_usleep (50000);
      }
    g_assert_true (found);
  }
  fd = open_console (f, path);
  g_assert_cmpint (fd, >=, 0);

  /* A second session is refused while the first is open. */
  vb_test_call_expect_error (f->env, path, IFACE_DOMAIN, "OpenConsole", g_variant_new ("(u)", 0),
                             "org.virtbus.Virt1.Error.Busy");

  /* Typed on the console, answered by the guest's shell. */
  g_assert_cmpint (write (fd, command, strlen (command)), ==, (gssize) strlen (command));
  end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (!strstr (seen->str, "console-42") && g_get_monotonic_time () < end)
    {
      char buffer[4096];
      struct timeval timeout = { 0, 200000 };
      fd_set readable;
      ssize_t n;

      FD_ZERO (&readable);
      FD_SET (fd, &readable);
      if (select (fd + 1, &readable, NULL, NULL, &timeout) <= 0)
        continue;
      n = read (fd, buffer, sizeof buffer);
      g_assert_cmpint (n, >, 0);
      g_string_append_len (seen, buffer, n);
    }
  g_assert_nonnull (strstr (seen->str, "console-42"));
  close (fd);

  /* Closed: the next session may open. */
  {
    g_autoptr (GUnixFDList) again = NULL;
    g_autoptr (GVariant) reply2 = NULL;
    end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;
    do
      {
        g_clear_error (&error);
        g_clear_pointer (&reply2, g_variant_unref);
        g_clear_object (&again);
        reply2 = g_dbus_connection_call_with_unix_fd_list_sync (
          f->env->client, "org.virtbus.Virt1", path, IFACE_DOMAIN, "OpenConsole",
          g_variant_new ("(u)", 0), G_VARIANT_TYPE ("(h)"), G_DBUS_CALL_FLAGS_NONE, 10000, NULL,
          &again, NULL, &error);
        if (!reply2)
          g_usleep (50000);
      }
    while (!reply2 && g_get_monotonic_time () < end);
    g_assert_no_error (error);
    {
      g_autofree int *stolen = g_unix_fd_list_steal_fds (again, NULL);
      close (stolen[0]);
    }
  }
  call (f, path, "Destroy", g_variant_new ("(u)", 0));
}

static goffset
file_size (const char *path)
{
  struct stat st;

  return stat (path, &st) == 0 ? st.st_size : -1;
}

/* Past what a stuck client may leave unread (qemu-console.c's 1 MiB) and
 * the socket buffers on the way: the service must have ended its session.
 * Also past the log's limit (qemu-log-cap.h's 2 MiB), so it is cut. */
#define STUCK_GROWTH_BYTES (5 * 1024 * 1024 / 2)
#define LOG_LIMIT (2 * 1024 * 1024)
/* What the flood may add to a log between two of the service's looks. */
#define LOG_SLACK (2 * 1024 * 1024)
/* How fast the guest writes depends on how busy the host is (TCG). */
#define STUCK_GROWTH_TIMEOUT_US (120 * G_USEC_PER_SEC)

/* A console client that stops reading must not stop the guest: its serial
 * output and the serial log go on, and the client loses its session once
 * it has left too much unread; the next client gets the console. The log
 * stays bounded all the while: cut past its limit, its end kept as .1. */
static void
test_console_stuck_reader (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = guest_xml (f, "stuck", "qemu", NULL);
  g_autofree char *path = define (f, xml);
  g_autofree char *log = NULL;
  const char *flood = "yes 0123456789abcdef0123456789abcdef0123456789abcdef0123456789ab\r";
  g_autofree char *kept_log = NULL;
  goffset before, after, kept = -1, grown = 0;
  gsize drained = 0;
  gint64 end;
  int fd;

  call (f, path, "Start", g_variant_new ("(u)", 0));
  g_assert_true (wait_console (f->env, path, READY, 1, BOOT_TIMEOUT_MS));
  log = vb_test_console_log_of (f->env, path);
  kept_log = g_strconcat (log, ".1", NULL);
  fd = open_console (f, path);
  g_assert_cmpint (write (fd, flood, strlen (flood)), ==, (gssize) strlen (flood));

  /* Not a byte read, while the guest writes far more than the client may
   * leave unread: its output goes on (the log grows), the client's session
   * ends. */
  before = file_size (log);
  end = g_get_monotonic_time () + STUCK_GROWTH_TIMEOUT_US;
  do
    {
      g_usleep (G_USEC_PER_SEC / 2);
      after = file_size (log);
      g_assert_cmpint (after, <=, LOG_LIMIT + LOG_SLACK);
      /* Cut meanwhile: what it holds now was written since. */
      grown += after >= before ? after - before : after;
      before = after;
      kept = file_size (kept_log);
    }
  while ((grown <= STUCK_GROWTH_BYTES || kept < 0) && g_get_monotonic_time () < end);
  g_test_message ("serial log grew by %" G_GOFFSET_FORMAT " bytes with a stuck reader; "
                  "%" G_GOFFSET_FORMAT " kept in %s", grown, kept, kept_log);
  g_assert_cmpint (grown, >, STUCK_GROWTH_BYTES);
  g_assert_cmpint (kept, >, 0);
  g_assert_cmpint (kept, <=, LOG_LIMIT);

  /* The stuck client's session is over: what it holds, then the end. */
  end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  for (;;)
    {
      char buffer[65536];
      ssize_t n = read (fd, buffer, sizeof buffer);

      if (n == 0)
        break;
      g_assert_cmpint (n, >, 0);
      drained += (gsize) n;
      g_assert_cmpint (g_get_monotonic_time (), <, end);
    }
  close (fd);
  g_assert_cmpuint (drained, >, 0);

  /* The next client gets the console, and stops the flood. */
  fd = open_console (f, path);
  g_assert_cmpint (write (fd, "\003", 1), ==, 1);
  close (fd);
  call (f, path, "Destroy", g_variant_new ("(u)", 0));
}

static gpointer
wake_qemu_later (gpointer pid)
{
  g_usleep (G_USEC_PER_SEC);
  kill (GPOINTER_TO_INT (pid), SIGCONT);
  return NULL;
}

static void
test_two_guests_and_service_restart (Fixture *f, gconstpointer data)
{
  g_autofree char *xml1 = guest_xml (f, "pair1", "qemu", NULL);
  g_autofree char *path1 = define (f, xml1);
  g_autofree char *path2 = NULL;
  g_autofree char *disk2 = g_build_filename (f->env->tmpdir, "disk2.img", NULL);
  g_autofree char *log1 = NULL;
  int pid1, pid2;
  guint64 counter;

  /* The second guest is transient and has a disk of its own. */
  {
    g_autofree char *xml2 = guest_xml (f, "pair2", "qemu", NULL);
    g_autoptr (GString) own = g_string_new (xml2);
    g_autoptr (GVariant) reply = NULL;

    vb_test_sparse_file (disk2, 8 << 20);
    g_string_replace (own, f->disk, disk2, 1);
    reply = vb_test_call_ok (f->env, MANAGER, IFACE_MANAGER, "CreateDomain",
                             g_variant_new ("(su)", own->str, 0));
    g_variant_get (reply, "(o)", &path2);
  }
  call (f, path1, "Start", g_variant_new ("(u)", 0));
  g_assert_true (wait_console (f->env, path1, READY, 1, BOOT_TIMEOUT_MS));
  g_assert_true (wait_console (f->env, path2, READY, 1, BOOT_TIMEOUT_MS));
  call (f, path2, "Suspend", NULL);
  g_assert_true (wait_state (f->env, path2, "paused", 5000));
  pid1 = vb_test_qemu_pid (f->env, path1);
  pid2 = vb_test_qemu_pid (f->env, path2);
  log1 = vb_test_console_log_of (f->env, path1);

  /* kill -9 of the service: the guests go on, the new service finds them. */
  vb_test_env_stop_daemon (f->env, TRUE);
  g_assert_true (process_exists (pid1));
  g_assert_true (process_exists (pid2));
  counter = vb_test_log_last_counter (log1);
  /* The guest keeps counting while nobody manages it. */
  {
    gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
    while (vb_test_log_last_counter (log1) < counter + 5 && g_get_monotonic_time () < end)
      g_usleep (100000);
    g_assert_cmpuint (vb_test_log_last_counter (log1), >=, counter + 5);
    counter = vb_test_log_last_counter (log1);
  }
  /* A call that comes while the new service is still reconnecting to QEMU's
   * monitor (held up here: the QEMU is stopped for a second) waits for it
   * instead of finding the QEMU unreachable. */
  g_assert_cmpint (kill (pid1, SIGSTOP), ==, 0);
  {
    GThread *waker = g_thread_new ("wake-qemu", wake_qemu_later, GINT_TO_POINTER (pid1));

    vb_test_env_start_daemon (f->env, NULL);
    call (f, path1, "Suspend", NULL);
    g_thread_join (waker);
  }
  g_assert_true (wait_state (f->env, path1, "paused", 5000));
  call (f, path1, "Resume", NULL);
  g_assert_true (wait_state (f->env, path1, "running", 5000));
  g_assert_true (wait_state (f->env, path2, "paused", 5000));
  {
    g_autoptr (GVariant) persistent =
      vb_test_get_property (f->env, path2, IFACE_DOMAIN, "Persistent");
    g_assert_false (g_variant_get_boolean (persistent));
  }
  {
    g_autofree char *next = g_strdup_printf ("VB-COUNTER %" G_GUINT64_FORMAT, counter + 3);
    g_assert_true (wait_console (f->env, path1, next, 1, 10000));
  }
  /* SIGTERM: the guests run on again, and the service's last words name them. */
  vb_test_env_stop_daemon (f->env, FALSE);
  {
    g_autofree char *log = vb_test_env_daemon_log (f->env);

    g_assert_nonnull (strstr (log, "Exiting: 2 domains and 0 networks keep running"));
    g_assert_nonnull (strstr (log, "domain/pair1: keeps running (qemu, running)\n"));
    g_assert_nonnull (strstr (log, "domain/pair2: keeps running (qemu, paused, transient)\n"));
  }
  g_assert_true (process_exists (pid1));
  g_assert_true (process_exists (pid2));
  /* A call that comes while the new service is still reconnecting to QEMU's
   * monitor (held up here: the QEMU is stopped for a second) waits for it
   * instead of finding the QEMU unreachable. */
  g_assert_cmpint (kill (pid1, SIGSTOP), ==, 0);
  {
    GThread *waker = g_thread_new ("wake-qemu", wake_qemu_later, GINT_TO_POINTER (pid1));

    vb_test_env_start_daemon (f->env, NULL);
    call (f, path1, "Suspend", NULL);
    g_thread_join (waker);
  }
  g_assert_true (wait_state (f->env, path1, "paused", 5000));
  call (f, path1, "Resume", NULL);
  g_assert_true (wait_state (f->env, path1, "running", 5000));
  g_assert_true (wait_state (f->env, path2, "paused", 5000));
  /* Operations still work on both. */
  call (f, path2, "Resume", NULL);
  g_assert_true (wait_state (f->env, path2, "running", 5000));
  call (f, path1, "Destroy", g_variant_new ("(u)", 0));
  call (f, path2, "Destroy", g_variant_new ("(u)", 0));
  g_assert_true (wait_state (f->env, path1, "shutoff", 10000));
  g_assert_false (process_exists (pid1));
  g_assert_false (process_exists (pid2));
}

static void
test_qemu_killed (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = guest_xml (f, "victim", "qemu", NULL);
  g_autofree char *path = define (f, xml);
  gint64 start;
  int pid;

  call (f, path, "Start", g_variant_new ("(u)", 0));
  g_assert_true (wait_state (f->env, path, "running", 10000));
  pid = vb_test_qemu_pid (f->env, path);
  vb_signal_log_clear (f->signals);
  start = g_get_monotonic_time ();
  g_assert_cmpint (kill (pid, SIGKILL), ==, 0);
  g_assert_true (vb_signal_log_wait (f->signals, "('stopped', 'crashed')", 5000));
  /* A watch on the process, not a poll: the event follows within a moment. */
  g_assert_cmpint (g_get_monotonic_time () - start, <, 2 * G_USEC_PER_SEC);
  g_assert_true (wait_state (f->env, path, "shutoff", 1000));
  g_assert_true (vb_test_wait_property (f->env, path, IFACE_DOMAIN, "StateReason",
                                        g_variant_new_string ("crashed"), 1000));
  /* It starts again as if nothing happened. */
  call (f, path, "Start", g_variant_new ("(u)", 0));
  g_assert_true (wait_state (f->env, path, "running", 10000));
  call (f, path, "Destroy", g_variant_new ("(u)", 0));
}

/* A QEMU that stops answering: the QMP command times out inside the driver
 * (a GIO error, not one of ours), and the client gets the documented
 * org.virtbus.Virt1.Error.Failed with the reason, never GDBus's
 * org.gtk.GDBus.UnmappedGError.Quark... name. */
static void
test_qmp_timeout_is_failed (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = guest_xml (f, "deaf", "qemu", NULL);
  g_autofree char *path = define (f, xml);
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autofree char *name = NULL;
  int pid;

  call (f, path, "Start", g_variant_new ("(u)", 0));
  g_assert_true (wait_state (f->env, path, "running", 10000));
  pid = vb_test_qemu_pid (f->env, path);
  g_assert_cmpint (kill (pid, SIGSTOP), ==, 0);
  /* QMP's timeout is 30 s: the client waits longer than that. */
  reply =
    g_dbus_connection_call_sync (f->env->client, "org.virtbus.Virt1", path, IFACE_DOMAIN, "Suspend",
                                 NULL, NULL, G_DBUS_CALL_FLAGS_NONE, 90000, NULL, &error);
  g_assert_cmpint (kill (pid, SIGCONT), ==, 0);
  g_assert_null (reply);
  name = g_dbus_error_get_remote_error (error);
  g_assert_cmpstr (name, ==, "org.virtbus.Virt1.Error.Failed");
  g_assert_nonnull (strstr (error->message, "QMP stop got no reply"));
  /* The monitor stays usable: the stop was on the wire, so QEMU pauses when
   * it runs again, the service follows its event, and Resume is answered. */
  g_assert_true (wait_state (f->env, path, "paused", 10000));
  call (f, path, "Resume", NULL);
  g_assert_true (wait_state (f->env, path, "running", 10000));
  call (f, path, "Destroy", g_variant_new ("(u)", 0));
}

static void
test_qemu_died_while_service_away (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = guest_xml (f, "orphan", "qemu", NULL);
  g_autofree char *path = define (f, xml);
  int pid;

  call (f, path, "Start", g_variant_new ("(u)", 0));
  g_assert_true (wait_state (f->env, path, "running", 10000));
  pid = vb_test_qemu_pid (f->env, path);
  vb_test_env_stop_daemon (f->env, TRUE);
  kill (pid, SIGKILL);
  while (process_exists (pid))
    g_usleep (10000);
  vb_test_env_start_daemon (f->env, NULL);
  g_assert_true (wait_state (f->env, path, "shutoff", 5000));
  g_assert_true (vb_test_wait_property (f->env, path, IFACE_DOMAIN, "StateReason",
                                        g_variant_new_string ("unknown"), 1000));
}

static void
test_start_failures (gconstpointer data)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  const char *args[] = { "--qemu-binary=/bin/false", NULL };
  Fixture f = { env, NULL, g_build_filename (env->tmpdir, "disk.img", NULL) };
  g_autofree char *xml = NULL;
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autofree char *qemu_dir = NULL;

  g_assert_true (g_file_set_contents (f.disk, "", 0, NULL));
  vb_test_env_start_daemon (env, args);
  xml = guest_xml (&f, "broken", "qemu", NULL);
  path = define (&f, xml);
  reply = vb_test_call (env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0), &error);
  g_assert_null (reply);
  g_assert_nonnull (error);
  g_assert_cmpstr (vb_test_get_string (env, path, IFACE_DOMAIN, "State"), ==, "shutoff");
  /* Nothing is left behind: no process, no run directory. */
  {
    g_autofree char *uuid = vb_test_get_string (env, path, IFACE_DOMAIN, "UUID");
    qemu_dir = g_build_filename (env->run_dir, "qemu", uuid, NULL);
    g_assert_false (g_file_test (qemu_dir, G_FILE_TEST_EXISTS));
  }
  g_assert_true (vb_test_env_daemon_alive (env));
  g_free (f.disk);
}

/* The main loop runs (signals, replies) while a test waits @ms. */
static void
iterate (guint ms)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_usleep (ms * 1000);
}

typedef struct {
  gboolean returned;
  GVariant *reply;
  GError *error;
} StartCall;

static void
start_returned (GObject *source, GAsyncResult *result, gpointer user_data)
{
  StartCall *call = user_data;

  call->reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, &call->error);
  call->returned = TRUE;
}

/* Start() without waiting; then the status file of @uuid as soon as it is
 * on disk, with the PID it names. */
static int
start_until_status (VbTestEnv *env, const char *path, const char *uuid, StartCall *call)
{
  g_autofree char *status = vb_test_env_status_path (env, uuid);
  gint64 end = g_get_monotonic_time () + 60 * G_TIME_SPAN_SECOND;
  g_autofree char *text = NULL;
  const char *pid;

  g_dbus_connection_call (env->client, "org.virtbus.Virt1", path, IFACE_DOMAIN, "Start",
                          g_variant_new ("(u)", 0), NULL, G_DBUS_CALL_FLAGS_NONE, 120000, NULL,
                          start_returned, call);
  while (!g_file_test (status, G_FILE_TEST_EXISTS))
    {
      g_assert_false (call->returned);
      g_assert_cmpint (g_get_monotonic_time (), <, end);
      iterate (5);
    }
  text = read_file (status);
  pid = strstr (text, "\"pid\"");
  g_assert_nonnull (pid);
  return atoi (strchr (pid, ':') + 1);
}

/* The state letter of /proc/PID/stat ('T': stopped), '?' when gone. */
static char
process_state (int pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%d/stat", pid);
  g_autofree char *stat = NULL;
  const char *after;

  if (!g_file_get_contents (path, &stat, NULL, NULL) || !(after = strrchr (stat, ')')))
    return '?';
  return after[2];
}

/* The status file is on disk from the spawn on, written while QEMU starts
 * up (off the path of Start) rather than after its first QMP answer: the
 * --qemu-binary here is a script that stops itself before it execs QEMU, and
 * the file is there meanwhile. Let go, the guest runs with a file that names
 * QEMU, not the script. A service killed while QEMU never answered finds
 * the process at its restart and ends it, rather than leaving it behind. */
static void
test_status_from_the_spawn (gconstpointer data)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *wrapper = g_build_filename (env->tmpdir, "qemu-held", NULL);
  g_autofree char *binary_arg = g_strdup_printf ("--qemu-binary=%s", wrapper);
  const char *args[] = { binary_arg, NULL };
  g_autofree char *found = g_find_program_in_path ("qemu-system-x86_64");
  g_autofree char *qemu = NULL;
  g_autofree char *script = NULL;
  Fixture f = { env, NULL, g_build_filename (env->tmpdir, "disk.img", NULL) };
  g_autofree char *xml = NULL;
  g_autofree char *path = NULL;
  g_autofree char *uuid = NULL;
  g_autofree char *status = NULL;
  g_autofree char *text = NULL;
  g_autofree char *exe = NULL;
  StartCall first = { 0 }, second = { 0 };
  int pid;

  g_assert_nonnull (found);
  qemu = realpath (found, NULL);
  g_assert_nonnull (qemu);
  /* Only the guest's QEMU is held, not the capability probes. */
  script = g_strdup_printf ("#!/bin/sh\n"
                            "case \"$*\" in *guest=held,*) kill -STOP $$ ;; esac\n"
                            "exec %s \"$@\"\n",
                            qemu);
  g_assert_true (g_file_set_contents (wrapper, script, -1, NULL));
  g_assert_cmpint (g_chmod (wrapper, 0755), ==, 0);
  vb_test_sparse_file (f.disk, 8 << 20);
  vb_test_env_start_daemon (env, args);
  xml = guest_xml (&f, "held", "qemu", NULL);
  path = define (&f, xml);
  uuid = vb_test_get_string (env, path, IFACE_DOMAIN, "UUID");
  status = vb_test_env_status_path (env, uuid);

  /* On disk while the script still holds QEMU back: not yet running. */
  pid = start_until_status (env, path, uuid, &first);
  while (process_state (pid) != 'T')
    iterate (5);
  g_assert_false (first.returned);
  g_assert_cmpstr (vb_test_get_string (env, path, IFACE_DOMAIN, "State"), ==, "paused");
  {
    g_autofree char *link = g_strdup_printf ("/proc/%d/exe", pid);
    exe = g_file_read_link (link, NULL);
  }
  g_assert_cmpstr (exe, !=, qemu);
  g_assert_cmpint (kill (pid, SIGCONT), ==, 0);
  while (!first.returned)
    iterate (5);
  g_assert_no_error (first.error);
  g_clear_pointer (&first.reply, g_variant_unref);
  g_assert_true (wait_state (env, path, "running", 10000));
  /* The same process, now QEMU, and the file says so before the guest ran. */
  text = read_file (status);
  g_assert_cmpint (vb_test_qemu_pid (env, path), ==, pid);
  g_assert_nonnull (strstr (text, qemu));
  call (&f, path, "Destroy", g_variant_new ("(u)", 0));
  g_assert_true (wait_state (env, path, "shutoff", 10000));

  /* Killed while QEMU is held: the next service ends it. */
  pid = start_until_status (env, path, uuid, &second);
  while (process_state (pid) != 'T')
    iterate (5);
  vb_test_env_stop_daemon (env, TRUE);
  while (!second.returned)
    iterate (5);
  g_assert_nonnull (second.error);
  g_clear_error (&second.error);
  g_assert_true (process_exists (pid));
  vb_test_env_start_daemon (env, args);
  g_assert_true (wait_state (env, path, "shutoff", 20000));
  for (int i = 0; i < 200 && process_exists (pid); i++)
    g_usleep (50000);
  g_assert_false (process_exists (pid));
  g_assert_false (g_file_test (status, G_FILE_TEST_EXISTS));
  g_free (f.disk);
}

/* Right after a start with an empty capability cache, while QEMU is still
 * being probed, define gives the verdict it gives an hour later: an unknown
 * machine type is refused, a known one accepted. */
static void
test_define_verdict_while_probing (gconstpointer data)
{
  g_autoptr (VbTestEnv) env = vb_test_env_new (VB_TEST_ENV_NONE);
  g_autofree char *cache = g_build_filename (env->tmpdir, "empty-cache", NULL);
  g_autofree char *saved = g_strdup (g_getenv ("VB_TEST_CACHE_DIR"));
  Fixture f = { env, NULL, g_build_filename (env->tmpdir, "disk.img", NULL) };
  g_autofree char *good = NULL;
  g_autofree char *bad = NULL;
  g_autofree char *path = NULL;
  char *machine;

  g_assert_true (g_file_set_contents (f.disk, "", 0, NULL));
  g_setenv ("VB_TEST_CACHE_DIR", cache, TRUE);
  vb_test_env_start_daemon (env, NULL);
  if (saved)
    g_setenv ("VB_TEST_CACHE_DIR", saved, TRUE);
  else
    g_unsetenv ("VB_TEST_CACHE_DIR");

  bad = guest_xml (&f, "unknown-machine", "qemu", NULL);
  machine = strstr (bad, "machine='pc'");
  g_assert_nonnull (machine);
  memcpy (machine, "machine='x'", strlen ("machine='x'"));
  memmove (machine + strlen ("machine='x'"), machine + strlen ("machine='pc'"),
           strlen (machine + strlen ("machine='pc'")) + 1);
  vb_test_call_expect_error_saying (env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                    g_variant_new ("(su)", bad, 0),
                                    "org.virtbus.Virt1.Error.NotSupported", "machine type 'x'");
  good = guest_xml (&f, "known-machine", "qemu", NULL);
  path = define (&f, good);
  g_assert_cmpstr (vb_test_get_string (env, path, IFACE_DOMAIN, "State"), ==, "shutoff");
  /* Stored as it will run: QEMU's name for "pc", the emulator, the PCI root. */
  {
    g_autoptr (GVariant) stored = vb_test_call_ok (env, path, IFACE_DOMAIN, "GetXMLDesc",
                                                   g_variant_new ("(u)", 2));
    const char *text;

    g_variant_get (stored, "(&s)", &text);
    g_assert_true (g_regex_match_simple ("machine='pc-i440fx-[0-9.]+'", text, 0, 0));
    g_assert_true (g_regex_match_simple ("<emulator>/[^<]+</emulator>", text, 0, 0));
    g_assert_nonnull (strstr (text, "<controller type='pci' index='0' model='pci-root'/>"));
  }
  /* Every PCI device with its address and the controllers the command line
   * has, the same after a restart of the service; defining that XML gives
   * it back unchanged. */
  {
    g_autofree char *first = vb_test_get_xml (env, path, IFACE_DOMAIN, 2);
    g_autofree char *second = NULL;
    g_autofree char *again_path = NULL;
    g_autofree char *again = NULL;

    g_assert_true (g_regex_match_simple ("<target dev='vda' bus='virtio'/>\\s*<address type='pci' "
                                         "domain='0x0000' bus='0x00' slot='0x02' function='0x0'/>",
                                         first, 0, 0));
    g_assert_true (g_regex_match_simple ("<model type='virtio'/>\\s*<address type='pci' "
                                         "domain='0x0000' bus='0x00' slot='0x03' function='0x0'/>",
                                         first, 0, 0));
    g_assert_true (g_regex_match_simple ("<controller type='ide' index='0'>\\s*<address type='pci' "
                                         "domain='0x0000' bus='0x00' slot='0x01' function='0x1'/>",
                                         first, 0, 0));
    vb_test_env_stop_daemon (env, FALSE);
    vb_test_env_start_daemon (env, NULL);
    second = vb_test_get_xml (env, path, IFACE_DOMAIN, 2);
    g_assert_cmpstr (second, ==, first);
    again_path = define (&f, first);
    g_assert_cmpstr (again_path, ==, path);
    again = vb_test_get_xml (env, path, IFACE_DOMAIN, 2);
    g_assert_cmpstr (again, ==, first);
  }
  g_assert_true (vb_test_env_daemon_alive (env));
  g_free (f.disk);
}

static void
test_unsupported_and_kvm (Fixture *f, gconstpointer data)
{
  g_autofree char *bad = guest_xml (f, "floppy", "qemu",
                                    "    <disk type='file' device='floppy'>\n"
                                    "      <source file='/dev/null'/>\n"
                                    "      <target dev='fda' bus='usb'/>\n"
                                    "    </disk>\n");
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;

  vb_test_call_expect_error_saying (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                    g_variant_new ("(su)", bad, 0),
                                    "org.virtbus.Virt1.Error.NotSupported",
                                    "a floppy disk sits on bus 'fdc'");

  /* type='kvm' where KVM does not work: refused at Start with the reason, at once. */
  {
    g_autofree char *xml = guest_xml (f, "kvmguest", "kvm", NULL);
    g_autofree char *path = define (f, xml);
    const char *expected = g_getenv ("VB_TEST_KVM_EXPECTED");
    gint64 start = g_get_monotonic_time ();

    g_clear_error (&error);
    g_clear_pointer (&reply, g_variant_unref);
    reply = vb_test_call (f->env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0), &error);
    if (reply)
      {
        /* KVM works on this host: then the guest must really run. */
        g_assert_cmpstr (expected, !=, "unusable");
        g_assert_true (wait_console (f->env, path, READY, 1, BOOT_TIMEOUT_MS));
        call (f, path, "Destroy", g_variant_new ("(u)", 0));
      }
    else
      {
        g_assert_nonnull (strstr (error->message, "KVM is not usable"));
        g_assert_cmpint (g_get_monotonic_time () - start, <, 10 * G_USEC_PER_SEC);
        g_assert_cmpstr (vb_test_get_string (f->env, path, IFACE_DOMAIN, "State"), ==, "shutoff");
      }
  }
}

/* The README's real-guest example, run as a user would. */
static void
test_readme_example (Fixture *f, gconstpointer data)
{
  g_autofree char *script = g_build_filename (g_getenv ("VB_SOURCE_ROOT"), "docs", "examples",
                                              "run-test-guest.py", NULL);
  const char *argv[] = { "/usr/bin/python3", script, g_getenv ("VB_TEST_GUEST_DIR"), f->disk, NULL };
  g_autoptr (GSubprocessLauncher) launcher =
    g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_MERGE);
  g_autoptr (GSubprocess) process = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *output = NULL;

  g_subprocess_launcher_setenv (launcher, "VB_ADDRESS", f->env->bus_address, TRUE);
  process = g_subprocess_launcher_spawnv (launcher, argv, &error);
  g_assert_no_error (error);
  g_assert_true (g_subprocess_communicate_utf8 (process, NULL, NULL, &output, NULL, &error));
  g_assert_no_error (error);
  if (!g_subprocess_get_if_exited (process) || g_subprocess_get_exit_status (process) != 0)
    g_error ("run-test-guest.py failed:\n%s", output);
  g_assert_nonnull (strstr (output, "state: running"));
  g_assert_nonnull (strstr (output, "console: VIRTBUS-GUEST-READY"));
  g_assert_nonnull (strstr (output, "state: shutoff shutdown"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, func) \
  g_test_add (name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/qemu/boot-and-acpi-shutdown", test_boot_and_acpi_shutdown);
  ADD ("/qemu/destroy-reboot-suspend", test_destroy_reboot_suspend);
  ADD ("/qemu/console", test_console);
  ADD ("/qemu/console-stuck-reader", test_console_stuck_reader);
  ADD ("/qemu/two-guests-and-service-restart", test_two_guests_and_service_restart);
  ADD ("/qemu/qemu-killed", test_qemu_killed);
  ADD ("/qemu/qemu-died-while-service-away", test_qemu_died_while_service_away);
  ADD ("/qemu/qmp-timeout-is-failed", test_qmp_timeout_is_failed);
  ADD ("/qemu/unsupported-and-kvm", test_unsupported_and_kvm);
  ADD ("/qemu/readme-example", test_readme_example);
  g_test_add_data_func ("/qemu/start-failures", NULL, test_start_failures);
  g_test_add_data_func ("/qemu/status-from-the-spawn", NULL, test_status_from_the_spawn);
  g_test_add_data_func ("/qemu/define-verdict-while-probing", NULL,
                        test_define_verdict_while_probing);
  return g_test_run ();
}
