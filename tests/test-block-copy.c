/* Block copy on a real guest: the project's test guest under QEMU (TCG),
 * its disk mirrored to a new file, then pivoted to or cancelled; the guards
 * that refuse migration and define while the mirror exists; bandwidth;
 * bad input; a QEMU that dies during the copy. The guest itself reads and
 * writes its disk through its serial console. */
#define _GNU_SOURCE /* memmem */
#include <gio/gunixfdlist.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/select.h>
#include <unistd.h>

#include "vb-test-env.h"

#define READY "VIRTBUS-GUEST-READY"
#define BOOT_TIMEOUT_MS 120000
#define READY_TIMEOUT_MS 120000
#define DISK_SIZE (8 << 20)
#define WRITE_OFFSET (4 << 20) /* where the guest writes its marker */
#define REUSE_EXT 2u

typedef struct {
  VbTestEnv *env;
  char *disk;
  char *disk_md5;
  char *path; /* the domain */
  VbTestConsole *console;
} Fixture;

/* ---- helpers ---- */

/* @length bytes of @file from @offset. */
static char *
file_bytes (const char *file, gsize offset, gsize length)
{
  g_autofree char *data = NULL;
  gsize size = 0;

  g_assert_true (g_file_get_contents (file, &data, &size, NULL));
  g_assert_cmpuint (size, >=, offset + length);
  return g_strndup (data + offset, length);
}

static gboolean
file_contains (const char *file, const char *needle)
{
  g_autofree char *data = NULL;
  gsize size = 0;

  g_assert_true (g_file_get_contents (file, &data, &size, NULL));
  return memmem (data, size, needle, strlen (needle)) != NULL;
}

static char *
copy_job_of (Fixture *f)
{
  return vb_test_get_string (f->env, f->path, IFACE_DOMAIN, "BlockCopyJob");
}

static char *
disk_xml (const char *file, const char *format)
{
  return g_strdup_printf ("<disk type='file' device='disk'>\n"
                          "  <driver name='qemu' type='%s'/>\n"
                          "  <source file='%s'/>\n"
                          "</disk>\n",
                          format, file);
}

static GVariant *
copy_args (const char *disk, const char *dest_xml, GVariant *params, guint flags)
{
  return g_variant_new ("(ss@a{sv}u)", disk, dest_xml,
                        params ? params : g_variant_new ("a{sv}", NULL), flags);
}

static char *
block_copy (Fixture *f, const char *disk, const char *dest_xml, GVariant *params, guint flags)
{
  return vb_test_call_path (f->env, f->path, IFACE_DOMAIN, "BlockCopy",
                            copy_args (disk, dest_xml, params, flags));
}

/* ---- the guest ---- */

static char *
guest_xml (Fixture *f, const char *name)
{
  g_autofree char *disk = vb_test_disk_xml (f->disk, "raw", "vda");

  return vb_test_guest_xml (name, 192, "vb.counter=0", disk);
}

static void
open_console (Fixture *f)
{
  f->console = vb_test_console_open (f->env, f->path);
}

static void
close_console (Fixture *f)
{
  g_clear_pointer (&f->console, vb_test_console_free);
}

/* Types @command into the guest's shell and returns the first match of
 * @pattern's group 1 in what the guest answers (the typed echo must not match). */
static char *
guest_run (Fixture *f, const char *command, const char *pattern, guint timeout_ms)
{
  gsize from = f->console->seen->len;

  vb_test_console_type (f->console, command);
  return vb_test_console_expect (f->console, from, pattern, timeout_ms);
}

/* The md5 of the guest's whole /dev/vda, read past the guest's page cache. */
static char *
guest_disk_md5 (Fixture *f)
{
  return guest_run (f,
                    "echo 3 > /proc/sys/vm/drop_caches; echo MD5=$(md5sum /dev/vda | cut -c1-32)=",
                    "MD5=([0-9a-f]{32})=", 120000);
}

/* The guest writes @text at WRITE_OFFSET of its disk and syncs it. */
static void
guest_write (Fixture *f, const char *text)
{
  g_autofree char *command = g_strdup_printf (
    "echo -n %s | dd of=/dev/vda bs=512 seek=%d conv=notrunc,fsync 2>/dev/null; sync; "
    "echo WROTE=$((%d+1))=",
    text, WRITE_OFFSET / 512, WRITE_OFFSET);
  g_autofree char *expected = g_strdup_printf ("%d", WRITE_OFFSET + 1);
  g_autofree char *answer = guest_run (f, command, "WROTE=([0-9]+)=", 60000);

  g_assert_cmpstr (answer, ==, expected);
}

static const char *const libvirt_args[] = { "--libvirt-dbus", NULL };

/* An 8 MiB disk full of a known pattern, so a copy that misses a part shows. */
static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  g_autofree guint8 *pattern = g_malloc (DISK_SIZE);
  GRand *rand = g_rand_new_with_seed (0x6b636f70);

  for (gsize i = 0; i < DISK_SIZE; i += 4)
    *(guint32 *) (pattern + i) = g_rand_int (rand);
  g_rand_free (rand);
  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  /* @data: the org.libvirt front end too. */
  vb_test_env_start_daemon (f->env, data ? libvirt_args : NULL);
  f->disk = g_build_filename (f->env->tmpdir, "disk.img", NULL);
  g_assert_true (g_file_set_contents (f->disk, (const char *) pattern, DISK_SIZE, NULL));
  f->disk_md5 = vb_test_file_md5 (f->disk);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  close_console (f);
  g_assert_true (vb_test_env_daemon_alive (f->env));
  g_free (f->path);
  g_free (f->disk);
  g_free (f->disk_md5);
  vb_test_env_free (f->env);
}

/* A transient guest (CreateDomain starts it), booted, its console open. */
static void
boot_transient (Fixture *f, const char *name)
{
  g_autofree char *xml = guest_xml (f, name);

  f->path = vb_test_boot_guest (f->env, xml, FALSE, BOOT_TIMEOUT_MS);
  open_console (f);
}

/* The running domain's definition again, for DefineDomain (same name and UUID). */
static char *
same_domain_xml (Fixture *f, const char *name)
{
  g_autofree char *xml = guest_xml (f, name);
  g_autofree char *uuid = vb_test_get_string (f->env, f->path, IFACE_DOMAIN, "UUID");
  g_autofree char *name_element = g_strdup_printf ("<name>%s</name>", name);
  g_autofree char *with_uuid = g_strdup_printf ("%s<uuid>%s</uuid>", name_element, uuid);
  GString *out = g_string_new (xml);

  g_string_replace (out, name_element, with_uuid, 1);
  return g_string_free (out, FALSE);
}

static void
assert_guards_refuse (Fixture *f, const char *name)
{
  g_autofree char *xml = same_domain_xml (f, name);

  /* Before any connection: a bus address nobody listens on would fail otherwise. */
  vb_test_call_expect_error_saying (f->env, f->path, IFACE_DOMAIN, "Migrate",
                                    g_variant_new ("(sa{sv}u)",
                                                   "unix:path=/nonexistent/virtbus-peer", NULL, 0),
                                    ERROR_PREFIX "OperationInvalid", "block copy");
  vb_test_call_expect_error_saying (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                    g_variant_new ("(su)", xml, 0), ERROR_PREFIX "OperationInvalid",
                                    "block copy");
}

/* The guards lifted: define works, migration gets past them (and fails
 * later, at the unreachable peer, in its job). */
static void
assert_guards_lifted (Fixture *f, const char *name)
{
  g_autofree char *xml = same_domain_xml (f, name);
  g_autofree char *job =
    vb_test_call_path (f->env, f->path, IFACE_DOMAIN, "Migrate",
                       g_variant_new ("(sa{sv}u)", "unix:path=/nonexistent/virtbus-peer", NULL, 0));
  g_autofree char *phase =
    vb_test_job_wait_phase (f->env, job, "completed|failed|cancelled", 60000);
  g_autoptr (GVariant) persistent = NULL;
  g_autofree char *state = NULL;

  g_assert_cmpstr (phase, ==, "failed");
  state = vb_test_get_string (f->env, f->path, IFACE_DOMAIN, "State");
  g_assert_cmpstr (state, ==, "running");
  g_free (vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                             g_variant_new ("(su)", xml, 0)));
  persistent = vb_test_get_property (f->env, f->path, IFACE_DOMAIN, "Persistent");
  g_assert_true (g_variant_get_boolean (persistent));
}

/* ---- tests ---- */

static void
test_pivot (Fixture *f, gconstpointer data)
{
  g_autofree char *copy = g_build_filename (f->env->tmpdir, "copy.img", NULL);
  g_autofree char *dest = disk_xml (copy, "raw");
  g_autofree char *job = NULL;
  g_autofree char *md5 = NULL;
  g_autofree char *phase = NULL;
  g_autofree char *marker = NULL;
  g_autofree char *live = NULL;

  boot_transient (f, "bc-pivot");
  md5 = guest_disk_md5 (f);
  g_assert_cmpstr (md5, ==, f->disk_md5);
  g_free (md5);

  job = block_copy (f, "vda", dest, NULL, 0);
  {
    g_autofree char *shown = copy_job_of (f);
    g_autofree char *operation = vb_test_get_string (f->env, job, IFACE_JOB, "Operation");
    g_assert_cmpstr (shown, ==, job);
    g_assert_cmpstr (operation, ==, "block-copy");
  }
  g_assert_true (g_file_test (copy, G_FILE_TEST_EXISTS));
  phase = vb_test_job_wait_phase (f->env, job, "ready|failed", READY_TIMEOUT_MS);
  g_assert_cmpstr (phase, ==, "ready");
  g_assert_cmpuint (vb_test_get_u64 (f->env, job, IFACE_JOB, "BytesTotal"), >=, DISK_SIZE);
  g_assert_cmpuint (vb_test_get_u64 (f->env, job, IFACE_JOB, "BytesProcessed"), ==,
                    vb_test_get_u64 (f->env, job, IFACE_JOB, "BytesTotal"));

  /* While the mirror exists. */
  assert_guards_refuse (f, "bc-pivot");
  vb_test_call_expect_error_saying (f->env, f->path, IFACE_DOMAIN, "BlockCopy",
                                    copy_args ("vda", dest, NULL, REUSE_EXT),
                                    ERROR_PREFIX "OperationInvalid", "already");

  vb_test_call_void (f->env, job, IFACE_JOB, "Pivot", NULL);
  g_free (phase);
  phase = vb_test_job_wait_phase (f->env, job, "completed|failed", 60000);
  g_assert_cmpstr (phase, ==, "completed");
  {
    g_autofree char *shown = copy_job_of (f);
    g_assert_cmpstr (shown, ==, "/");
  }
  /* A finished job cannot pivot again. */
  vb_test_call_expect_error_saying (f->env, job, IFACE_JOB, "Pivot", NULL,
                                    ERROR_PREFIX "OperationInvalid", NULL);

  /* The copy holds the pattern; the guest reads it from there. */
  g_assert_cmpstr (vb_test_file_md5 (copy), ==, f->disk_md5);
  md5 = guest_disk_md5 (f);
  g_assert_cmpstr (md5, ==, f->disk_md5);

  /* What the guest writes now lands in the copy, not in the original. */
  guest_write (f, "VBCOPY-AFTER-PIVOT");
  marker = file_bytes (copy, WRITE_OFFSET, strlen ("VBCOPY-AFTER-PIVOT"));
  g_assert_cmpstr (marker, ==, "VBCOPY-AFTER-PIVOT");
  g_assert_false (file_contains (f->disk, "VBCOPY-AFTER-PIVOT"));
  g_assert_cmpstr (vb_test_file_md5 (f->disk), ==, f->disk_md5);

  {
    g_autoptr (GVariant) reply = vb_test_call_ok (f->env, f->path, IFACE_DOMAIN, "GetXMLDesc",
                                                  g_variant_new ("(u)", 0));
    g_autofree char *expected = g_strdup_printf ("<source file='%s'/>", copy);
    g_variant_get (reply, "(s)", &live);
    g_assert_nonnull (strstr (live, expected));
    g_assert_null (strstr (live, f->disk));
  }

  assert_guards_lifted (f, "bc-pivot");
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
}

static void
test_cancel (Fixture *f, gconstpointer data)
{
  g_autofree char *copy = g_build_filename (f->env->tmpdir, "copy.qcow2", NULL);
  g_autofree char *dest = disk_xml (copy, "qcow2");
  g_autofree char *job = NULL;
  g_autofree char *phase = NULL;
  g_autofree char *marker = NULL;
  g_autofree char *live = NULL;

  boot_transient (f, "bc-cancel");
  job = block_copy (f, f->disk /* by its source path */, dest, NULL, 0);
  phase = vb_test_job_wait_phase (f->env, job, "ready|failed", READY_TIMEOUT_MS);
  g_assert_cmpstr (phase, ==, "ready");
  assert_guards_refuse (f, "bc-cancel");

  /* Mirrored while ready: a write now reaches the copy too (in the background). */
  guest_write (f, "VBCOPY-WHILE-READY");
  {
    gint64 end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
    while (!file_contains (copy, "VBCOPY-WHILE-READY") && g_get_monotonic_time () < end)
      g_usleep (200000);
    g_assert_true (file_contains (copy, "VBCOPY-WHILE-READY"));
  }

  vb_test_call_void (f->env, job, IFACE_JOB, "Cancel", NULL);
  g_free (phase);
  phase = vb_test_job_wait_phase (f->env, job, "cancelled|completed|failed", 60000);
  g_assert_cmpstr (phase, ==, "cancelled");
  {
    g_autofree char *shown = copy_job_of (f);
    g_assert_cmpstr (shown, ==, "/");
  }
  g_assert_true (g_file_test (copy, G_FILE_TEST_EXISTS)); /* left for the caller */

  /* The guest keeps its original. */
  guest_write (f, "VBCOPY-AFTER-CANCEL");
  marker = file_bytes (f->disk, WRITE_OFFSET, strlen ("VBCOPY-AFTER-CANCEL"));
  g_assert_cmpstr (marker, ==, "VBCOPY-AFTER-CANCEL");
  g_assert_false (file_contains (copy, "VBCOPY-AFTER-CANCEL"));
  {
    g_autoptr (GVariant) reply = vb_test_call_ok (f->env, f->path, IFACE_DOMAIN, "GetXMLDesc",
                                                  g_variant_new ("(u)", 0));
    g_autofree char *expected = g_strdup_printf ("<source file='%s'/>", f->disk);
    g_variant_get (reply, "(s)", &live);
    g_assert_nonnull (strstr (live, expected));
  }
  assert_guards_lifted (f, "bc-cancel");
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
}

static void
test_bandwidth (Fixture *f, gconstpointer data)
{
  g_autofree char *copy = g_build_filename (f->env->tmpdir, "slow.img", NULL);
  g_autofree char *dest = disk_xml (copy, "raw");
  g_autofree char *job = NULL;
  g_autofree char *phase = NULL;
  GVariantDict params;
  const guint64 slow = 256 << 10;
  guint64 processed;
  gint64 started;

  boot_transient (f, "bc-speed");
  g_variant_dict_init (&params, NULL);
  g_variant_dict_insert (&params, "bandwidth", "t", slow);
  g_variant_dict_insert (&params, "granularity", "u", 64u << 10);
  g_variant_dict_insert (&params, "buf-size", "t", (guint64) (256 << 10));
  started = g_get_monotonic_time ();
  job = block_copy (f, "vda", dest, g_variant_dict_end (&params), 0);
  phase = vb_test_job_wait_phase (f->env, job, "copying|ready|failed", 30000);
  g_assert_cmpstr (phase, ==, "copying");
  /* Not ready: no pivot yet. */
  vb_test_call_expect_error_saying (f->env, job, IFACE_JOB, "Pivot", NULL,
                                    ERROR_PREFIX "OperationInvalid", "ready");

  /* QEMU reports the limit it applies. */
  g_usleep (3 * G_USEC_PER_SEC);
  g_assert_cmpuint (vb_test_job_detail (f->env, job, "bandwidth"), ==, slow);
  processed = vb_test_get_u64 (f->env, job, IFACE_JOB, "BytesProcessed");
  {
    double seconds = (double) (g_get_monotonic_time () - started) / G_USEC_PER_SEC;
    g_test_message ("at %" G_GUINT64_FORMAT " B/s: %" G_GUINT64_FORMAT " bytes in %.1f s", slow,
                    processed, seconds);
    /* The cap holds: well under what an unlimited mirror copies in that time
     * (all 8 MiB), with room for the first chunks. */
    g_assert_cmpuint (processed, <=, (guint64) (slow * (seconds + 2)));
  }
  phase = vb_test_get_string (f->env, job, IFACE_JOB, "Phase");
  g_assert_cmpstr (phase, ==, "copying");

  /* Lifted: the copy finishes. */
  vb_test_call_void (f->env, job, IFACE_JOB, "SetBandwidth", g_variant_new ("(t)", (guint64) 0));
  g_free (phase);
  phase = vb_test_job_wait_phase (f->env, job, "ready|failed", READY_TIMEOUT_MS);
  g_assert_cmpstr (phase, ==, "ready");
  g_assert_cmpuint (vb_test_job_detail (f->env, job, "bandwidth"), ==, 0);
  /* And set again while ready. */
  vb_test_call_void (f->env, job, IFACE_JOB, "SetBandwidth",
                     g_variant_new ("(t)", (guint64) (1 << 20)));
  {
    gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
    while (vb_test_job_detail (f->env, job, "bandwidth") != (1 << 20)
           && g_get_monotonic_time () < end)
      g_usleep (100000);
    g_assert_cmpuint (vb_test_job_detail (f->env, job, "bandwidth"), ==, 1 << 20);
  }
  vb_test_call_void (f->env, job, IFACE_JOB, "Pivot", NULL);
  g_free (phase);
  phase = vb_test_job_wait_phase (f->env, job, "completed|failed", 60000);
  g_assert_cmpstr (phase, ==, "completed");
  g_assert_cmpstr (vb_test_file_md5 (copy), ==, f->disk_md5);
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
}

static void
test_bad_input (Fixture *f, gconstpointer data)
{
  g_autofree char *copy = g_build_filename (f->env->tmpdir, "bad.img", NULL);
  g_autofree char *exists = g_build_filename (f->env->tmpdir, "exists.img", NULL);
  g_autofree char *dest = disk_xml (copy, "raw");
  g_autofree char *dest_exists = disk_xml (exists, "raw");
  g_autofree char *xml = NULL;
  g_autofree char *job = NULL;
  g_autofree char *phase = NULL;

  /* Not running. */
  xml = guest_xml (f, "bc-bad");
  f->path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                               g_variant_new ("(su)", xml, 0));
  vb_test_call_expect_error_saying (f->env, f->path, IFACE_DOMAIN, "BlockCopy",
                                    copy_args ("vda", dest, NULL, 0),
                                    ERROR_PREFIX "OperationInvalid", "running");
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  {
    g_autofree char *log = vb_test_console_log_of (f->env, f->path);
    g_assert_true (vb_test_log_wait (log, READY, BOOT_TIMEOUT_MS));
  }

  vb_test_call_expect_error_saying (f->env, f->path, IFACE_DOMAIN, "BlockCopy",
                                    copy_args ("vdz", dest, NULL, 0),
                                    ERROR_PREFIX "InvalidArgument", "vdz");
  vb_test_call_expect_error_saying (f->env, f->path, IFACE_DOMAIN, "BlockCopy",
                                    copy_args ("vda", "<disk type=", NULL, 0),
                                    ERROR_PREFIX "InvalidXML", NULL);
  vb_test_call_expect_error_saying (f->env, f->path, IFACE_DOMAIN, "BlockCopy",
                                    copy_args ("vda", "<disk type='file'/>", NULL, 0),
                                    ERROR_PREFIX "InvalidXML", "source");
  vb_test_call_expect_error_saying (
    f->env, f->path, IFACE_DOMAIN, "BlockCopy",
    copy_args ("vda", "<disk type='block'><source dev='/dev/null'/></disk>", NULL, 0),
    ERROR_PREFIX "NotSupported", "type");
  vb_test_call_expect_error_saying (
    f->env, f->path, IFACE_DOMAIN, "BlockCopy",
    copy_args ("vda", "<disk type='file'><driver type='vmdk'/><source file='/tmp/x'/></disk>", NULL,
               0),
    ERROR_PREFIX "NotSupported", "driver");
  vb_test_call_expect_error_saying (
    f->env, f->path, IFACE_DOMAIN, "BlockCopy",
    copy_args ("vda", "<disk type='file'><source file='relative.img'/></disk>", NULL, 0),
    ERROR_PREFIX "InvalidXML", "absolute");
  vb_test_call_expect_error_saying (f->env, f->path, IFACE_DOMAIN, "BlockCopy",
                                    copy_args ("vda", dest, NULL, 8),
                                    ERROR_PREFIX "InvalidArgument", NULL);
  {
    GVariantDict params;
    g_variant_dict_init (&params, NULL);
    g_variant_dict_insert (&params, "warp", "b", TRUE);
    vb_test_call_expect_error_saying (f->env, f->path, IFACE_DOMAIN, "BlockCopy",
                                      copy_args ("vda", dest, g_variant_dict_end (&params), 0),
                                      ERROR_PREFIX "InvalidArgument", "warp");
    g_variant_dict_init (&params, NULL);
    g_variant_dict_insert (&params, "bandwidth", "u", 5);
    vb_test_call_expect_error_saying (f->env, f->path, IFACE_DOMAIN, "BlockCopy",
                                      copy_args ("vda", dest, g_variant_dict_end (&params), 0),
                                      ERROR_PREFIX "InvalidArgument", "bandwidth");
    g_variant_dict_init (&params, NULL);
    g_variant_dict_insert (&params, "granularity", "u", 1000);
    vb_test_call_expect_error_saying (f->env, f->path, IFACE_DOMAIN, "BlockCopy",
                                      copy_args ("vda", dest, g_variant_dict_end (&params), 0),
                                      ERROR_PREFIX "InvalidArgument", "Granularity");
  }
  /* The disk's own file, a destination that exists without REUSE_EXT, a
   * REUSE_EXT destination that does not exist. */
  {
    g_autofree char *self = disk_xml (f->disk, "raw");
    vb_test_call_expect_error_saying (f->env, f->path, IFACE_DOMAIN, "BlockCopy",
                                      copy_args ("vda", self, NULL, REUSE_EXT),
                                      ERROR_PREFIX "InvalidArgument", NULL);
  }
  vb_test_sparse_file (exists, DISK_SIZE);
  vb_test_call_expect_error_saying (f->env, f->path, IFACE_DOMAIN, "BlockCopy",
                                    copy_args ("vda", dest_exists, NULL, 0),
                                    ERROR_PREFIX "OperationInvalid", "REUSE_EXT");
  vb_test_call_expect_error_saying (f->env, f->path, IFACE_DOMAIN, "BlockCopy",
                                    copy_args ("vda", dest, NULL, REUSE_EXT),
                                    ERROR_PREFIX "InvalidArgument", "does not exist");
  g_assert_false (g_file_test (copy, G_FILE_TEST_EXISTS));
  {
    g_autofree char *shown = copy_job_of (f);
    g_assert_cmpstr (shown, ==, "/");
  }

  /* REUSE_EXT into the existing file, then a second copy, then cancel. */
  job = block_copy (f, "vda", dest_exists, NULL, REUSE_EXT);
  vb_test_call_expect_error_saying (f->env, f->path, IFACE_DOMAIN, "BlockCopy",
                                    copy_args ("vda", dest, NULL, 0),
                                    ERROR_PREFIX "OperationInvalid", "block copy");
  phase = vb_test_job_wait_phase (f->env, job, "ready|failed", READY_TIMEOUT_MS);
  g_assert_cmpstr (phase, ==, "ready");
  g_assert_cmpstr (vb_test_file_md5 (exists), ==, f->disk_md5);
  vb_test_call_expect_error_saying (f->env, job, IFACE_JOB, "SetBandwidth",
                                    g_variant_new ("(t)", G_MAXUINT64),
                                    ERROR_PREFIX "InvalidArgument", NULL);
  vb_test_call_void (f->env, job, IFACE_JOB, "Cancel", NULL);
  g_free (phase);
  phase = vb_test_job_wait_phase (f->env, job, "cancelled|completed|failed", 60000);
  g_assert_cmpstr (phase, ==, "cancelled");
  vb_test_call_expect_error_saying (f->env, job, IFACE_JOB, "Cancel", NULL,
                                    ERROR_PREFIX "OperationInvalid", NULL);
  g_assert_true (vb_test_env_daemon_alive (f->env));
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
}

static void
test_qemu_killed (Fixture *f, gconstpointer data)
{
  g_autofree char *copy = g_build_filename (f->env->tmpdir, "dies.img", NULL);
  g_autofree char *dest = disk_xml (copy, "raw");
  g_autofree char *again = g_build_filename (f->env->tmpdir, "again.img", NULL);
  g_autofree char *dest_again = disk_xml (again, "raw");
  g_autofree char *xml = NULL;
  g_autofree char *job = NULL;
  g_autofree char *phase = NULL;
  g_autofree char *message = NULL;
  GVariantDict params;

  xml = guest_xml (f, "bc-killed");
  f->path = vb_test_boot_guest (f->env, xml, TRUE, BOOT_TIMEOUT_MS);

  g_variant_dict_init (&params, NULL);
  g_variant_dict_insert (&params, "bandwidth", "t", (guint64) (64 << 10));
  job = block_copy (f, "vda", dest, g_variant_dict_end (&params), 0);
  phase = vb_test_job_wait_phase (f->env, job, "copying|ready|failed", 30000);
  g_assert_cmpstr (phase, ==, "copying");
  g_assert_cmpint (kill (vb_test_qemu_pid (f->env, f->path), SIGKILL), ==, 0);
  g_free (phase);
  phase = vb_test_job_wait_phase (f->env, job, "completed|failed|cancelled", 60000);
  g_assert_cmpstr (phase, ==, "failed");
  {
    g_autofree char *shown = copy_job_of (f);
    g_assert_cmpstr (shown, ==, "/");
  }
  g_assert_true (vb_test_wait_property (f->env, f->path, IFACE_DOMAIN, "State",
                                        g_variant_new_string ("shutoff"), 30000));

  /* Nothing of the copy is left behind: the guest starts, copies again,
   * and migration is not refused for a copy that is gone. */
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  {
    g_autofree char *job2 = block_copy (f, "vda", dest_again, NULL, 0);
    g_autofree char *phase2 =
      vb_test_job_wait_phase (f->env, job2, "ready|failed", READY_TIMEOUT_MS);
    g_assert_cmpstr (phase2, ==, "ready");
    vb_test_call_void (f->env, job2, IFACE_JOB, "Cancel", NULL);
    g_free (phase2);
    phase2 = vb_test_job_wait_phase (f->env, job2, "cancelled|completed|failed", 60000);
    g_assert_cmpstr (phase2, ==, "cancelled");
  }
  {
    g_autofree char *mig =
      vb_test_call_path (f->env, f->path, IFACE_DOMAIN, "Migrate",
                         g_variant_new ("(sa{sv}u)", "unix:path=/nonexistent/virtbus-peer", NULL,
                                        0));
    g_autofree char *end =
      vb_test_job_wait_phase (f->env, mig, "completed|failed|cancelled", 60000);
    g_assert_cmpstr (end, ==, "failed");
  }
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
}

/* The mirror does not survive the service: the restarted service cancels
 * what it finds, so the guards are off and the guest writes to its original. */
static void
test_service_restart (Fixture *f, gconstpointer data)
{
  g_autofree char *copy = g_build_filename (f->env->tmpdir, "orphan.img", NULL);
  g_autofree char *dest = disk_xml (copy, "raw");
  g_autofree char *job = NULL;
  g_autofree char *phase = NULL;
  g_autofree char *marker = NULL;
  int pid;

  boot_transient (f, "bc-restart");
  job = block_copy (f, "vda", dest, NULL, 0);
  phase = vb_test_job_wait_phase (f->env, job, "ready|failed", READY_TIMEOUT_MS);
  g_assert_cmpstr (phase, ==, "ready");
  pid = vb_test_qemu_pid (f->env, f->path);
  close_console (f);

  vb_test_env_stop_daemon (f->env, FALSE);
  vb_test_env_start_daemon (f->env, NULL);
  g_assert_true (vb_test_wait_property (f->env, f->path, IFACE_DOMAIN, "State",
                                        g_variant_new_string ("running"), 30000));
  g_assert_cmpint (vb_test_qemu_pid (f->env, f->path), ==, pid); /* the same QEMU, adopted */
  {
    g_autofree char *shown = copy_job_of (f);
    g_assert_cmpstr (shown, ==, "/");
  }
  /* Give the new service a moment to reconnect and cancel the orphan. */
  g_usleep (3 * G_USEC_PER_SEC);
  open_console (f);
  guest_write (f, "VBCOPY-AFTER-RESTART");
  marker = file_bytes (f->disk, WRITE_OFFSET, strlen ("VBCOPY-AFTER-RESTART"));
  g_assert_cmpstr (marker, ==, "VBCOPY-AFTER-RESTART");
  /* Were the orphan still mirroring, the write would reach the copy too. */
  g_usleep (3 * G_USEC_PER_SEC);
  g_assert_false (file_contains (copy, "VBCOPY-AFTER-RESTART"));

  /* No guard is left on: a new copy starts and ends. */
  {
    g_autofree char *again = g_build_filename (f->env->tmpdir, "again.img", NULL);
    g_autofree char *dest_again = disk_xml (again, "raw");
    g_autofree char *job2 = block_copy (f, "vda", dest_again, NULL, 0);
    g_autofree char *phase2 =
      vb_test_job_wait_phase (f->env, job2, "ready|failed", READY_TIMEOUT_MS);

    g_assert_cmpstr (phase2, ==, "ready");
    vb_test_call_void (f->env, job2, IFACE_JOB, "Pivot", NULL);
    g_free (phase2);
    phase2 = vb_test_job_wait_phase (f->env, job2, "completed|failed", 60000);
    g_assert_cmpstr (phase2, ==, "completed");
  }
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
}

/* The destination's file system fills up during the copy: the job fails
 * with QEMU's words, the guest keeps its disk, the guards lift. */
static void
test_target_full (Fixture *f, gconstpointer data)
{
  g_autofree char *dir = g_build_filename (f->env->tmpdir, "small-fs", NULL);
  g_autofree char *copy = g_build_filename (dir, "copy.img", NULL);
  g_autofree char *dest = disk_xml (copy, "raw");
  g_autofree char *job = NULL;
  g_autofree char *phase = NULL;
  const char *mount_argv[] = { "mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", dir, NULL };
  const char *umount_argv[] = { "umount", dir, NULL };
  g_autoptr (VbSignalLog) signals = NULL;
  gint status = -1;

  if (getuid () != 0)
    {
      g_test_skip ("mounting a small tmpfs needs root");
      return;
    }
  g_assert_cmpint (g_mkdir (dir, 0755), ==, 0);
  g_assert_true (g_spawn_sync (NULL, (char **) mount_argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               NULL, NULL, &status, NULL));
  g_assert_true (g_spawn_check_wait_status (status, NULL));

  boot_transient (f, "bc-full");
  signals = vb_signal_log_new (f->env);
  job = block_copy (f, "vda", dest, NULL, 0);
  phase =
    vb_test_job_wait_phase (f->env, job, "ready|failed|cancelled|completed", READY_TIMEOUT_MS);
  g_assert_cmpstr (phase, ==, "failed");
  /* QEMU's own words reach the caller. */
  if (!vb_signal_log_wait (signals, "No space left on device", 10000))
    {
      vb_signal_log_dump (signals);
      g_error ("the job's Completed message does not say why");
    }
  {
    g_autoptr (GVariant) shown = vb_test_get_property (f->env, f->path, IFACE_DOMAIN,
                                                       "BlockCopyJob");
    g_assert_cmpstr (g_variant_get_string (shown, NULL), ==, "/");
  }
  /* The guest runs on from its own disk, and nothing refuses a migration. */
  g_free (phase);
  phase = vb_test_get_string (f->env, f->path, IFACE_DOMAIN, "State");
  g_assert_cmpstr (phase, ==, "running");
  {
    g_autofree char *md5 = guest_disk_md5 (f);
    g_assert_cmpstr (md5, ==, f->disk_md5);
  }
  {
    g_autofree char *mig =
      vb_test_call_path (f->env, f->path, IFACE_DOMAIN, "Migrate",
                         g_variant_new ("(sa{sv}u)", "unix:path=/nonexistent/virtbus-peer", NULL,
                                        0));
    g_autofree char *end =
      vb_test_job_wait_phase (f->env, mig, "completed|failed|cancelled", 60000);
    g_assert_cmpstr (end, ==, "failed");
  }
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  g_assert_true (g_spawn_sync (NULL, (char **) umount_argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                               NULL, NULL, &status, NULL));
}

/* The guards the other operations hold (save, managed save, snapshots,
 * detaching the copied disk) on a persistent guest: refused while the mirror
 * exists, each naming the block copy, allowed once it is cancelled. Another
 * disk may still be detached during the copy. */
static void
test_guards_of_other_operations (Fixture *f, gconstpointer data)
{
  g_autofree char *copy = g_build_filename (f->env->tmpdir, "copy.raw", NULL);
  g_autofree char *dest = disk_xml (copy, "raw");
  g_autofree char *extra = g_build_filename (f->env->tmpdir, "extra.img", NULL);
  g_autofree char *extra_xml = vb_test_disk_xml (extra, "raw", "vdb");
  g_autofree char *vda_xml = vb_test_disk_xml (f->disk, "raw", "vda");
  g_autofree char *image = g_build_filename (f->env->tmpdir, "saved.img", NULL);
  g_autofree char *xml = guest_xml (f, "bc-guards");
  const char *snapshot = "<domainsnapshot><name>during-copy</name></domainsnapshot>";
  g_autofree char *job = NULL;
  g_autofree char *phase = NULL;
  g_autofree char *save_job = NULL;
  g_autoptr (GVariant) has_image = NULL;

  vb_test_sparse_file (extra, 1 << 20);
  f->path = vb_test_boot_guest (f->env, xml, TRUE, BOOT_TIMEOUT_MS);
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "AttachDevice",
                     g_variant_new ("(su)", extra_xml, 1));

  job = block_copy (f, "vda", dest, NULL, 0);
  phase = vb_test_job_wait_phase (f->env, job, "ready|failed", READY_TIMEOUT_MS);
  g_assert_cmpstr (phase, ==, "ready");
  vb_test_call_expect_error_saying (f->env, f->path, IFACE_DOMAIN, "ManagedSave",
                                    g_variant_new ("(u)", 0), ERROR_PREFIX "OperationInvalid",
                                    "block copy");
  vb_test_call_expect_error_saying (f->env, f->path, IFACE_DOMAIN, "Save",
                                    g_variant_new ("(su)", image, 0),
                                    ERROR_PREFIX "OperationInvalid", "block copy");
  vb_test_call_expect_error_saying (f->env, f->path, IFACE_DOMAIN, "CreateSnapshot",
                                    g_variant_new ("(su)", snapshot, 16 /* DISK_ONLY */),
                                    ERROR_PREFIX "OperationInvalid", "block copy");
  vb_test_call_expect_error_saying (f->env, f->path, IFACE_DOMAIN, "CreateSnapshot",
                                    g_variant_new ("(su)", snapshot, 0),
                                    ERROR_PREFIX "OperationInvalid", "block copy");
  vb_test_call_expect_error_saying (f->env, f->path, IFACE_DOMAIN, "DetachDevice",
                                    g_variant_new ("(su)", vda_xml, 1 /* LIVE */),
                                    ERROR_PREFIX "OperationInvalid", "block copy");
  g_assert_false (g_file_test (image, G_FILE_TEST_EXISTS));
  /* Not the copied disk: allowed. */
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "DetachDevice",
                     g_variant_new ("(su)", extra_xml, 1));

  vb_test_call_void (f->env, job, IFACE_JOB, "Cancel", NULL);
  g_free (phase);
  phase = vb_test_job_wait_phase (f->env, job, "cancelled|completed|failed", 60000);
  g_assert_cmpstr (phase, ==, "cancelled");

  /* Lifted: a disk-only snapshot, then a managed save of the guest. */
  g_free (vb_test_call_path (f->env, f->path, IFACE_DOMAIN, "CreateSnapshot",
                             g_variant_new ("(su)", snapshot, 16)));
  save_job =
    vb_test_call_path (f->env, f->path, IFACE_DOMAIN, "ManagedSave", g_variant_new ("(u)", 0));
  vb_test_job_wait_completed (f->env, save_job, 120000);
  has_image = vb_test_get_property (f->env, f->path, IFACE_DOMAIN, "HasManagedSave");
  g_assert_true (g_variant_get_boolean (has_image));
  {
    g_autofree char *state = vb_test_get_string (f->env, f->path, IFACE_DOMAIN, "State");
    g_assert_cmpstr (state, ==, "shutoff");
  }
}

/* ---- the same through org.libvirt (libvirt-dbus's BlockCopy and block job members) ---- */

#define LV_DOMAIN "org.libvirt.Domain"

static GVariant *
lv_call (Fixture *f, const char *path, const char *method, GVariant *args, GError **error)
{
  return g_dbus_connection_call_sync (f->env->client, "org.libvirt", path, LV_DOMAIN, method, args,
                                      NULL, G_DBUS_CALL_FLAGS_NONE, 120000, NULL, error);
}

static GVariant *
lv_ok (Fixture *f, const char *path, const char *method, GVariant *args)
{
  g_autoptr (GError) error = NULL;
  GVariant *reply = lv_call (f, path, method, args, &error);

  if (error)
    {
      g_autofree char *log = vb_test_env_daemon_log (f->env);

      g_error ("%s: %s\nvirtbusd log:\n%s", method, error->message, log);
    }
  return reply;
}

/* GetBlockJobInfo(vda): (type, bandwidth, cur, end). */
static void
lv_block_job_info (Fixture *f, const char *path, guint flags, int *type, guint64 *bandwidth,
                   guint64 *cur, guint64 *end)
{
  g_autoptr (GVariant) reply =
    lv_ok (f, path, "GetBlockJobInfo", g_variant_new ("(su)", "vda", flags));

  g_variant_get (reply, "((ittt))", type, bandwidth, cur, end);
}

static void
test_libvirt (Fixture *f, gconstpointer data)
{
  g_autofree char *copy = g_build_filename (f->env->tmpdir, "lv-copy.img", NULL);
  g_autofree char *dest = disk_xml (copy, "raw");
  g_autofree char *uuid = NULL;
  g_autofree char *lv_path = NULL;
  g_autofree char *job = NULL;
  g_autofree char *phase = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GError) error = NULL;
  int type;
  guint64 bandwidth, cur, end;

  boot_transient (f, "bc-libvirt");
  /* The name comes once the drivers are ready: long before a guest boots. */
  {
    g_autoptr (GVariant) owner =
      g_dbus_connection_call_sync (f->env->client, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                   "org.freedesktop.DBus", "GetNameOwner",
                                   g_variant_new ("(s)", "org.libvirt"), NULL,
                                   G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);

    g_assert_no_error (error);
  }
  uuid = vb_test_get_string (f->env, f->path, IFACE_DOMAIN, "UUID");
  g_strdelimit (uuid, "-", '_');
  lv_path = g_strdup_printf ("/org/libvirt/QEMU/domain/_%s", uuid);

  /* libvirt's call returns once the copy runs, with its Job virtbus's. */
  reply = lv_ok (f, lv_path, "BlockCopy", copy_args ("vda", dest, NULL, 0));
  job = copy_job_of (f);
  g_assert_cmpstr (job, !=, "/");
  phase = vb_test_job_wait_phase (f->env, job, "ready|failed", READY_TIMEOUT_MS);
  g_assert_cmpstr (phase, ==, "ready");
  lv_block_job_info (f, lv_path, 0, &type, &bandwidth, &cur, &end);
  g_assert_cmpint (type, ==, 2); /* VIR_DOMAIN_BLOCK_JOB_TYPE_COPY */
  g_assert_cmpuint (end, >=, DISK_SIZE);
  g_assert_cmpuint (cur, ==, end); /* ready: libvirt's sign that a pivot may come */

  /* MiB/s, or bytes/s with BANDWIDTH_BYTES, both ways. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = lv_ok (f, lv_path, "BlockJobSetSpeed", g_variant_new ("(stu)", "vda", 3, 0));
  lv_block_job_info (f, lv_path, 0, &type, &bandwidth, &cur, &end);
  g_assert_cmpuint (bandwidth, ==, 3);
  lv_block_job_info (f, lv_path, 1, &type, &bandwidth, &cur, &end);
  g_assert_cmpuint (bandwidth, ==, 3 << 20);
  g_clear_pointer (&reply, g_variant_unref);
  reply = lv_ok (f, lv_path, "BlockJobSetSpeed", g_variant_new ("(stu)", "vda", 0, 1));
  lv_block_job_info (f, lv_path, 1, &type, &bandwidth, &cur, &end);
  g_assert_cmpuint (bandwidth, ==, 0);
  /* A block copy is no domain job. */
  {
    g_autoptr (GVariant) info = lv_ok (f, lv_path, "GetJobInfo", NULL);
    int job_type;

    g_variant_get (info, "((ittttttttttt))", &job_type, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                   NULL, NULL, NULL, NULL);
    g_assert_cmpint (job_type, ==, 0);
  }

  /* PIVOT 2: the call returns once the guest uses the copy. */
  g_clear_pointer (&reply, g_variant_unref);
  reply = lv_ok (f, lv_path, "BlockJobAbort", g_variant_new ("(su)", "vda", 2));
  g_free (phase);
  phase = vb_test_get_string (f->env, job, IFACE_JOB, "Phase");
  g_assert_cmpstr (phase, ==, "completed");
  lv_block_job_info (f, lv_path, 0, &type, &bandwidth, &cur, &end);
  g_assert_cmpint (type, ==, 0);
  {
    g_autoptr (GVariant) xml = lv_ok (f, lv_path, "GetXMLDesc", g_variant_new ("(u)", 0));
    const char *live;
    g_autofree char *expected = g_strdup_printf ("<source file='%s'/>", copy);

    g_variant_get (xml, "(&s)", &live);
    g_assert_nonnull (strstr (live, expected));
  }
  g_assert_null (lv_call (f, lv_path, "BlockJobAbort", g_variant_new ("(su)", "vda", 0), &error));
  g_assert_nonnull (strstr (error->message, "disk vda does not have an active block job"));
  g_clear_error (&error);

  /* Without PIVOT the copy is cancelled: the guest keeps its disk. */
  {
    g_autofree char *second = g_build_filename (f->env->tmpdir, "lv-copy2.img", NULL);
    g_autofree char *dest2 = disk_xml (second, "raw");
    g_autofree char *job2 = NULL;
    g_autofree char *phase2 = NULL;

    g_clear_pointer (&reply, g_variant_unref);
    reply = lv_ok (f, lv_path, "BlockCopy", copy_args ("vda", dest2, NULL, 0));
    job2 = copy_job_of (f);
    g_free (vb_test_job_wait_phase (f->env, job2, "ready|failed", READY_TIMEOUT_MS));
    g_clear_pointer (&reply, g_variant_unref);
    reply = lv_ok (f, lv_path, "BlockJobAbort", g_variant_new ("(su)", copy, 0));
    phase2 = vb_test_get_string (f->env, job2, IFACE_JOB, "Phase");
    g_assert_cmpstr (phase2, ==, "cancelled");
  }
  vb_test_call_void (f->env, f->path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, fn) \
  g_test_add ("/block-copy/" name, Fixture, NULL, fixture_set_up, fn, fixture_tear_down)
  ADD ("pivot", test_pivot);
  ADD ("cancel", test_cancel);
  ADD ("bandwidth", test_bandwidth);
  ADD ("bad-input", test_bad_input);
  ADD ("qemu-killed", test_qemu_killed);
  ADD ("service-restart", test_service_restart);
  ADD ("target-full", test_target_full);
  ADD ("guards-of-other-operations", test_guards_of_other_operations);
  g_test_add ("/block-copy/libvirt", Fixture, "libvirt", fixture_set_up, test_libvirt,
              fixture_tear_down);
#undef ADD
  return g_test_run ();
}
