/* Snapshots as D-Bus objects, with the project's test guest on a qcow2 disk
 * made by qemu-img: internal snapshots of a running guest (memory and disk
 * come back), of a shut-off domain (qemu-img), external disk-only ones,
 * the tree and the current snapshot, persistence across a service restart,
 * and what is refused. */
#include <gio/gio.h>
#include <gio/gunixfdlist.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vb-test-env.h"

#define READY "VIRTBUS-GUEST-READY"
#define DISK_ONLY 16u
#define METADATA_ONLY 2u
#define SNAPSHOTS_METADATA 2u
#define LIST_ROOTS 1u
#define LIST_LEAVES 4u
#define LIST_INTERNAL 256u
#define LIST_EXTERNAL 512u

typedef struct {
  VbTestEnv *env;
  VbSignalLog *signals;
  char *disk;
} Fixture;

/* ---- helpers ---- */

static char *
make_disk (Fixture *f, const char *name, const char *format)
{
  char *path = g_build_filename (f->env->tmpdir, name, NULL);

  g_free (vb_test_run ("qemu-img create -q -f %s %s 32M", format, path));
  return path;
}

/* The internal snapshots qemu-img sees in @disk (-U: QEMU may hold it). */
static char *
image_snapshots (const char *disk)
{
  return vb_test_run ("qemu-img snapshot -U -l %s", disk);
}

/* qemu-io on a shut-off image: writes or checks 4 KiB of @pattern at 0. */
static gboolean
qemu_io (const char *disk, const char *what, int pattern)
{
  g_autofree char *command = g_strdup_printf ("%s -P 0x%x 0 4k", what, pattern);
  const char *argv[] = { "qemu-io", "-f", "qcow2", "-c", command, disk, NULL };
  g_autofree char *out = NULL;
  g_autofree char *err = NULL;
  int status;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                               &err, &status, NULL));
  /* A failed pattern check says so and exits with 1; anything else is an error. */
  if (strstr (out, "Pattern verification failed"))
    return FALSE;
  if (!g_spawn_check_wait_status (status, NULL))
    g_error ("qemu-io %s failed: %s%s", command, out, err);
  return TRUE;
}

static char *
guest_xml (const char *name, const char *disk, const char *format)
{
  g_autofree char *devices = vb_test_disk_xml (disk, format, "vda");

  return vb_test_guest_xml (name, 160, NULL, devices);
}

static char *
create (Fixture *f, const char *domain, const char *xml, guint flags)
{
  return vb_test_call_path (f->env, domain, IFACE_DOMAIN, "CreateSnapshot",
                            g_variant_new ("(su)", xml, flags));
}

static GStrv
list (Fixture *f, const char *domain, guint flags)
{
  g_autoptr (GVariant) reply =
    vb_test_call_ok (f->env, domain, IFACE_DOMAIN, "ListSnapshots", g_variant_new ("(u)", flags));
  GStrv paths;

  g_variant_get (reply, "(^ao)", &paths);
  return paths;
}

/* The XML must parse: a GMarkup parser with no callbacks checks well-formedness. */
static void
assert_well_formed (const char *xml)
{
  static const GMarkupParser parser = { NULL, NULL, NULL, NULL, NULL };
  g_autoptr (GMarkupParseContext) context = g_markup_parse_context_new (&parser, 0, NULL, NULL);
  g_autoptr (GError) error = NULL;

  g_assert_true (g_markup_parse_context_parse (context, xml, -1, &error));
  g_assert_true (g_markup_parse_context_end_parse (context, &error));
  g_assert_no_error (error);
}

/* ---- the guest's console ---- */

static char *
log_text (const char *log)
{
  char *text = NULL;

  if (!g_file_get_contents (log, &text, NULL, NULL))
    return g_strdup ("");
  return text;
}

static gsize
log_size (const char *log)
{
  g_autofree char *text = log_text (log);
  return strlen (text);
}

/* Waits until @needle appears after @offset; returns the text from @offset. */
static char *
wait_for (const char *log, gsize offset, const char *needle, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      g_autofree char *text = log_text (log);

      if (strlen (text) > offset && strstr (text + offset, needle))
        return g_strdup (text + offset);
      if (g_get_monotonic_time () > end)
        g_error ("'%s' did not appear on the console within %u ms; after offset %zu:\n%s", needle,
                 timeout_ms, offset, strlen (text) > offset ? text + offset : "");
      g_usleep (50000);
    }
}

/* The first whole "VB-COUNTER n" line written after @offset. */
static guint64
first_counter_after (const char *log, gsize offset, guint timeout_ms)
{
  g_autoptr (GRegex) line = g_regex_new ("VB-COUNTER ([0-9]+)\r?\n", 0, 0, NULL);
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      g_autofree char *text = log_text (log);
      g_autoptr (GMatchInfo) match = NULL;

      if (strlen (text) > offset && g_regex_match (line, text + offset, 0, &match))
        {
          g_autofree char *number = g_match_info_fetch (match, 1);
          return g_ascii_strtoull (number, NULL, 10);
        }
      if (g_get_monotonic_time () > end)
        g_error ("no counter line on the console within %u ms", timeout_ms);
      g_usleep (50000);
    }
}

/* Waits for the counter to go back after @offset: returns the first value
 * lower than the one before it (the guest's first line after a revert). */
static guint64
counter_rewind_after (const char *log, gsize offset, guint timeout_ms)
{
  g_autoptr (GRegex) line = g_regex_new ("VB-COUNTER ([0-9]+)\r?\n", 0, 0, NULL);
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      g_autofree char *text = log_text (log);
      g_autoptr (GMatchInfo) match = NULL;
      g_autofree char *before = g_strndup (text, offset);
      /* The line before the offset counts: the rewind may come right after it. */
      guint64 previous = vb_test_last_counter (before);

      if (strlen (text) > offset)
        for (g_regex_match (line, text + offset, 0, &match); g_match_info_matches (match);
             g_match_info_next (match, NULL))
          {
            g_autofree char *number = g_match_info_fetch (match, 1);
            guint64 value = g_ascii_strtoull (number, NULL, 10);

            if (value < previous)
              return value;
            previous = value;
          }
      if (g_get_monotonic_time () > end)
        g_error ("the counter did not go back within %u ms; after offset %zu:\n%s", timeout_ms,
                 offset, strlen (text) > offset ? text + offset : "");
      g_usleep (50000);
    }
}

/* The console socket must be read: unread output would fill it, and QEMU
 * would then hold the guest's serial port, and with it the guest's counter
 * and shell. What the guest prints is read from serial0.log instead. */
static gpointer
drain (gpointer data)
{
  int fd = GPOINTER_TO_INT (data);
  char buffer[4096];

  while (read (fd, buffer, sizeof buffer) > 0)
    ;
  return NULL;
}

static void
close_console (int fd, GThread *drainer)
{
  shutdown (fd, SHUT_RDWR);
  g_thread_join (drainer);
  close (fd);
}

static int
open_console (Fixture *f, const char *domain, GThread **drainer)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GUnixFDList) fds = NULL;
  g_autoptr (GVariant) reply = g_dbus_connection_call_with_unix_fd_list_sync (
    f->env->client, "org.virtbus.Virt1", domain, IFACE_DOMAIN, "OpenConsole",
    g_variant_new ("(u)", 0), G_VARIANT_TYPE ("(h)"), G_DBUS_CALL_FLAGS_NONE, 10000, NULL, &fds,
    NULL, &error);
  g_autofree int *stolen = NULL;

  g_assert_no_error (error);
  stolen = g_unix_fd_list_steal_fds (fds, NULL);
  *drainer = g_thread_new ("console-drain", drain, GINT_TO_POINTER (stolen[0]));
  return stolen[0];
}

/* Types @command into the guest's shell and waits for @done in its output. */
static char *
type (int fd, const char *log, const char *command, const char *done)
{
  gsize offset = log_size (log);
  g_autofree char *line = g_strdup_printf ("%s\n", command);

  g_assert_cmpint (write (fd, line, strlen (line)), ==, (gssize) strlen (line));
  return wait_for (log, offset, done, 60000);
}

/* ---- fixture ---- */

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  vb_test_env_start_daemon (f->env, NULL);
  f->signals = vb_signal_log_new (f->env);
  f->disk = make_disk (f, "disk.qcow2", "qcow2");
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_assert_true (vb_test_env_daemon_alive (f->env));
  vb_signal_log_free (f->signals);
  vb_test_env_free (f->env);
  g_free (f->disk);
}

static char *
define (Fixture *f, const char *name, const char *disk, const char *format)
{
  g_autofree char *xml = guest_xml (name, disk, format);
  return vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                            g_variant_new ("(su)", xml, 0));
}

/* ---- shut off, external: overlays on a raw image, revert to a fresh one ---- */

static gboolean
file_reads (const char *image, const char *format, int pattern)
{
  g_autofree char *command = g_strdup_printf ("read -P 0x%x 0 4k", pattern);
  const char *argv[] = { "qemu-io", "-f", format, "-c", command, image, NULL };
  g_autofree char *out = NULL;
  int status;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                               NULL, &status, NULL));
  return strstr (out, "Pattern verification failed") == NULL
         && g_spawn_check_wait_status (status, NULL);
}

static void
test_offline_external (Fixture *f, const char *domain, const char *raw)
{
  g_autofree char *overlay = g_build_filename (f->env->tmpdir, "raw.cold", NULL);
  g_autofree char *fresh = g_strdup_printf ("%s-revert1", overlay);
  g_autofree char *named = g_strdup_printf ("<source file='%s'/>", overlay);
  g_autofree char *named_fresh = g_strdup_printf ("<source file='%s'/>", fresh);
  g_autofree char *snapshot = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *message = NULL;

  g_free (vb_test_run ("qemu-io -f raw -c 'write -P 0x51 0 4k' %s", raw));
  snapshot = create (f, domain, "<domainsnapshot><name>cold</name></domainsnapshot>", DISK_ONLY);
  g_assert_true (g_file_test (overlay, G_FILE_TEST_EXISTS));
  xml = vb_test_get_xml (f->env, domain, IFACE_DOMAIN, 0);
  g_assert_nonnull (strstr (xml, named));
  g_assert_nonnull (strstr (xml, "type='qcow2'"));
  {
    g_autofree char *state = vb_test_get_string (f->env, snapshot, IFACE_SNAPSHOT, "State");
    g_autofree char *location = vb_test_get_string (f->env, snapshot, IFACE_SNAPSHOT, "Location");
    g_assert_cmpstr (state, ==, "shutoff");
    g_assert_cmpstr (location, ==, "external");
  }
  /* Writes after the snapshot land in the overlay; the image keeps its data. */
  g_assert_true (qemu_io (overlay, "write", 0x52));
  g_assert_true (file_reads (raw, "raw", 0x51));
  /* An existing overlay file is never reused. */
  vb_test_call_expect_error (
    f->env, domain, IFACE_DOMAIN, "CreateSnapshot",
    g_variant_new ("(su)",
                   "<domainsnapshot><name>again</name><disks>"
                   "<disk name='vda' snapshot='external'><source file='/etc/hostname'/>"
                   "</disk></disks></domainsnapshot>",
                   0),
    ERROR_PREFIX "OperationInvalid");
  /* Revert: a fresh overlay on the frozen image; the old overlay stays. */
  vb_test_call_void (f->env, snapshot, IFACE_SNAPSHOT, "Revert", g_variant_new ("(u)", 0));
  g_assert_true (g_file_test (fresh, G_FILE_TEST_EXISTS));
  g_assert_true (g_file_test (overlay, G_FILE_TEST_EXISTS));
  g_clear_pointer (&xml, g_free);
  xml = vb_test_get_xml (f->env, domain, IFACE_DOMAIN, 0);
  g_assert_nonnull (strstr (xml, named_fresh));
  g_assert_true (qemu_io (fresh, "read", 0x51));
  g_assert_true (qemu_io (overlay, "read", 0x52));
  /* Only the metadata of an external snapshot can go. */
  message = vb_test_call_error_message (f->env, snapshot, IFACE_SNAPSHOT, "Delete",
                                        g_variant_new ("(u)", 0), ERROR_PREFIX "NotSupported");
  g_assert_nonnull (strstr (message, "METADATA_ONLY"));
  vb_test_call_void (f->env, snapshot, IFACE_SNAPSHOT, "Delete",
                     g_variant_new ("(u)", METADATA_ONLY));
  g_assert_true (g_file_test (fresh, G_FILE_TEST_EXISTS));
}

/* ---- shut off: qemu-img snapshots, the tree, bad input, undefine ---- */

static void
test_offline (Fixture *f, gconstpointer data)
{
  g_autofree char *domain = define (f, "snap-off", f->disk, "qcow2");
  g_autofree char *uuid = vb_test_get_string (f->env, domain, IFACE_DOMAIN, "UUID");
  /* A name with characters no object path may hold. */
  const char *name = "off 1.\xc3\xa4-x";
  g_autofree char *escaped = g_dbus_escape_object_path (name);
  g_autofree char *expected = g_strdup_printf ("%s/snapshot/%s", domain, escaped);
  g_autofree char *first = NULL;
  g_autofree char *second = NULL;
  g_autofree char *xml = NULL;
  g_autofree char *listing = NULL;
  g_autofree char *message = NULL;
  g_autofree char *current = NULL;
  g_auto (GStrv) all = NULL;
  g_auto (GStrv) roots = NULL;
  g_auto (GStrv) leaves = NULL;

  current = vb_test_get_string (f->env, domain, IFACE_DOMAIN, "CurrentSnapshot");
  g_assert_cmpstr (current, ==, "/");
  g_assert_true (qemu_io (f->disk, "write", 0x41));
  xml = g_strdup_printf ("<domainsnapshot>\n  <name>%s</name>\n"
                         "  <description>before</description>\n</domainsnapshot>\n",
                         name);
  first = create (f, domain, xml, 0);
  g_assert_cmpstr (first, ==, expected);
  g_assert_true (vb_signal_log_wait (f->signals, "InterfacesAdded", 5000));
  g_assert_cmpint (vb_signal_log_find (f->signals, escaped), >=, 0);
  {
    g_autofree char *state = vb_test_get_string (f->env, first, IFACE_SNAPSHOT, "State");
    g_autofree char *location = vb_test_get_string (f->env, first, IFACE_SNAPSHOT, "Location");
    g_autofree char *parent = vb_test_get_string (f->env, first, IFACE_SNAPSHOT, "Parent");
    g_autofree char *owner = vb_test_get_string (f->env, first, IFACE_SNAPSHOT, "Domain");
    g_autofree char *description =
      vb_test_get_string (f->env, first, IFACE_SNAPSHOT, "Description");
    g_autofree char *got_name = vb_test_get_string (f->env, first, IFACE_SNAPSHOT, "Name");

    g_assert_cmpstr (state, ==, "shutoff");
    g_assert_cmpstr (location, ==, "internal");
    g_assert_cmpstr (parent, ==, "/");
    g_assert_cmpstr (owner, ==, domain);
    g_assert_cmpstr (description, ==, "before");
    g_assert_cmpstr (got_name, ==, name);
    g_assert_false (vb_test_get_bool (f->env, first, IFACE_SNAPSHOT, "HasMemory"));
    g_assert_true (vb_test_get_bool (f->env, first, IFACE_SNAPSHOT, "IsCurrent"));
  }
  g_assert_true (vb_test_wait_property (f->env, domain, IFACE_DOMAIN, "CurrentSnapshot",
                                        g_variant_new_object_path (first), 5000));
  listing = image_snapshots (f->disk);
  g_assert_nonnull (strstr (listing, "off 1."));

  /* Overwritten, then reverted: the first contents are back. */
  g_assert_true (qemu_io (f->disk, "write", 0x42));
  g_assert_false (qemu_io (f->disk, "read", 0x41));
  vb_test_call_void (f->env, first, IFACE_SNAPSHOT, "Revert", g_variant_new ("(u)", 0));
  g_assert_true (qemu_io (f->disk, "read", 0x41));
  {
    g_autofree char *state = vb_test_get_string (f->env, domain, IFACE_DOMAIN, "State");
    g_assert_cmpstr (state, ==, "shutoff");
  }

  /* Bad input: each refused with its error, nothing created. */
  vb_test_call_expect_error (f->env, domain, IFACE_DOMAIN, "CreateSnapshot",
                             g_variant_new ("(su)", "<domainsnapshot><name>x</name>", 0),
                             ERROR_PREFIX "InvalidXML");
  message =
    vb_test_call_error_message (f->env, domain, IFACE_DOMAIN, "CreateSnapshot",
                                g_variant_new ("(su)", "<domainsnapshot><bogus/></domainsnapshot>",
                                               0),
                                ERROR_PREFIX "InvalidXML");
  g_assert_nonnull (strstr (message, "bogus"));
  g_clear_pointer (&message, g_free);
  vb_test_call_expect_error (
    f->env, domain, IFACE_DOMAIN, "CreateSnapshot",
    g_variant_new ("(su)", "<domainsnapshot><state>running</state></domainsnapshot>", 0),
    ERROR_PREFIX "InvalidXML");
  message =
    vb_test_call_error_message (f->env, domain, IFACE_DOMAIN, "CreateSnapshot",
                                g_variant_new ("(su)", xml, 0), ERROR_PREFIX "OperationInvalid");
  g_assert_nonnull (strstr (message, "already"));
  g_clear_pointer (&message, g_free);
  vb_test_call_expect_error (f->env, domain, IFACE_DOMAIN, "CreateSnapshot",
                             g_variant_new ("(su)", "<domainsnapshot/>", 1u /* REDEFINE */),
                             ERROR_PREFIX "NotSupported");
  vb_test_call_expect_error (f->env, domain, IFACE_DOMAIN, "CreateSnapshot",
                             g_variant_new ("(su)", "<domainsnapshot/>", 1u << 20),
                             ERROR_PREFIX "InvalidArgument");
  message = vb_test_call_error_message (
    f->env, domain, IFACE_DOMAIN, "CreateSnapshot",
    g_variant_new ("(su)", "<domainsnapshot><disks><disk name='vdz'/></disks></domainsnapshot>", 0),
    ERROR_PREFIX "InvalidArgument");
  g_assert_nonnull (strstr (message, "vdz"));
  g_clear_pointer (&message, g_free);
  vb_test_call_expect_error (f->env, domain, IFACE_DOMAIN, "LookupSnapshotByName",
                             g_variant_new ("(s)", "no-such-snapshot"), ERROR_PREFIX "NotFound");
  {
    /* A raw disk cannot hold internal snapshots: the error names it. */
    g_autofree char *raw = make_disk (f, "raw.img", "raw");
    g_autofree char *raw_domain = define (f, "snap-raw", raw, "raw");

    message = vb_test_call_error_message (f->env, raw_domain, IFACE_DOMAIN, "CreateSnapshot",
                                          g_variant_new ("(su)", "<domainsnapshot/>", 0),
                                          ERROR_PREFIX "NotSupported");
    g_assert_nonnull (strstr (message, "vda"));
    g_assert_nonnull (strstr (message, "qcow2"));
    g_clear_pointer (&message, g_free);
    test_offline_external (f, raw_domain, raw);
    vb_test_call_void (f->env, raw_domain, IFACE_DOMAIN, "Undefine",
                       g_variant_new ("(u)", SNAPSHOTS_METADATA));
  }
  all = list (f, domain, 0);
  g_assert_cmpuint (g_strv_length (all), ==, 1);

  /* A second one is the first one's child and becomes current. */
  second = create (f, domain, "<domainsnapshot><name>off2</name></domainsnapshot>", 0);
  {
    g_autofree char *parent = vb_test_get_string (f->env, second, IFACE_SNAPSHOT, "Parent");
    g_autofree char *found =
      vb_test_call_path (f->env, domain, IFACE_DOMAIN, "LookupSnapshotByName",
                         g_variant_new ("(s)", name));
    g_assert_cmpstr (parent, ==, first);
    g_assert_cmpstr (found, ==, first);
  }
  g_assert_true (vb_test_wait_property (f->env, first, IFACE_SNAPSHOT, "IsCurrent",
                                        g_variant_new_boolean (FALSE), 5000));
  g_assert_true (vb_test_get_bool (f->env, second, IFACE_SNAPSHOT, "IsCurrent"));
  g_strfreev (all);
  all = list (f, domain, 0);
  roots = list (f, domain, LIST_ROOTS);
  leaves = list (f, domain, LIST_LEAVES);
  g_assert_cmpuint (g_strv_length (all), ==, 2);
  g_assert_cmpstr (all[0], ==, first);
  g_assert_cmpstr (all[1], ==, second);
  g_assert_cmpuint (g_strv_length (roots), ==, 1);
  g_assert_cmpstr (roots[0], ==, first);
  g_assert_cmpuint (g_strv_length (leaves), ==, 1);
  g_assert_cmpstr (leaves[0], ==, second);
  {
    g_autofree char *text = vb_test_get_xml (f->env, second, IFACE_SNAPSHOT, 0);

    assert_well_formed (text);
    g_assert_nonnull (strstr (text, "<name>off2</name>"));
    g_assert_nonnull (strstr (text, "<state>shutoff</state>"));
    g_assert_nonnull (strstr (text, "<parent>"));
    g_assert_nonnull (strstr (text, "<disk name='vda' snapshot='internal'/>"));
    g_assert_nonnull (strstr (text, "<domain type='qemu'>"));
    g_assert_null (strstr (text, "<active>"));
  }

  /* Undefine keeps away from snapshots unless told. */
  message = vb_test_call_error_message (f->env, domain, IFACE_DOMAIN, "Undefine",
                                        g_variant_new ("(u)", 0), ERROR_PREFIX "OperationInvalid");
  g_assert_nonnull (strstr (message, "SNAPSHOTS_METADATA"));
  g_clear_pointer (&message, g_free);

  /* Deleting the parent: its data leaves the image, its child moves up. */
  vb_signal_log_clear (f->signals);
  vb_test_call_void (f->env, first, IFACE_SNAPSHOT, "Delete", g_variant_new ("(u)", 0));
  g_assert_true (vb_signal_log_wait (f->signals, "InterfacesRemoved", 5000));
  g_assert_cmpint (vb_signal_log_find (f->signals, escaped), >=, 0);
  g_clear_pointer (&listing, g_free);
  listing = image_snapshots (f->disk);
  g_assert_null (strstr (listing, "off 1."));
  g_assert_nonnull (strstr (listing, "off2"));
  g_assert_true (vb_test_wait_property (f->env, second, IFACE_SNAPSHOT, "Parent",
                                        g_variant_new_object_path ("/"), 5000));
  /* The old path is stale. */
  vb_test_call_expect_error (f->env, first, IFACE_SNAPSHOT, "Revert", g_variant_new ("(u)", 0),
                             ERROR_PREFIX "NotFound");
  vb_test_call_expect_error (f->env, first, IFACE_SNAPSHOT, "Delete", g_variant_new ("(u)", 0),
                             ERROR_PREFIX "NotFound");

  /* With SNAPSHOTS_METADATA the domain goes, and its snapshots with it. */
  vb_signal_log_clear (f->signals);
  vb_test_call_void (f->env, domain, IFACE_DOMAIN, "Undefine",
                     g_variant_new ("(u)", SNAPSHOTS_METADATA));
  g_assert_true (vb_signal_log_wait (f->signals, "InterfacesRemoved", 5000));
  g_assert_cmpint (vb_signal_log_find (f->signals, "/snapshot/off2"), >=, 0);
  {
    g_autofree char *dir = g_build_filename (f->env->state_dir, "snapshots", uuid, NULL);
    g_autofree char *file = g_build_filename (dir, "off2.xml", NULL);
    gint64 end = g_get_monotonic_time () + 5 * G_USEC_PER_SEC;

    while (g_file_test (file, G_FILE_TEST_EXISTS) && g_get_monotonic_time () < end)
      g_usleep (20000);
    g_assert_false (g_file_test (file, G_FILE_TEST_EXISTS));
    /* The emptied directory goes at the next start. */
    vb_test_env_stop_daemon (f->env, FALSE);
    vb_test_env_start_daemon (f->env, NULL);
    g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
  }
}

/* ---- running: memory and disk come back; external; restart ---- */

static void
test_running (Fixture *f, gconstpointer data)
{
  g_autofree char *domain = define (f, "snap-run", f->disk, "qcow2");
  g_autofree char *uuid = vb_test_get_string (f->env, domain, IFACE_DOMAIN, "UUID");
  g_autofree char *log = vb_test_console_log (f->env, uuid);
  g_autofree char *overlay = g_build_filename (f->env->tmpdir, "disk.ext1", NULL);
  g_autofree char *s1 = NULL;
  g_autofree char *s2 = NULL;
  g_autofree char *ext = NULL;
  g_autofree char *seen = NULL;
  g_autofree char *listing = NULL;
  guint64 at_snapshot, before_revert, after_revert;
  gsize offset;
  GThread *drainer = NULL;
  gint64 timer;
  int fd;

  vb_test_call_void (f->env, domain, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  g_free (wait_for (log, 0, READY, 120000));
  g_free (wait_for (log, 0, "VB-COUNTER 3", 60000));
  fd = open_console (f, domain, &drainer);
  /* The shell expands the arithmetic: the output differs from the echoed command. */
  g_free (type (fd, log,
                "echo MARKONE-$((40+2)) | dd of=/dev/vda conv=fsync 2>/dev/null; "
                "echo wrote-$((1+1))",
                "wrote-2"));

  vb_signal_log_clear (f->signals);
  timer = g_get_monotonic_time ();
  s1 = create (f, domain, "<domainsnapshot><name>s1</name></domainsnapshot>", 0);
  g_test_message ("internal snapshot with memory (160 MiB guest, TCG): %.2f s",
                  (g_get_monotonic_time () - timer) / 1e6);
  at_snapshot = vb_test_log_last_counter (log);
  g_assert_true (vb_signal_log_wait (f->signals, "InterfacesAdded", 5000));
  g_assert_cmpint (vb_signal_log_find (f->signals, "/snapshot/s1"), >=, 0);
  {
    g_autofree char *state = vb_test_get_string (f->env, s1, IFACE_SNAPSHOT, "State");
    g_autofree char *domain_state = vb_test_get_string (f->env, domain, IFACE_DOMAIN, "State");

    g_assert_cmpstr (state, ==, "running");
    g_assert_cmpstr (domain_state, ==, "running");
    g_assert_true (vb_test_get_bool (f->env, s1, IFACE_SNAPSHOT, "HasMemory"));
    g_assert_true (vb_test_get_bool (f->env, s1, IFACE_SNAPSHOT, "IsCurrent"));
  }
  g_assert_true (vb_test_wait_property (f->env, domain, IFACE_DOMAIN, "CurrentSnapshot",
                                        g_variant_new_object_path (s1), 5000));
  listing = image_snapshots (f->disk);
  g_assert_nonnull (strstr (listing, "s1"));

  /* The guest runs on and overwrites its marker. */
  {
    g_autofree char *next = g_strdup_printf ("VB-COUNTER %" G_GUINT64_FORMAT, at_snapshot + 30);
    g_free (wait_for (log, 0, next, 60000));
  }
  g_free (type (fd, log,
                "echo MARKTWO-$((40+3)) | dd of=/dev/vda conv=fsync 2>/dev/null; "
                "echo wrote-$((2+1))",
                "wrote-3"));
  before_revert = vb_test_log_last_counter (log);
  g_assert_cmpuint (before_revert, >=, at_snapshot + 30);

  /* Revert: the counter resumes from the snapshot's value. */
  offset = log_size (log);
  timer = g_get_monotonic_time ();
  vb_test_call_void (f->env, s1, IFACE_SNAPSHOT, "Revert", g_variant_new ("(u)", 0));
  g_test_message ("revert of a running guest: %.2f s", (g_get_monotonic_time () - timer) / 1e6);
  {
    g_autofree char *state = vb_test_get_string (f->env, domain, IFACE_DOMAIN, "State");
    g_assert_cmpstr (state, ==, "running");
  }
  after_revert = counter_rewind_after (log, offset, 60000);
  g_test_message ("counter: %" G_GUINT64_FORMAT " at the snapshot, %" G_GUINT64_FORMAT
                  " before the revert, %" G_GUINT64_FORMAT " after",
                  at_snapshot, before_revert, after_revert);
  g_assert_cmpuint (after_revert, <, before_revert);
  g_assert_cmpuint (after_revert, <=, at_snapshot + 3);

  /* The disk is back too: read past the page cache. */
  seen = type (fd, log,
               "sync; echo 3 > /proc/sys/vm/drop_caches; "
               "dd if=/dev/vda bs=10 count=1 2>/dev/null; echo; echo read-$((3+1))",
               "read-4");
  g_assert_nonnull (strstr (seen, "MARKONE-42"));
  g_assert_null (strstr (seen, "MARKTWO-43"));
  g_clear_pointer (&seen, g_free);
  g_assert_true (vb_test_get_bool (f->env, s1, IFACE_SNAPSHOT, "IsCurrent"));

  /* A second one, then the first goes while the guest runs (snapshot-delete). */
  s2 = create (f, domain,
               "<domainsnapshot><name>s2</name><description>second</description>"
               "</domainsnapshot>",
               0);
  {
    g_autofree char *parent = vb_test_get_string (f->env, s2, IFACE_SNAPSHOT, "Parent");
    g_assert_cmpstr (parent, ==, s1);
  }
  g_assert_true (vb_test_wait_property (f->env, s1, IFACE_SNAPSHOT, "IsCurrent",
                                        g_variant_new_boolean (FALSE), 5000));
  vb_signal_log_clear (f->signals);
  vb_test_call_void (f->env, s1, IFACE_SNAPSHOT, "Delete", g_variant_new ("(u)", 0));
  g_assert_true (vb_signal_log_wait (f->signals, "InterfacesRemoved", 5000));
  g_clear_pointer (&listing, g_free);
  listing = image_snapshots (f->disk);
  g_assert_null (strstr (listing, " s1 "));
  g_assert_nonnull (strstr (listing, "s2"));
  g_assert_true (vb_test_wait_property (f->env, s2, IFACE_SNAPSHOT, "Parent",
                                        g_variant_new_object_path ("/"), 5000));
  vb_test_call_expect_error (f->env, s1, IFACE_SNAPSHOT, "Revert", g_variant_new ("(u)", 0),
                             ERROR_PREFIX "NotFound");

  /* External, disk-only: the guest writes to a new overlay from now on. */
  timer = g_get_monotonic_time ();
  vb_signal_log_clear (f->signals);
  ext = create (f, domain, "<domainsnapshot><name>ext1</name></domainsnapshot>", DISK_ONLY);
  /* The persistent definition names the overlay now: told as an update. */
  g_assert_true (vb_signal_log_wait (f->signals, "('defined', 'updated')", 5000));
  g_test_message ("external disk-only snapshot of a running guest: %.2f s",
                  (g_get_monotonic_time () - timer) / 1e6);
  g_assert_true (g_file_test (overlay, G_FILE_TEST_EXISTS));
  {
    g_autofree char *location = vb_test_get_string (f->env, ext, IFACE_SNAPSHOT, "Location");
    g_autofree char *state = vb_test_get_string (f->env, ext, IFACE_SNAPSHOT, "State");
    g_autofree char *live = vb_test_get_xml (f->env, domain, IFACE_DOMAIN, 0);
    g_autofree char *persistent = vb_test_get_xml (f->env, domain, IFACE_DOMAIN, 2 /* INACTIVE */);
    g_autofree char *named = g_strdup_printf ("<source file='%s'/>", overlay);
    g_autofree char *below = g_strdup_printf ("<backingStore type='file'>\n"
                                              "        <format type='qcow2'/>\n"
                                              "        <source file='%s'/>",
                                              f->disk);
    g_autofree char *info = NULL;
    struct stat before, after;

    g_assert_cmpstr (location, ==, "external");
    g_assert_cmpstr (state, ==, "disk-snapshot");
    g_assert_false (vb_test_get_bool (f->env, ext, IFACE_SNAPSHOT, "HasMemory"));
    g_assert_nonnull (strstr (live, named));
    g_assert_nonnull (strstr (persistent, named));
    /* Both record the image below the overlay: the chain Start checks. */
    g_assert_nonnull (strstr (live, below));
    g_assert_nonnull (strstr (persistent, below));
    info = vb_test_run ("qemu-img info -U %s", overlay);
    g_assert_nonnull (strstr (info, f->disk)); /* its backing file */
    g_assert_cmpint (stat (overlay, &before), ==, 0);
    g_free (type (fd, log,
                  "dd if=/dev/urandom of=/dev/vda bs=64k count=32 seek=16 "
                  "conv=fsync 2>/dev/null; echo ext-$((4+1))",
                  "ext-5"));
    g_assert_cmpint (stat (overlay, &after), ==, 0);
    g_assert_cmpint (after.st_size, >=, before.st_size + (1 << 20));
  }
  {
    g_auto (GStrv) external = list (f, domain, LIST_EXTERNAL);
    g_auto (GStrv) internal = list (f, domain, LIST_INTERNAL);

    g_assert_cmpuint (g_strv_length (external), ==, 1);
    g_assert_cmpstr (external[0], ==, ext);
    g_assert_cmpuint (g_strv_length (internal), ==, 1);
    g_assert_cmpstr (internal[0], ==, s2);
  }
  /* Its files are in use: only the metadata may go, and only when asked. */
  vb_test_call_expect_error (f->env, ext, IFACE_SNAPSHOT, "Delete", g_variant_new ("(u)", 0),
                             ERROR_PREFIX "NotSupported");
  vb_test_call_expect_error (f->env, ext, IFACE_SNAPSHOT, "Revert", g_variant_new ("(u)", 0),
                             ERROR_PREFIX "OperationInvalid");
  close_console (fd, drainer);

  /* A restarted service has them all, with the same tree and current one. */
  vb_signal_log_free (f->signals);
  vb_test_env_stop_daemon (f->env, FALSE);
  vb_test_env_start_daemon (f->env, NULL);
  f->signals = vb_signal_log_new (f->env);
  {
    g_auto (GStrv) all = list (f, domain, 0);
    g_autofree char *current = vb_test_get_string (f->env, domain, IFACE_DOMAIN, "CurrentSnapshot");
    g_autofree char *description = vb_test_get_string (f->env, s2, IFACE_SNAPSHOT, "Description");
    g_autofree char *parent = vb_test_get_string (f->env, ext, IFACE_SNAPSHOT, "Parent");
    g_autofree char *state = vb_test_get_string (f->env, domain, IFACE_DOMAIN, "State");

    g_assert_cmpuint (g_strv_length (all), ==, 2);
    g_assert_cmpstr (all[0], ==, s2);
    g_assert_cmpstr (all[1], ==, ext);
    g_assert_cmpstr (current, ==, ext);
    g_assert_cmpstr (description, ==, "second");
    g_assert_cmpstr (parent, ==, s2);
    g_assert_cmpstr (state, ==, "running");
    g_assert_true (vb_test_get_bool (f->env, ext, IFACE_SNAPSHOT, "IsCurrent"));
  }
  /* s2 lives in the image below the overlay now: reverting to it is refused, clearly. */
  vb_test_call_expect_error (f->env, s2, IFACE_SNAPSHOT, "Revert", g_variant_new ("(u)", 0),
                             ERROR_PREFIX "NotSupported");
  vb_test_call_void (f->env, ext, IFACE_SNAPSHOT, "Delete", g_variant_new ("(u)", METADATA_ONLY));
  g_assert_true (g_file_test (overlay, G_FILE_TEST_EXISTS));
  g_assert_true (vb_test_wait_property (f->env, domain, IFACE_DOMAIN, "CurrentSnapshot",
                                        g_variant_new_object_path (s2), 5000));
  vb_test_call_void (f->env, domain, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  /* The overlay's backing file (outside any pool here) is in the recorded
   * chain: the start-time check of the chain lets it start again. */
  g_assert_true (vb_test_wait_property (f->env, domain, IFACE_DOMAIN, "State",
                                        g_variant_new_string ("shutoff"), 30000));
  vb_test_call_void (f->env, domain, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  vb_test_call_void (f->env, domain, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
}

/* ---- a shut-off domain reverted to a running snapshot starts for it ---- */

static void
test_revert_starts (Fixture *f, gconstpointer data)
{
  g_autofree char *domain = define (f, "snap-start", f->disk, "qcow2");
  g_autofree char *uuid = vb_test_get_string (f->env, domain, IFACE_DOMAIN, "UUID");
  g_autofree char *log = vb_test_console_log (f->env, uuid);
  g_autofree char *snapshot = NULL;
  guint64 at_snapshot;

  vb_test_call_void (f->env, domain, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  g_free (wait_for (log, 0, READY, 120000));
  g_free (wait_for (log, 0, "VB-COUNTER 20", 60000));
  snapshot = create (f, domain, "<domainsnapshot><name>warm</name></domainsnapshot>", 0);
  at_snapshot = vb_test_log_last_counter (log);
  vb_test_call_void (f->env, domain, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  g_assert_true (vb_test_wait_property (f->env, domain, IFACE_DOMAIN, "State",
                                        g_variant_new_string ("shutoff"), 30000));
  vb_test_call_void (f->env, snapshot, IFACE_SNAPSHOT, "Revert", g_variant_new ("(u)", 0));
  {
    g_autofree char *state = vb_test_get_string (f->env, domain, IFACE_DOMAIN, "State");
    g_assert_cmpstr (state, ==, "running");
  }
  /* No boot (a fresh console log without the ready line): the guest goes
   * on counting from the snapshot. */
  {
    guint64 first = first_counter_after (log, 0, 60000);
    g_autofree char *text = log_text (log);

    g_assert_cmpuint (first, >, 15);
    g_assert_cmpuint (first, <=, at_snapshot + 10);
    g_assert_null (strstr (text, READY));
  }
  /* PAUSED: the same memory, the vCPUs stopped. */
  vb_test_call_void (f->env, snapshot, IFACE_SNAPSHOT, "Revert", g_variant_new ("(u)", 2u));
  {
    g_autofree char *state = vb_test_get_string (f->env, domain, IFACE_DOMAIN, "State");
    g_autofree char *reason = vb_test_get_string (f->env, domain, IFACE_DOMAIN, "StateReason");

    g_assert_cmpstr (state, ==, "paused");
    g_assert_cmpstr (reason, ==, "from-snapshot");
  }
  vb_test_call_expect_error (f->env, snapshot, IFACE_SNAPSHOT, "Revert", g_variant_new ("(u)", 3u),
                             ERROR_PREFIX "InvalidArgument");
  vb_test_call_void (f->env, domain, IFACE_DOMAIN, "Resume", NULL);
  /* HALT: the guest is destroyed once its snapshot is taken. */
  {
    g_autofree char *halted =
      create (f, domain, "<domainsnapshot><name>halted</name></domainsnapshot>", 8u);
    g_autofree char *state = vb_test_get_string (f->env, halted, IFACE_SNAPSHOT, "State");

    g_assert_cmpstr (state, ==, "running");
    g_assert_true (vb_test_get_bool (f->env, halted, IFACE_SNAPSHOT, "HasMemory"));
    g_assert_true (vb_test_wait_property (f->env, domain, IFACE_DOMAIN, "State",
                                          g_variant_new_string ("shutoff"), 30000));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add ("/snapshot/offline", Fixture, NULL, fixture_set_up, test_offline, fixture_tear_down);
  g_test_add ("/snapshot/running", Fixture, NULL, fixture_set_up, test_running, fixture_tear_down);
  g_test_add ("/snapshot/revert-starts", Fixture, NULL, fixture_set_up, test_revert_starts,
              fixture_tear_down);
  return g_test_run ();
}
