/* Save and restore with the project's test guest: managed save and Start,
 * Save and Manager.Restore, a disk that fills up, damaged images, and the
 * save on the service's stop. */
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vb-test-env.h"

#define READY "VIRTBUS-GUEST-READY"
#define SAVE_RUNNING 2u
#define SAVE_PAUSED 4u
#define UNDEFINE_MANAGED_SAVE 1u

typedef struct {
  VbTestEnv *env;
  char *disk;
  char *small; /* a size-limited tmpfs, when mounted */
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  static const char *const libvirt_args[] = { "--libvirt-dbus", NULL };

  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  /* @data: "libvirt" for the org.libvirt front end too, else no daemon. */
  if (!data || g_str_equal (data, "libvirt"))
    vb_test_env_start_daemon (f->env, data ? libvirt_args : NULL);
  f->disk = g_build_filename (f->env->tmpdir, "disk.img", NULL);
  vb_test_sparse_file (f->disk, 8 << 20);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_assert_true (vb_test_env_daemon_alive (f->env));
  /* Before the env's directory goes: a mount point cannot be removed. */
  if (f->small)
    {
      g_assert_cmpint (umount2 (f->small, MNT_DETACH), ==, 0);
      g_rmdir (f->small);
      g_free (f->small);
    }
  vb_test_env_free (f->env);
  g_free (f->disk);
}

static char *
guest_xml (Fixture *f, const char *name, const char *cmdline_extra)
{
  g_autofree char *disk = vb_test_disk_xml (f->disk, "raw", "vda");

  return vb_test_guest_xml (name, 160, cmdline_extra, disk);
}

static char *
managed_image (VbTestEnv *env, const char *uuid)
{
  g_autofree char *name = g_strdup_printf ("%s.save", uuid);
  return g_build_filename (env->state_dir, "qemu", "save", name, NULL);
}

/* The numbers of the VB-COUNTER lines in @log: the first and the last. */
static gboolean
counters (const char *log, guint64 *first, guint64 *last)
{
  g_autofree char *text = NULL;
  const char *p;

  if (!g_file_get_contents (log, &text, NULL, NULL) || !(p = strstr (text, "VB-COUNTER ")))
    return FALSE;
  *first = g_ascii_strtoull (p + strlen ("VB-COUNTER "), NULL, 10);
  for (const char *q = p; q; q = strstr (q + 1, "VB-COUNTER "))
    p = q;
  *last = g_ascii_strtoull (p + strlen ("VB-COUNTER "), NULL, 10);
  return TRUE;
}

/* Waits until the counter in @log passes @beyond. */
static guint64
wait_counter_beyond (const char *log, guint64 beyond, guint timeout_ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      guint64 now = vb_test_log_last_counter (log);

      if (now > beyond)
        return now;
      if (g_get_monotonic_time () > end)
        g_error ("%s: the counter stays at %" G_GUINT64_FORMAT
                 ", waited for more than %" G_GUINT64_FORMAT,
                 log, now, beyond);
      g_usleep (100000);
    }
}

/* Waits for a save's job to complete, reading the console meanwhile: the
 * last counter the guest printed before it stopped (the console's file goes
 * with QEMU). */
static guint64
save_completes (VbTestEnv *env, const char *job, const char *log)
{
  guint64 seen = vb_test_log_last_counter (log);

  for (;;)
    {
      g_autofree char *phase = vb_test_get_string (env, job, IFACE_JOB, "Phase");

      seen = MAX (seen, vb_test_log_last_counter (log));
      if (g_str_equal (phase, "completed") || g_str_equal (phase, "failed")
          || g_str_equal (phase, "cancelled"))
        break;
      g_usleep (20000);
    }
  vb_test_job_wait_completed (env, job, 180000);
  return seen;
}

static void
assert_state (VbTestEnv *env, const char *path, const char *state, const char *reason)
{
  g_autofree char *now = NULL;
  g_autofree char *why = NULL;

  g_assert_true (
    vb_test_wait_property (env, path, IFACE_DOMAIN, "State", g_variant_new_string (state), 30000));
  now = vb_test_get_string (env, path, IFACE_DOMAIN, "State");
  why = vb_test_get_string (env, path, IFACE_DOMAIN, "StateReason");
  g_assert_cmpstr (now, ==, state);
  if (reason)
    g_assert_cmpstr (why, ==, reason);
}

static char *
boot (Fixture *f, const char *name, gboolean persistent, char **uuid)
{
  g_autofree char *xml = guest_xml (f, name, NULL);
  char *path = vb_test_boot_guest (f->env, xml, persistent, 120000);
  g_autofree char *log = NULL;

  *uuid = vb_test_get_string (f->env, path, IFACE_DOMAIN, "UUID");
  log = vb_test_console_log (f->env, *uuid);
  g_assert_true (vb_test_log_wait (log, "VB-COUNTER 3", 30000));
  return path;
}

static guint
domain_count (VbTestEnv *env)
{
  g_autoptr (GVariant) reply =
    vb_test_call_ok (env, MANAGER, IFACE_MANAGER, "ListDomains", g_variant_new ("(u)", 0));
  g_autoptr (GVariant) list = g_variant_get_child_value (reply, 0);

  return (guint) g_variant_n_children (list);
}

/* No QEMU process of this domain is left (its run directory goes with it). */
static void
assert_qemu_gone (VbTestEnv *env, const char *uuid)
{
  g_autofree char *dir = g_build_filename (env->run_dir, "qemu", uuid, NULL);
  g_autofree char *status = vb_test_env_status_path (env, uuid);

  g_assert_false (g_file_test (status, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (dir, G_FILE_TEST_EXISTS));
}

/* After a restore: the counter goes on from @before, it did not start anew. */
static void
assert_continues (VbTestEnv *env, const char *uuid, guint64 before)
{
  g_autofree char *log = vb_test_console_log (env, uuid);
  guint64 first = 0, last = 0;

  wait_counter_beyond (log, before, 60000);
  g_assert_true (counters (log, &first, &last));
  g_assert_cmpuint (first, >=, before);
  g_assert_cmpuint (last, >, before);
  /* No boot: the guest's banner of a fresh start is not on the new console. */
  g_assert_false (vb_test_log_wait (log, READY, 0));
}

/* ---- managed save ---- */

static void
test_managed_save (Fixture *f, gconstpointer data)
{
  g_autofree char *uuid = NULL;
  g_autofree char *path = boot (f, "ms-guest", TRUE, &uuid);
  g_autofree char *log = vb_test_console_log (f->env, uuid);
  g_autofree char *image = managed_image (f->env, uuid);
  g_autofree char *job = NULL;
  g_autofree char *operation = NULL;
  g_autofree char *object = NULL;
  guint64 before;

  g_assert_false (vb_test_get_bool (f->env, path, IFACE_DOMAIN, "HasManagedSave"));
  job = vb_test_call_path (f->env, path, IFACE_DOMAIN, "ManagedSave", g_variant_new ("(u)", 0));
  operation = vb_test_get_string (f->env, job, IFACE_JOB, "Operation");
  g_assert_cmpstr (operation, ==, "managed-save");
  object = vb_test_get_string (f->env, job, IFACE_JOB, "Object");
  g_assert_cmpstr (object, ==, path);
  before = save_completes (f->env, job, log);
  {
    g_autoptr (GVariant) bytes = vb_test_get_property (f->env, job, IFACE_JOB, "BytesProcessed");
    /* The guest's memory went into it: far more than a header. */
    g_assert_cmpuint (g_variant_get_uint64 (bytes), >, 4 << 20);
  }
  g_assert_cmpuint (before, >=, 3);
  assert_state (f->env, path, "shutoff", "saved");
  g_assert_true (vb_test_get_bool (f->env, path, IFACE_DOMAIN, "HasManagedSave"));
  assert_qemu_gone (f->env, uuid);
  g_assert_true (g_file_test (image, G_FILE_TEST_IS_REGULAR));

  /* A second managed save of a stopped guest is refused. */
  vb_test_call_expect_error (f->env, path, IFACE_DOMAIN, "ManagedSave", g_variant_new ("(u)", 0),
                             ERROR_PREFIX "OperationInvalid");

  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  assert_state (f->env, path, "running", "restored");
  g_assert_false (vb_test_get_bool (f->env, path, IFACE_DOMAIN, "HasManagedSave"));
  g_assert_false (g_file_test (image, G_FILE_TEST_EXISTS));
  assert_continues (f->env, uuid, before);

  /* Saved paused, it comes back paused, and runs on from there. */
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Suspend", NULL);
  assert_state (f->env, path, "paused", NULL);
  g_free (job);
  job = vb_test_call_path (f->env, path, IFACE_DOMAIN, "ManagedSave", g_variant_new ("(u)", 0));
  before = save_completes (f->env, job, log);
  assert_state (f->env, path, "shutoff", "saved");
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  assert_state (f->env, path, "paused", NULL);
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Resume", NULL);
  assert_state (f->env, path, "running", NULL);
  assert_continues (f->env, uuid, before);
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
}

static void
test_managed_save_remove (Fixture *f, gconstpointer data)
{
  g_autofree char *uuid = NULL;
  g_autofree char *path = boot (f, "ms-remove", TRUE, &uuid);
  g_autofree char *log = vb_test_console_log (f->env, uuid);
  g_autofree char *image = managed_image (f->env, uuid);
  g_autofree char *job = NULL;
  g_autofree char *message = NULL;

  job = vb_test_call_path (f->env, path, IFACE_DOMAIN, "ManagedSave", g_variant_new ("(u)", 0));
  vb_test_job_wait_completed (f->env, job, 180000);
  g_assert_true (g_file_test (image, G_FILE_TEST_IS_REGULAR));

  /* Undefine keeps the image from being orphaned: refused without the flag. */
  message = vb_test_call_error_message (f->env, path, IFACE_DOMAIN, "Undefine",
                                        g_variant_new ("(u)", 0), ERROR_PREFIX "OperationInvalid");
  g_assert_nonnull (strstr (message, "managed save"));
  g_assert_cmpuint (domain_count (f->env), ==, 1);

  vb_test_call_void (f->env, path, IFACE_DOMAIN, "ManagedSaveRemove", g_variant_new ("(u)", 0));
  g_assert_false (vb_test_get_bool (f->env, path, IFACE_DOMAIN, "HasManagedSave"));
  g_assert_false (g_file_test (image, G_FILE_TEST_EXISTS));
  vb_test_call_expect_error (f->env, path, IFACE_DOMAIN, "ManagedSaveRemove",
                             g_variant_new ("(u)", 0), ERROR_PREFIX "OperationInvalid");

  /* Without the image, Start boots afresh: the counter starts at 1 again. */
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  assert_state (f->env, path, "running", "booted");
  g_assert_true (vb_test_log_wait (log, READY, 120000));
  g_assert_true (vb_test_log_wait (log, "VB-COUNTER 1\n", 30000)
                 || vb_test_log_wait (log, "VB-COUNTER 1\r", 0));

  /* Undefine with MANAGED_SAVE takes the image with it. */
  g_free (job);
  job = vb_test_call_path (f->env, path, IFACE_DOMAIN, "ManagedSave", g_variant_new ("(u)", 0));
  vb_test_job_wait_completed (f->env, job, 180000);
  g_assert_true (g_file_test (image, G_FILE_TEST_IS_REGULAR));
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Undefine",
                     g_variant_new ("(u)", UNDEFINE_MANAGED_SAVE));
  g_assert_false (g_file_test (image, G_FILE_TEST_EXISTS));
  g_assert_cmpuint (domain_count (f->env), ==, 0);
}

/* ---- Save and Restore ---- */

static void
test_save_restore (Fixture *f, gconstpointer data)
{
  g_autofree char *uuid = NULL;
  g_autofree char *path = boot (f, "sr-guest", FALSE, &uuid);
  g_autofree char *log = vb_test_console_log (f->env, uuid);
  g_autofree char *file = g_build_filename (f->env->tmpdir, "guest.save", NULL);
  g_autofree char *job = NULL;
  g_autofree char *object = NULL;
  guint64 before;

  /* Relative paths and contradicting flags are refused before anything. */
  vb_test_call_expect_error (f->env, path, IFACE_DOMAIN, "Save",
                             g_variant_new ("(su)", "x.save", 0), ERROR_PREFIX "InvalidArgument");
  vb_test_call_expect_error (f->env, path, IFACE_DOMAIN, "Save",
                             g_variant_new ("(su)", file, SAVE_RUNNING | SAVE_PAUSED),
                             ERROR_PREFIX "InvalidArgument");
  /* ManagedSave needs a persistent domain. */
  vb_test_call_expect_error (f->env, path, IFACE_DOMAIN, "ManagedSave", g_variant_new ("(u)", 0),
                             ERROR_PREFIX "OperationInvalid");

  job = vb_test_call_path (f->env, path, IFACE_DOMAIN, "Save", g_variant_new ("(su)", file, 0));
  before = save_completes (f->env, job, log);
  g_assert_cmpuint (before, >=, 3);
  /* A transient domain is gone once saved. */
  g_assert_cmpuint (domain_count (f->env), ==, 0);
  assert_qemu_gone (f->env, uuid);
  g_assert_true (g_file_test (file, G_FILE_TEST_IS_REGULAR));

  g_free (job);
  job =
    vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "Restore", g_variant_new ("(su)", file, 0));
  object = vb_test_get_string (f->env, job, IFACE_JOB, "Object");
  g_assert_cmpstr (object, ==, path);
  vb_test_job_wait_completed (f->env, job, 180000);
  assert_state (f->env, path, "running", "restored");
  g_assert_false (vb_test_get_bool (f->env, path, IFACE_DOMAIN, "Persistent"));
  assert_continues (f->env, uuid, before);
  /* The image stays for another restore; this one runs already. */
  g_assert_true (g_file_test (file, G_FILE_TEST_IS_REGULAR));
  /* Save never replaces a file, not even an image of the same guest: the
   * call refuses, the file and the guest stay as they were. */
  {
    g_autofree char *md5 = vb_test_file_md5 (file);
    g_autofree char *again = NULL;

    vb_test_call_expect_error_saying (f->env, path, IFACE_DOMAIN, "Save",
                                      g_variant_new ("(su)", file, 0),
                                      ERROR_PREFIX "InvalidArgument", "exists");
    again = vb_test_file_md5 (file);
    g_assert_cmpstr (md5, ==, again);
    assert_state (f->env, path, "running", "restored");
  }
  vb_test_call_expect_error (f->env, MANAGER, IFACE_MANAGER, "Restore",
                             g_variant_new ("(su)", file, 0), ERROR_PREFIX "OperationInvalid");

  /* Again from the same image, PAUSED: it waits for Resume, then continues. */
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
  g_assert_cmpuint (domain_count (f->env), ==, 0);
  g_free (job);
  job = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "Restore",
                           g_variant_new ("(su)", file, SAVE_PAUSED));
  vb_test_job_wait_completed (f->env, job, 180000);
  assert_state (f->env, path, "paused", NULL);
  g_usleep (500000);
  g_assert_cmpuint (vb_test_log_last_counter (log), ==, 0);
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Resume", NULL);
  assert_continues (f->env, uuid, before);
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
}

/* ---- a disk that fills up ---- */

static void
test_disk_full (Fixture *f, gconstpointer data)
{
  g_autofree char *uuid = NULL;
  g_autofree char *path = NULL;
  g_autofree char *log = NULL;
  g_autofree char *file = NULL;
  g_autofree char *job = NULL;
  g_autofree char *phase = NULL;
  g_autofree char *message = NULL;
  g_autoptr (GDir) dir = NULL;
  g_autoptr (VbSignalLog) signals = NULL;
  guint64 before;

  f->small = g_build_filename (f->env->tmpdir, "small", NULL);
  g_assert_cmpint (g_mkdir (f->small, 0700), ==, 0);
  if (mount ("tmpfs", f->small, "tmpfs", 0, "size=24m") < 0)
    {
      g_test_skip ("cannot mount a tmpfs (not root?)");
      g_clear_pointer (&f->small, g_free);
      return;
    }
  {
    /* 64 MiB of the guest's memory touched: the image cannot fit in 24. */
    g_autofree char *xml = guest_xml (f, "full-guest", "vb.mem_mib=64");
    path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                              g_variant_new ("(su)", xml, 0));
  }
  uuid = vb_test_get_string (f->env, path, IFACE_DOMAIN, "UUID");
  log = vb_test_console_log (f->env, uuid);
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  g_assert_true (vb_test_log_wait (log, READY, 120000));
  g_assert_true (vb_test_log_wait (log, "VB-COUNTER 3", 60000));

  file = g_build_filename (f->small, "guest.save", NULL);
  signals = vb_signal_log_new (f->env);
  job = vb_test_call_path (f->env, path, IFACE_DOMAIN, "Save", g_variant_new ("(su)", file, 0));
  phase = vb_test_job_wait_phase (f->env, job, "completed|failed|cancelled", 180000);
  g_assert_cmpstr (phase, ==, "failed");
  /* The guest stopped for the save and runs again: both told, in order. */
  g_assert_true (vb_signal_log_wait (signals, "('resumed', 'unpaused')", 10000));
  g_assert_cmpint (vb_signal_log_find (signals, "('suspended', 'paused')"), >=, 0);
  g_assert_cmpint (vb_signal_log_find (signals, "('suspended', 'paused')"), <,
                   vb_signal_log_find (signals, "('resumed', 'unpaused')"));
  message = vb_test_job_error (f->env, job);
  g_test_message ("the save failed with: %s", message);
  g_assert_nonnull (strstr (message, "No space left on device"));

  /* The guest goes on, and nothing that looks like an image is left. */
  assert_state (f->env, path, "running", NULL);
  before = vb_test_log_last_counter (log);
  wait_counter_beyond (log, before + 5, 60000);
  g_assert_false (g_file_test (file, G_FILE_TEST_EXISTS));
  dir = g_dir_open (f->small, 0, NULL);
  g_assert_nonnull (dir);
  g_assert_null (g_dir_read_name (dir));
  g_assert_false (vb_test_get_bool (f->env, path, IFACE_DOMAIN, "HasManagedSave"));

  /* The same guest saves fine where there is room. */
  g_free (file);
  file = g_build_filename (f->env->tmpdir, "roomy.save", NULL);
  g_free (job);
  job = vb_test_call_path (f->env, path, IFACE_DOMAIN, "Save", g_variant_new ("(su)", file, 0));
  before = save_completes (f->env, job, log);
  assert_state (f->env, path, "shutoff", "saved");

  /* Restore of a persistent domain: the same domain gets its guest back. */
  g_free (job);
  job =
    vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "Restore", g_variant_new ("(su)", file, 0));
  vb_test_job_wait_completed (f->env, job, 180000);
  assert_state (f->env, path, "running", "restored");
  g_assert_true (vb_test_get_bool (f->env, path, IFACE_DOMAIN, "Persistent"));
  g_assert_cmpuint (domain_count (f->env), ==, 1);
  assert_continues (f->env, uuid, before);
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
}

/* ---- cancel ---- */

static void
test_cancel (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = guest_xml (f, "cancel-guest", "vb.mem_mib=64");
  g_autofree char *path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                                             g_variant_new ("(su)", xml, 0));
  g_autofree char *uuid = vb_test_get_string (f->env, path, IFACE_DOMAIN, "UUID");
  g_autofree char *log = vb_test_console_log (f->env, uuid);
  g_autofree char *image = managed_image (f->env, uuid);
  g_autofree char *job = NULL;
  g_autofree char *phase = NULL;
  g_autofree char *save_dir = NULL;
  g_autoptr (GDir) dir = NULL;

  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  g_assert_true (vb_test_log_wait (log, READY, 120000));
  g_assert_true (vb_test_log_wait (log, "VB-COUNTER 3", 60000));
  job = vb_test_call_path (f->env, path, IFACE_DOMAIN, "ManagedSave", g_variant_new ("(u)", 0));
  /* At once, while the job sets up or streams the 64 MiB the guest touched. */
  vb_test_call_void (f->env, job, IFACE_JOB, "Cancel", NULL);
  phase = vb_test_job_wait_phase (f->env, job, "completed|failed|cancelled", 180000);
  g_assert_cmpstr (phase, ==, "cancelled");
  assert_state (f->env, path, "running", NULL);
  {
    /* save-canceled when QEMU was stopped and resumed; the boot's reason
     * when the cancel came while the job was still setting up. */
    g_autofree char *reason = vb_test_get_string (f->env, path, IFACE_DOMAIN, "StateReason");
    g_test_message ("cancelled with reason %s", reason);
    g_assert_true (g_str_equal (reason, "save-canceled") || g_str_equal (reason, "booted"));
  }
  wait_counter_beyond (log, vb_test_log_last_counter (log) + 5, 60000);
  g_assert_false (vb_test_get_bool (f->env, path, IFACE_DOMAIN, "HasManagedSave"));
  g_assert_false (g_file_test (image, G_FILE_TEST_EXISTS));
  save_dir = g_path_get_dirname (image);
  dir = g_dir_open (save_dir, 0, NULL);
  g_assert_true (dir == NULL || g_dir_read_name (dir) == NULL);
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
}

/* ---- images that are not whole ---- */

static void
write_header (const char *file, const char *magic, guint32 version, guint32 flags, const char *xml,
              guint64 stream_length, gsize stream_bytes)
{
  gsize xml_length = strlen (xml);
  gsize offset = (40 + xml_length + 4095) / 4096 * 4096;
  g_autofree guint8 *data = g_malloc0 (offset + stream_bytes);
  guint32 u32;
  guint64 u64;

  memcpy (data, magic, 8);
  u32 = GUINT32_TO_LE (version);
  memcpy (data + 8, &u32, 4);
  u32 = GUINT32_TO_LE (flags);
  memcpy (data + 12, &u32, 4);
  u32 = GUINT32_TO_LE ((guint32) xml_length);
  memcpy (data + 16, &u32, 4);
  u64 = GUINT64_TO_LE ((guint64) offset);
  memcpy (data + 24, &u64, 8);
  u64 = GUINT64_TO_LE (stream_length);
  memcpy (data + 32, &u64, 8);
  memcpy (data + 40, xml, xml_length);
  g_assert_true (
    g_file_set_contents (file, (const char *) data, (gssize) (offset + stream_bytes), NULL));
}

static void
expect_refused (Fixture *f, const char *file, const char *error_name, const char *words)
{
  g_autofree char *full_name = g_strconcat (ERROR_PREFIX, error_name, NULL);
  g_autofree char *message =
    vb_test_call_error_message (f->env, MANAGER, IFACE_MANAGER, "Restore",
                                g_variant_new ("(su)", file, 0), full_name);

  g_test_message ("%s: %s: %s", file, error_name, message);
  if (!strstr (message, words))
    g_error ("restoring %s: '%s' does not say '%s'", file, message, words);
  /* Nothing started, nothing left defined. */
  g_assert_cmpuint (domain_count (f->env), ==, 0);
}

static void
test_bad_images (Fixture *f, gconstpointer data)
{
  g_autofree char *uuid = NULL;
  g_autofree char *path = boot (f, "bad-guest", FALSE, &uuid);
  g_autofree char *good = g_build_filename (f->env->tmpdir, "good.save", NULL);
  g_autofree char *bad = g_build_filename (f->env->tmpdir, "bad.save", NULL);
  g_autofree char *job = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *xml = guest_xml (f, "bad-guest", NULL);
  gsize length;

  job = vb_test_call_path (f->env, path, IFACE_DOMAIN, "Save", g_variant_new ("(su)", good, 0));
  vb_test_job_wait_completed (f->env, job, 180000);
  g_assert_cmpuint (domain_count (f->env), ==, 0);
  g_assert_true (g_file_get_contents (good, &contents, &length, NULL));
  g_assert_cmpuint (length, >, 8 << 20);

  /* Truncated in the stream. */
  g_assert_true (g_file_set_contents (bad, contents, (gssize) (length / 2), NULL));
  expect_refused (f, bad, "InvalidArgument", "truncated");
  /* Truncated in the header. */
  g_assert_true (g_file_set_contents (bad, contents, 100, NULL));
  expect_refused (f, bad, "InvalidArgument", "truncated");
  /* Not marked complete: the save that wrote it did not finish. */
  contents[12] &= ~1;
  g_assert_true (g_file_set_contents (bad, contents, (gssize) length, NULL));
  expect_refused (f, bad, "InvalidArgument", "not marked complete");
  contents[12] |= 1;
  /* Foreign files. */
  g_assert_true (g_file_set_contents (bad, "", 0, NULL));
  expect_refused (f, bad, "InvalidArgument", "Not a virtbus save image");
  {
    guint8 noise[65536];
    for (guint i = 0; i < sizeof noise; i++)
      noise[i] = (guint8) g_random_int ();
    g_assert_true (g_file_set_contents (bad, (const char *) noise, sizeof noise, NULL));
  }
  expect_refused (f, bad, "InvalidArgument", "Not a virtbus save image");
  /* The right magic, a version from the future. */
  write_header (bad, "VBSAVIMG", 99, 1, xml, 4096, 4096);
  expect_refused (f, bad, "InvalidArgument", "Unsupported save image version 99");
  /* Whole, yet its XML is no domain. */
  write_header (bad, "VBSAVIMG", 1, 1, "<domain type='qemu'><name>x</name>", 4096, 4096);
  expect_refused (f, bad, "InvalidArgument", "domain XML in the save image is invalid");
  /* Missing, relative. */
  expect_refused (f, "/nonexistent/x.save", "NotFound", "No such file");
  expect_refused (f, "relative.save", "InvalidArgument", "absolute");

  /* And the good one still comes back. */
  g_free (job);
  job =
    vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "Restore", g_variant_new ("(su)", good, 0));
  vb_test_job_wait_completed (f->env, job, 180000);
  assert_state (f->env, path, "running", "restored");
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
}

/* ---- virtbusd --save-on-stop ---- */

static void
test_save_on_stop (Fixture *f, gconstpointer data)
{
  const char *args[] = { "--save-on-stop", NULL };
  g_autofree char *uuid = NULL;
  g_autofree char *path = NULL;
  g_autofree char *log = NULL;
  g_autofree char *image = NULL;
  g_autofree char *marker = NULL;
  guint64 before;

  vb_test_env_start_daemon (f->env, args);
  path = boot (f, "stop-guest", TRUE, &uuid);
  log = vb_test_console_log (f->env, uuid);
  image = managed_image (f->env, uuid);
  marker = g_strconcat (image, ".autosave", NULL);
  wait_counter_beyond (log, 5, 30000);

  before = vb_test_log_last_counter (log);
  vb_test_env_stop_daemon (f->env, FALSE);
  g_assert_true (g_file_test (image, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (marker, G_FILE_TEST_IS_REGULAR));
  assert_qemu_gone (f->env, uuid);

  vb_test_env_start_daemon (f->env, args);
  assert_state (f->env, path, "running", "restored");
  assert_continues (f->env, uuid, before);
  /* The start was the service's own: wait for its end, the image's removal. */
  g_assert_true (vb_test_wait_property (f->env, path, IFACE_DOMAIN, "HasManagedSave",
                                        g_variant_new_boolean (FALSE), 30000));
  g_assert_false (g_file_test (image, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (marker, G_FILE_TEST_EXISTS));
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
}

/* ---- through org.libvirt: Save, DomainRestore and the domain's job ---- */

#define LV_DOMAIN "org.libvirt.Domain"

static GVariant *
lv_call (VbTestEnv *env, const char *path, const char *iface, const char *method, GVariant *args,
         GError **error)
{
  return g_dbus_connection_call_sync (env->client, "org.libvirt", path, iface, method, args, NULL,
                                      G_DBUS_CALL_FLAGS_NONE, 180000, NULL, error);
}

static GVariant *
lv_ok (VbTestEnv *env, const char *path, const char *iface, const char *method, GVariant *args)
{
  g_autoptr (GError) error = NULL;
  GVariant *reply = lv_call (env, path, iface, method, args, &error);

  if (error)
    {
      g_autofree char *log = vb_test_env_daemon_log (env);

      g_error ("%s: %s\nvirtbusd log:\n%s", method, error->message, log);
    }
  return reply;
}

static int
lv_job_type (VbTestEnv *env, const char *path)
{
  g_autoptr (GVariant) info = lv_ok (env, path, LV_DOMAIN, "GetJobInfo", NULL);
  int type;

  g_variant_get_child (info, 0, "(ittttttttttt)", &type, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
                       NULL, NULL, NULL, NULL);
  return type;
}

/* GetJobStats(@flags): the type, and the typed parameter @key (unwrapped twice). */
static int
lv_job_stat (VbTestEnv *env, const char *path, guint flags, const char *key, GVariant **value)
{
  g_autoptr (GVariant) reply =
    lv_ok (env, path, LV_DOMAIN, "GetJobStats", g_variant_new ("(u)", flags));
  g_autoptr (GVariant) stats = NULL;
  g_autoptr (GVariant) outer = NULL;
  int type;

  g_variant_get (reply, "((i@a{sv}))", &type, &stats);
  outer = g_variant_lookup_value (stats, key, G_VARIANT_TYPE_VARIANT);
  *value = outer ? g_variant_get_variant (outer) : NULL;
  return type;
}

static void
got_reply (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GError **error = user_data;
  g_autoptr (GVariant) reply =
    g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result, error);

  if (reply)
    g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_EXISTS, "the save was not aborted");
}

static void
test_libvirt (Fixture *f, gconstpointer data)
{
  g_autofree char *xml = guest_xml (f, "lv-save-guest", "vb.mem_mib=64");
  g_autofree char *path = vb_test_boot_guest (f->env, xml, TRUE, 120000);
  g_autofree char *uuid = vb_test_get_string (f->env, path, IFACE_DOMAIN, "UUID");
  g_autofree char *log = vb_test_console_log (f->env, uuid);
  g_autofree char *aborted = g_build_filename (f->env->tmpdir, "aborted.save", NULL);
  g_autofree char *file = g_build_filename (f->env->tmpdir, "lv.save", NULL);
  g_autofree char *lv_path = NULL;
  g_autoptr (GVariant) reply = NULL;
  g_autoptr (GVariant) value = NULL;
  GError *save_error = NULL;
  gboolean seen = FALSE;
  gint64 save_began;
  guint64 save_ms, elapsed;
  int state, reason;

  g_assert_true (vb_test_log_wait (log, "VB-COUNTER 3", 60000));
  lv_path = g_strdup_printf ("/org/libvirt/QEMU/domain/_%s", uuid);
  g_strdelimit (lv_path + strlen ("/org/libvirt/QEMU/domain/_"), "-", '_');
  g_assert_cmpint (lv_job_type (f->env, lv_path), ==, 0);

  /* A save in progress is the domain's job; AbortJob cancels it and the
   * Save call fails. */
  g_dbus_connection_call (f->env->client, "org.libvirt", lv_path, LV_DOMAIN, "Save",
                          g_variant_new ("(ssu)", aborted, "", 0), NULL, G_DBUS_CALL_FLAGS_NONE,
                          180000, NULL, got_reply, &save_error);
  while (!save_error && !seen)
    {
      g_main_context_iteration (NULL, FALSE);
      if (lv_job_type (f->env, lv_path) == 2) /* VIR_DOMAIN_JOB_UNBOUNDED */
        {
          guint control, details;
          guint64 since;

          seen = TRUE;
          reply = lv_ok (f->env, lv_path, LV_DOMAIN, "GetControlInfo", g_variant_new ("(u)", 0));
          g_variant_get (reply, "((uut))", &control, &details, &since);
          g_assert_cmpuint (control, ==, 1); /* VIR_DOMAIN_CONTROL_JOB */
          g_assert_cmpint (lv_job_stat (f->env, lv_path, 0, "operation", &value), ==, 2);
          g_assert_cmpint (g_variant_get_int32 (value), ==, 2); /* OPERATION_SAVE */
          g_clear_pointer (&value, g_variant_unref);
          /* The ms since the job started, in the stats as in the control info. */
          g_assert_cmpint (lv_job_stat (f->env, lv_path, 0, "time_elapsed", &value), ==, 2);
          g_assert_nonnull (value);
          g_assert_cmpuint (g_variant_get_uint64 (value), >=, since);
          g_clear_pointer (&value, g_variant_unref);
          g_clear_pointer (&reply, g_variant_unref);
          reply = lv_ok (f->env, lv_path, LV_DOMAIN, "AbortJob", NULL);
        }
    }
  g_assert_true (seen);
  while (!save_error)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (g_dbus_error_is_remote_error (save_error));
  g_assert_nonnull (strstr (save_error->message, "operation failed: "));
  g_clear_error (&save_error);
  assert_state (f->env, path, "running", NULL);
  g_assert_cmpint (lv_job_stat (f->env, lv_path, 1, "success", &value), ==, 5); /* CANCELLED */
  g_assert_false (g_variant_get_boolean (value));
  g_clear_pointer (&value, g_variant_unref);

  /* Save returns when the image is written: the guest is off. */
  g_clear_pointer (&reply, g_variant_unref);
  save_began = g_get_monotonic_time ();
  reply = lv_ok (f->env, lv_path, LV_DOMAIN, "Save", g_variant_new ("(ssu)", file, "", 0));
  save_ms = (guint64) (g_get_monotonic_time () - save_began) / 1000;
  g_assert_true (g_file_test (file, G_FILE_TEST_IS_REGULAR));
  g_clear_pointer (&reply, g_variant_unref);
  reply = lv_ok (f->env, lv_path, LV_DOMAIN, "GetState", g_variant_new ("(u)", 0));
  g_variant_get (reply, "((ii))", &state, &reason);
  g_assert_cmpint (state, ==, 5);  /* shut off, */
  g_assert_cmpint (reason, ==, 5); /* VIR_DOMAIN_SHUTOFF_SAVED */
  g_assert_cmpint (lv_job_stat (f->env, lv_path, 1, "success", &value), ==, 3); /* COMPLETED */
  g_assert_true (g_variant_get_boolean (value));
  g_clear_pointer (&value, g_variant_unref);
  /* The finished job's whole duration, as libvirt's completed stats: within
   * the time the Save call took, and standing still once it has ended. */
  g_assert_cmpint (lv_job_stat (f->env, lv_path, 1, "time_elapsed", &value), ==, 3);
  g_assert_nonnull (value);
  elapsed = g_variant_get_uint64 (value);
  g_assert_cmpuint (elapsed, >, 0);
  g_assert_cmpuint (elapsed, <=, save_ms);
  g_clear_pointer (&value, g_variant_unref);
  g_usleep (50 * 1000);
  g_assert_cmpint (lv_job_stat (f->env, lv_path, 1, "time_elapsed", &value), ==, 3);
  g_assert_cmpuint (g_variant_get_uint64 (value), ==, elapsed);
  g_clear_pointer (&value, g_variant_unref);

  /* The test driver's Connect does not restore a QEMU guest. */
  {
    g_autoptr (GError) error = NULL;
    g_autoptr (GVariant) refused =
      lv_call (f->env, "/org/libvirt/Test", "org.libvirt.Connect", "DomainRestore",
               g_variant_new ("(ssu)", file, "", 0), &error);

    g_assert_null (refused);
    g_dbus_error_strip_remote_error (error);
    g_assert_cmpstr (error->message, ==,
                     "invalid argument: the image holds a domain that /org/libvirt/Test does "
                     "not run");
    g_assert_true (g_file_test (file, G_FILE_TEST_IS_REGULAR));
  }

  /* DomainRestore returns when the guest runs again, where it was. */
  {
    guint64 before = vb_test_log_last_counter (log);

    g_clear_pointer (&reply, g_variant_unref);
    reply = lv_ok (f->env, "/org/libvirt/QEMU", "org.libvirt.Connect", "DomainRestore",
                   g_variant_new ("(ssu)", file, "", 0));
    g_clear_pointer (&reply, g_variant_unref);
    reply = lv_ok (f->env, lv_path, LV_DOMAIN, "GetState", g_variant_new ("(u)", 0));
    g_variant_get (reply, "((ii))", &state, &reason);
    g_assert_cmpint (state, ==, 1);
    g_assert_cmpint (lv_job_stat (f->env, lv_path, 1, "operation", &value), ==, 3);
    g_assert_cmpint (g_variant_get_int32 (value), ==, 3); /* OPERATION_RESTORE */
    g_clear_pointer (&value, g_variant_unref);
    assert_continues (f->env, uuid, before);
  }
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
}

/* ---- a vCPU plugged in before the save ---- */

/* The live XML's <vcpus> says vCPU 1 came by hotplug, after vCPU 0. */
#define PLUGGED_VCPU "<vcpu id='1' enabled='yes' hotpluggable='yes' order='2'/>"

/* A guest that got its second vCPU while it ran comes back from a managed
 * save and from Save and Restore, and runs on with both online: the QEMU
 * that loads the state has that vCPU where the saved one had it (a device
 * of its own, not one of -smp's), or the state would not fit. */
static void
test_plugged_vcpu (Fixture *f, gconstpointer data)
{
  g_autofree char *plain = guest_xml (f, "vcpu-guest", NULL);
  g_autofree char *xml = vb_test_guest_xml_with_spare_vcpu (plain);
  g_autofree char *path = vb_test_boot_guest (f->env, xml, TRUE, 120000);
  g_autofree char *uuid = vb_test_get_string (f->env, path, IFACE_DOMAIN, "UUID");
  g_autofree char *log = vb_test_console_log (f->env, uuid);
  g_autofree char *file = g_build_filename (f->env->tmpdir, "vcpu.save", NULL);
  g_autofree char *job = NULL;
  g_autofree char *live = NULL;
  g_autofree char *online = NULL;
  guint64 before;

  g_assert_true (vb_test_log_wait (log, "VB-COUNTER 3", 30000));
  vb_test_guest_plug_vcpu (f->env, path);
  live = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 0);
  g_assert_nonnull (strstr (live, PLUGGED_VCPU));

  job = vb_test_call_path (f->env, path, IFACE_DOMAIN, "ManagedSave", g_variant_new ("(u)", 0));
  before = save_completes (f->env, job, log);
  assert_state (f->env, path, "shutoff", "saved");
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0));
  assert_state (f->env, path, "running", "restored");
  assert_continues (f->env, uuid, before);
  online = vb_test_guest_cpus_online (f->env, path);
  g_assert_cmpstr (online, ==, "0-1");
  g_free (live);
  live = vb_test_get_xml (f->env, path, IFACE_DOMAIN, 0);
  g_assert_nonnull (strstr (live, PLUGGED_VCPU));

  g_free (job);
  job = vb_test_call_path (f->env, path, IFACE_DOMAIN, "Save", g_variant_new ("(su)", file, 0));
  before = save_completes (f->env, job, log);
  assert_state (f->env, path, "shutoff", "saved");
  g_free (job);
  job =
    vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "Restore", g_variant_new ("(su)", file, 0));
  vb_test_job_wait_completed (f->env, job, 180000);
  assert_state (f->env, path, "running", "restored");
  assert_continues (f->env, uuid, before);
  g_free (online);
  online = vb_test_guest_cpus_online (f->env, path);
  g_assert_cmpstr (online, ==, "0-1");
  vb_test_call_void (f->env, path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(name, func, data) \
  g_test_add (name, Fixture, data, fixture_set_up, func, fixture_tear_down)
  ADD ("/save/managed", test_managed_save, NULL);
  ADD ("/save/managed-remove", test_managed_save_remove, NULL);
  ADD ("/save/save-restore", test_save_restore, NULL);
  ADD ("/save/plugged-vcpu", test_plugged_vcpu, NULL);
  ADD ("/save/disk-full", test_disk_full, NULL);
  ADD ("/save/bad-images", test_bad_images, NULL);
  ADD ("/save/cancel", test_cancel, NULL);
  ADD ("/save/save-on-stop", test_save_on_stop, "no daemon");
  ADD ("/save/libvirt", test_libvirt, "libvirt");
  return g_test_run ();
}
