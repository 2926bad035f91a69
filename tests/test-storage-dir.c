/* A client's story with a dir pool: real files in the test's directory,
 * volumes made, copied, resized, wiped, streamed through fds and deleted,
 * names that try to leave the pool refused, files changed by hand found by
 * Refresh, and all of it back after the service restarts. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <gio/gunixfdlist.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vb-test-env.h"

#define MiB (G_GUINT64_CONSTANT (1) << 20)
#define JOB_TIMEOUT_MS 30000

typedef struct {
  VbTestEnv *env;
  char *dir;  /* the pool's directory */
  char *pool; /* its object path, once defined */
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  vb_test_env_start_daemon (f->env, NULL);
  f->dir = g_build_filename (f->env->tmpdir, "images", NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_assert_true (vb_test_env_daemon_alive (f->env));
  g_free (f->dir);
  g_free (f->pool);
  vb_test_env_free (f->env);
}

static char *
in_pool (Fixture *f, const char *name)
{
  return g_build_filename (f->dir, name, NULL);
}

/* Defines, builds and starts the dir pool "images" on f->dir. */
static void
define_pool (Fixture *f, gboolean build_and_start)
{
  g_autofree char *xml = g_strdup_printf ("<pool type='dir'>\n  <name>images</name>\n"
                                          "  <target>\n    <path>%s</path>\n  </target>\n"
                                          "</pool>\n",
                                          f->dir);

  f->pool = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineStoragePool",
                               g_variant_new ("(su)", xml, 0));
  if (!build_and_start)
    return;
  vb_test_call_void (f->env, f->pool, IFACE_POOL, "Build", g_variant_new ("(u)", 0));
  vb_test_call_void (f->env, f->pool, IFACE_POOL, "Start", g_variant_new ("(u)", 0));
}

static char *
create_volume (Fixture *f, const char *name, const char *format, guint64 bytes)
{
  g_autofree char *xml = g_strdup_printf ("<volume>\n  <name>%s</name>\n"
                                          "  <capacity unit='bytes'>%" G_GUINT64_FORMAT
                                          "</capacity>\n"
                                          "  <target>\n    <format type='%s'/>\n  </target>\n"
                                          "</volume>\n",
                                          name, bytes, format);

  return vb_test_call_path (f->env, f->pool, IFACE_POOL, "CreateVolume",
                            g_variant_new ("(su)", xml, 0));
}

static char *
volume_xml (const char *name, const char *format, guint64 bytes)
{
  return g_strdup_printf ("<volume>\n  <name>%s</name>\n"
                          "  <capacity unit='bytes'>%" G_GUINT64_FORMAT "</capacity>\n"
                          "  <target>\n    <format type='%s'/>\n  </target>\n</volume>\n",
                          name, bytes, format);
}

static guint64
file_size (const char *path)
{
  struct stat st;

  g_assert_cmpint (stat (path, &st), ==, 0);
  return (guint64) st.st_size;
}

/* What qemu-img says the virtual size of @path is. */
static guint64
qemu_img_size (const char *path, const char *format)
{
  g_autofree char *out = NULL;
  const char *argv[] = { "qemu-img", "info", "-U", "--output=json", "-f", format, path, NULL };
  int status;
  const char *size;

  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
                               NULL, &status, NULL));
  g_assert_cmpint (status, ==, 0);
  size = strstr (out, "\"virtual-size\":");
  g_assert_nonnull (size);
  return g_ascii_strtoull (size + strlen ("\"virtual-size\":"), NULL, 10);
}

static gboolean
all_zero (const char *path)
{
  g_autofree char *data = NULL;
  gsize len;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  for (gsize i = 0; i < len; i++)
    if (data[i])
      return FALSE;
  return TRUE;
}

/* Calls Upload or Download with @fd, returns the job's path. */
static char *
transfer (Fixture *f, const char *volume, const char *method, int fd, guint64 offset,
          guint64 length)
{
  g_autoptr (GUnixFDList) fds = g_unix_fd_list_new ();
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = NULL;
  int index = g_unix_fd_list_append (fds, fd, &error);
  char *job = NULL;

  g_assert_no_error (error);
  reply = g_dbus_connection_call_with_unix_fd_list_sync (
    f->env->client, "org.virtbus.Virt1", volume, IFACE_VOLUME, method,
    g_variant_new ("(htt" "u)", index, offset, length, 0), G_VARIANT_TYPE ("(o)"),
    G_DBUS_CALL_FLAGS_NONE, -1, fds, NULL, NULL, &error);
  g_assert_no_error (error);
  g_variant_get (reply, "(o)", &job);
  return job;
}

static void
wait_job (Fixture *f, const char *job, const char *phase)
{
  if (!vb_test_wait_property (f->env, job, IFACE_JOB, "Phase", g_variant_new_string (phase),
                              JOB_TIMEOUT_MS))
    {
      g_autofree char *now = vb_test_get_string (f->env, job, IFACE_JOB, "Phase");
      g_autofree char *log = vb_test_env_daemon_log (f->env);
      g_error ("job %s is %s, not %s; daemon log:\n%s", job, now, phase, log);
    }
}

typedef struct {
  int fd;
  const guint8 *data;
  gsize len;
  gboolean close_after;
} Writer;

static gpointer
write_all (gpointer user_data)
{
  Writer *w = user_data;

  for (gsize off = 0; off < w->len;)
    {
      ssize_t n = write (w->fd, w->data + off, w->len - off);
      if (n <= 0)
        break;
      off += (gsize) n;
    }
  if (w->close_after)
    close (w->fd);
  return NULL;
}

static GBytes *
random_bytes (gsize len)
{
  guint32 *data = g_malloc (len);

  for (gsize i = 0; i < len / 4; i++)
    data[i] = g_random_int ();
  return g_bytes_new_take (data, len);
}

/* ---- the stories ---- */

static void
test_pool_lifecycle (Fixture *f, gconstpointer data)
{
  guint64 capacity, available;

  define_pool (f, FALSE);
  /* Nothing on disk yet: starting says to build. */
  vb_test_call_expect_error (f->env, f->pool, IFACE_POOL, "Start", g_variant_new ("(u)", 0),
                             ERROR_PREFIX "OperationInvalid");
  vb_test_call_void (f->env, f->pool, IFACE_POOL, "Build", g_variant_new ("(u)", 0));
  g_assert_true (g_file_test (f->dir, G_FILE_TEST_IS_DIR));
  vb_test_call_void (f->env, f->pool, IFACE_POOL, "Start", g_variant_new ("(u)", 0));
  g_assert_true (vb_test_wait_property (f->env, f->pool, IFACE_POOL, "Active",
                                        g_variant_new_boolean (TRUE), 5000));
  capacity = vb_test_get_u64 (f->env, f->pool, IFACE_POOL, "Capacity");
  available = vb_test_get_u64 (f->env, f->pool, IFACE_POOL, "Available");
  g_assert_cmpuint (capacity, >, 0);
  g_assert_cmpuint (available, >, 0);
  g_assert_cmpuint (available, <=, capacity);
  g_assert_cmpuint (vb_test_get_u64 (f->env, f->pool, IFACE_POOL, "Allocation"), <=, capacity);
  /* The XML carries them too, as libvirt's does (Cockpit's pool parser
   * reads them there); the persistent configuration holds none. */
  {
    g_autofree char *xml = vb_test_get_xml (f->env, f->pool, IFACE_POOL, 0);
    g_autofree char *inactive = vb_test_get_xml (f->env, f->pool, IFACE_POOL, 1);
    g_autofree char *expected =
      g_strdup_printf ("<capacity unit='bytes'>%" G_GUINT64_FORMAT "</capacity>", capacity);

    g_assert_nonnull (strstr (xml, expected));
    g_assert_nonnull (strstr (xml, "<allocation unit='bytes'>"));
    g_assert_nonnull (strstr (xml, "<available unit='bytes'>"));
    g_assert_nonnull (strstr (inactive, "<capacity unit='bytes'>0</capacity>"));
  }

  /* Build and Delete want an inactive pool. */
  vb_test_call_expect_error (f->env, f->pool, IFACE_POOL, "Delete", g_variant_new ("(u)", 0),
                             ERROR_PREFIX "OperationInvalid");
  vb_test_call_expect_error (f->env, f->pool, IFACE_POOL, "Build", g_variant_new ("(u)", 1),
                             ERROR_PREFIX "InvalidArgument");
  vb_test_call_void (f->env, f->pool, IFACE_POOL, "Stop", g_variant_new ("(u)", 0));
  g_assert_cmpuint (vb_test_get_u64 (f->env, f->pool, IFACE_POOL, "Capacity"), ==, 0);
  {
    g_autofree char *xml = vb_test_get_xml (f->env, f->pool, IFACE_POOL, 0);

    g_assert_nonnull (strstr (xml, "<available unit='bytes'>0</available>"));
  }

  /* A directory with files in it is not deleted. */
  {
    g_autofree char *stray = in_pool (f, "stray");
    g_assert_true (g_file_set_contents (stray, "x", 1, NULL));
    vb_test_call_expect_error (f->env, f->pool, IFACE_POOL, "Delete", g_variant_new ("(u)", 0),
                               ERROR_PREFIX "OperationInvalid");
    g_assert_true (g_file_test (stray, G_FILE_TEST_EXISTS));
    g_unlink (stray);
  }
  vb_test_call_void (f->env, f->pool, IFACE_POOL, "Delete", g_variant_new ("(u)", 0));
  g_assert_false (g_file_test (f->dir, G_FILE_TEST_EXISTS));
  vb_test_call_void (f->env, f->pool, IFACE_POOL, "Undefine", g_variant_new ("(u)", 0));
}

static void
test_volumes (Fixture *f, gconstpointer data)
{
  g_autofree char *raw = NULL;
  g_autofree char *qcow = NULL;
  g_autofree char *raw_file = in_pool (f, "disk.img");
  g_autofree char *qcow_file = in_pool (f, "disk.qcow2");
  g_autofree char *format = NULL;
  g_autofree char *path = NULL;
  g_autofree char *xml = NULL;

  define_pool (f, TRUE);
  raw = create_volume (f, "disk.img", "raw", 4 * MiB);
  qcow = create_volume (f, "disk.qcow2", "qcow2", 16 * MiB);

  /* Real files, and properties that say what they are. */
  g_assert_cmpuint (file_size (raw_file), ==, 4 * MiB);
  g_assert_cmpuint (qemu_img_size (qcow_file, "qcow2"), ==, 16 * MiB);
  format = vb_test_get_string (f->env, qcow, IFACE_VOLUME, "Format");
  g_assert_cmpstr (format, ==, "qcow2");
  path = vb_test_get_string (f->env, raw, IFACE_VOLUME, "Path");
  g_assert_cmpstr (path, ==, raw_file);
  g_assert_cmpuint (vb_test_get_u64 (f->env, raw, IFACE_VOLUME, "Capacity"), ==, 4 * MiB);
  g_assert_cmpuint (vb_test_get_u64 (f->env, qcow, IFACE_VOLUME, "Capacity"), ==, 16 * MiB);
  g_assert_cmpuint (vb_test_get_u64 (f->env, qcow, IFACE_VOLUME, "Allocation"), <, 4 * MiB);
  {
    g_autoptr (GVariant) reply = vb_test_call_ok (f->env, raw, IFACE_VOLUME, "GetXMLDesc",
                                                  g_variant_new ("(u)", 0));
    const char *text;
    g_variant_get (reply, "(&s)", &text);
    g_assert_nonnull (strstr (text, raw_file));
  }
  /* The name is taken. */
  xml = volume_xml ("disk.img", "raw", MiB);
  vb_test_call_expect_error (f->env, f->pool, IFACE_POOL, "CreateVolume",
                             g_variant_new ("(su)", xml, 0), ERROR_PREFIX "OperationInvalid");

  /* Some data in the raw volume, then clones of it in both formats. */
  {
    g_autofree char *pattern = g_strnfill (MiB, 'v');
    int fd = open (raw_file, O_WRONLY);
    g_assert_cmpint (pwrite (fd, pattern, MiB, MiB), ==, (ssize_t) MiB);
    close (fd);
  }
  {
    g_autofree char *clone_xml = volume_xml ("copy.img", "raw", MiB);
    g_autofree char *qcow_xml = volume_xml ("copy.qcow2", "qcow2", 0);
    g_autofree char *back_xml = volume_xml ("back.img", "raw", 0);
    g_autofree char *copy = vb_test_call_path (f->env, f->pool, IFACE_POOL, "CloneVolume",
                                               g_variant_new ("(sou)", clone_xml, raw, 0));
    g_autofree char *copy_q = vb_test_call_path (f->env, f->pool, IFACE_POOL, "CloneVolume",
                                                 g_variant_new ("(sou)", qcow_xml, raw, 0));
    g_autofree char *back = NULL;
    g_autofree char *a = NULL, *b = NULL, *c = NULL;
    g_autofree char *copy_file = in_pool (f, "copy.img");
    g_autofree char *back_file = in_pool (f, "back.img");
    gsize la, lb, lc;

    /* The clone holds the source's data, at least the source's size. */
    g_assert_cmpuint (vb_test_get_u64 (f->env, copy, IFACE_VOLUME, "Capacity"), ==, 4 * MiB);
    g_assert_cmpuint (vb_test_get_u64 (f->env, copy_q, IFACE_VOLUME, "Capacity"), ==, 4 * MiB);
    g_assert_true (g_file_get_contents (raw_file, &a, &la, NULL));
    g_assert_true (g_file_get_contents (copy_file, &b, &lb, NULL));
    g_assert_cmpmem (a, la, b, lb);
    /* qcow2 and back: the guest's bytes survive the round trip. */
    back = vb_test_call_path (f->env, f->pool, IFACE_POOL, "CloneVolume",
                              g_variant_new ("(sou)", back_xml, copy_q, 0));
    g_assert_true (g_file_get_contents (back_file, &c, &lc, NULL));
    g_assert_cmpmem (a, la, c, lc);
    /* A source that is no volume of this pool. */
    vb_test_call_expect_error (f->env, f->pool, IFACE_POOL, "CloneVolume",
                               g_variant_new ("(sou)", clone_xml, "/org/virtbus/Virt1/nothing", 0),
                               ERROR_PREFIX "NotFound");
  }

  /* Resize: bigger, then smaller only with SHRINK. */
  vb_test_call_void (f->env, raw, IFACE_VOLUME, "Resize", g_variant_new ("(tu)", 8 * MiB, 0));
  g_assert_cmpuint (file_size (raw_file), ==, 8 * MiB);
  g_assert_cmpuint (vb_test_get_u64 (f->env, raw, IFACE_VOLUME, "Capacity"), ==, 8 * MiB);
  vb_test_call_void (f->env, qcow, IFACE_VOLUME, "Resize", g_variant_new ("(tu)", 32 * MiB, 0));
  g_assert_cmpuint (qemu_img_size (qcow_file, "qcow2"), ==, 32 * MiB);
  g_assert_cmpuint (vb_test_get_u64 (f->env, qcow, IFACE_VOLUME, "Capacity"), ==, 32 * MiB);
  vb_test_call_expect_error (f->env, raw, IFACE_VOLUME, "Resize",
                             g_variant_new ("(tu)", 2 * MiB, 0), ERROR_PREFIX "InvalidArgument");
  vb_test_call_expect_error (f->env, raw, IFACE_VOLUME, "Resize",
                             g_variant_new ("(tu)", 2 * MiB, 1), ERROR_PREFIX "InvalidArgument");
  vb_test_call_void (f->env, raw, IFACE_VOLUME, "Resize", g_variant_new ("(tu)", 6 * MiB, 4));
  g_assert_cmpuint (file_size (raw_file), ==, 6 * MiB);
  vb_test_call_void (f->env, qcow, IFACE_VOLUME, "Resize", g_variant_new ("(tu)", 24 * MiB, 4));
  g_assert_cmpuint (vb_test_get_u64 (f->env, qcow, IFACE_VOLUME, "Capacity"), ==, 24 * MiB);

  /* Wipe: the data is gone, the size stays. */
  g_assert_false (all_zero (raw_file));
  vb_test_call_void (f->env, raw, IFACE_VOLUME, "Wipe", g_variant_new ("(u)", 0));
  g_assert_true (all_zero (raw_file));
  g_assert_cmpuint (file_size (raw_file), ==, 6 * MiB);
  vb_test_call_void (f->env, qcow, IFACE_VOLUME, "Wipe", g_variant_new ("(u)", 0));
  g_assert_cmpuint (qemu_img_size (qcow_file, "qcow2"), ==, 24 * MiB);

  /* Delete: file and object gone. */
  vb_test_call_void (f->env, raw, IFACE_VOLUME, "Delete", g_variant_new ("(u)", 0));
  vb_test_call_void (f->env, qcow, IFACE_VOLUME, "Delete", g_variant_new ("(u)", 0));
  g_assert_false (g_file_test (raw_file, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (qcow_file, G_FILE_TEST_EXISTS));
  vb_test_call_expect_error (f->env, f->pool, IFACE_POOL, "LookupVolumeByName",
                             g_variant_new ("(s)", "disk.img"), ERROR_PREFIX "NotFound");

  /* An inactive pool takes no volumes. */
  vb_test_call_void (f->env, f->pool, IFACE_POOL, "Stop", g_variant_new ("(u)", 0));
  vb_test_call_expect_error (f->env, f->pool, IFACE_POOL, "CreateVolume",
                             g_variant_new ("(su)", xml, 0), ERROR_PREFIX "OperationInvalid");
}

static void
test_upload_download (Fixture *f, gconstpointer data)
{
  const gsize size = 8 * MiB;
  g_autoptr (GBytes) sent = random_bytes (size);
  g_autofree char *volume = NULL;
  g_autofree char *job = NULL;
  g_autofree char *operation = NULL;
  g_autofree char *object = NULL;
  g_autoptr (GByteArray) received = g_byte_array_new ();
  Writer writer = { 0 };
  GThread *thread;
  int p[2];

  define_pool (f, TRUE);
  volume = create_volume (f, "data.img", "raw", size);

  /* Upload through a pipe: the Job reports, then completes. */
  g_assert_cmpint (pipe2 (p, O_CLOEXEC), ==, 0);
  job = transfer (f, volume, "Upload", p[0], 0, 0);
  close (p[0]);
  operation = vb_test_get_string (f->env, job, IFACE_JOB, "Operation");
  g_assert_cmpstr (operation, ==, "upload");
  object = vb_test_get_string (f->env, job, IFACE_JOB, "Object");
  g_assert_cmpstr (object, ==, volume);
  writer.fd = p[1];
  writer.data = g_bytes_get_data (sent, NULL);
  writer.len = size;
  writer.close_after = TRUE;
  thread = g_thread_new ("writer", write_all, &writer);
  wait_job (f, job, "completed");
  g_thread_join (thread);
  g_assert_cmpuint (vb_test_get_u64 (f->env, job, IFACE_JOB, "BytesProcessed"), ==, size);
  {
    g_autofree char *file = in_pool (f, "data.img");
    g_autofree char *contents = NULL;
    gsize len;
    g_assert_true (g_file_get_contents (file, &contents, &len, NULL));
    g_assert_cmpmem (contents, len, g_bytes_get_data (sent, NULL), size);
  }

  /* Download through a pipe: the same bytes come back. */
  g_free (job);
  g_assert_cmpint (pipe2 (p, O_CLOEXEC), ==, 0);
  job = transfer (f, volume, "Download", p[1], 0, 0);
  close (p[1]);
  for (;;)
    {
      guint8 buffer[65536];
      ssize_t n = read (p[0], buffer, sizeof buffer);
      g_assert_cmpint (n, >=, 0);
      if (n == 0)
        break;
      g_byte_array_append (received, buffer, (guint) n);
    }
  close (p[0]);
  wait_job (f, job, "completed");
  g_assert_cmpmem (received->data, received->len, g_bytes_get_data (sent, NULL), size);
  g_assert_cmpuint (vb_test_get_u64 (f->env, job, IFACE_JOB, "BytesTotal"), ==, size);

  /* A part of it, into a regular file at an offset. */
  {
    g_autofree char *out = g_build_filename (f->env->tmpdir, "part", NULL);
    g_autofree char *contents = NULL;
    gsize len;
    int fd = open (out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    g_autofree char *part_job = transfer (f, volume, "Download", fd, MiB, 3 * MiB);

    close (fd);
    wait_job (f, part_job, "completed");
    g_assert_true (g_file_get_contents (out, &contents, &len, NULL));
    g_assert_cmpmem (contents, len, (const guint8 *) g_bytes_get_data (sent, NULL) + MiB,
                     3 * MiB);
  }

  /* Bytes that do not fit a raw volume are refused at once. */
  {
    int fd = open ("/dev/null", O_RDONLY | O_CLOEXEC);
    g_autoptr (GUnixFDList) fds = g_unix_fd_list_new ();
    g_autoptr (GError) error = NULL;
    g_autoptr (GVariant) reply = NULL;

    g_unix_fd_list_append (fds, fd, NULL);
    close (fd);
    reply = g_dbus_connection_call_with_unix_fd_list_sync (
      f->env->client, "org.virtbus.Virt1", volume, IFACE_VOLUME, "Upload",
      g_variant_new ("(httu)", 0, (guint64) size, (guint64) 1, 0), G_VARIANT_TYPE ("(o)"),
      G_DBUS_CALL_FLAGS_NONE, -1, fds, NULL, NULL, &error);
    g_assert_null (reply);
    g_assert_true (g_dbus_error_is_remote_error (error));
    g_assert_cmpstr (g_dbus_error_get_remote_error (error), ==, ERROR_PREFIX "InvalidArgument");
  }
}

/* A client that reads a Download slowly, in small pieces and with pauses
 * (one far longer than it takes to fill the pipe), still gets every byte in
 * order: the service waits for room in the pipe as long as it takes. */
static void
test_download_slow_reader (Fixture *f, gconstpointer data)
{
  const gsize size = 6 * MiB;
  g_autoptr (GBytes) sent = random_bytes (size);
  g_autoptr (GByteArray) received = g_byte_array_new ();
  g_autofree char *source = g_build_filename (f->env->tmpdir, "source", NULL);
  g_autofree char *volume = NULL;
  g_autofree char *job = NULL;
  gboolean paused = FALSE;
  int p[2];

  define_pool (f, TRUE);
  volume = create_volume (f, "slow.img", "raw", size);
  g_assert_true (g_file_set_contents (source, g_bytes_get_data (sent, NULL), size, NULL));
  {
    int fd = open (source, O_RDONLY | O_CLOEXEC);
    g_autofree char *up = transfer (f, volume, "Upload", fd, 0, 0);

    close (fd);
    wait_job (f, up, "completed");
  }

  g_assert_cmpint (pipe2 (p, O_CLOEXEC), ==, 0);
  job = transfer (f, volume, "Download", p[1], 0, 0);
  close (p[1]);
  for (;;)
    {
      guint8 buffer[4096];
      ssize_t n = read (p[0], buffer, sizeof buffer);

      g_assert_cmpint (n, >=, 0);
      if (n == 0)
        break;
      g_byte_array_append (received, buffer, (guint) n);
      if (!paused && received->len >= MiB)
        {
          /* The service finds the pipe full and waits. */
          g_autofree char *phase = NULL;

          g_usleep (700 * 1000);
          phase = vb_test_get_string (f->env, job, IFACE_JOB, "Phase");
          g_assert_cmpstr (phase, ==, "downloading");
          paused = TRUE;
        }
      else if (received->len % (256 * 1024) < sizeof buffer)
        g_usleep (20 * 1000);
    }
  close (p[0]);
  wait_job (f, job, "completed");
  g_assert_cmpuint (received->len, ==, size);
  g_assert_cmpmem (received->data, received->len, g_bytes_get_data (sent, NULL), size);
  g_assert_cmpuint (vb_test_get_u64 (f->env, job, IFACE_JOB, "BytesProcessed"), ==, size);
}

static void
test_cancel_upload (Fixture *f, gconstpointer data)
{
  g_autoptr (GBytes) some = random_bytes (MiB);
  g_autofree char *volume = NULL;
  g_autofree char *job = NULL;
  int p[2];

  define_pool (f, TRUE);
  volume = create_volume (f, "slow.img", "raw", 64 * MiB);
  g_assert_cmpint (pipe2 (p, O_CLOEXEC), ==, 0);
  job = transfer (f, volume, "Upload", p[0], 0, 64 * MiB);
  close (p[0]);
  /* A client that sends 1 MiB and then nothing. */
  g_assert_cmpint (write (p[1], g_bytes_get_data (some, NULL), MiB), ==, (ssize_t) MiB);
  g_assert_true (vb_test_wait_property (f->env, job, IFACE_JOB, "BytesProcessed",
                                       g_variant_new_uint64 (MiB), 5000));
  /* The volume is busy meanwhile. */
  vb_test_call_expect_error (f->env, volume, IFACE_VOLUME, "Delete", g_variant_new ("(u)", 0),
                             ERROR_PREFIX "Busy");
  vb_test_call_void (f->env, job, IFACE_JOB, "Cancel", NULL);
  wait_job (f, job, "cancelled");
  close (p[1]);
  /* And usable again. */
  vb_test_call_void (f->env, volume, IFACE_VOLUME, "Wipe", g_variant_new ("(u)", 0));
}

static void
test_path_tricks (Fixture *f, gconstpointer data)
{
  const char *bad[] = { "../escape", "a/b", "..", ".hidden", "/etc/passwd", "tab\there" };
  g_autofree char *good = NULL;
  g_autofree char *outside = g_build_filename (f->env->tmpdir, "escape", NULL);
  g_autoptr (GDir) dir = NULL;

  define_pool (f, TRUE);
  good = create_volume (f, "good.img", "raw", MiB);
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autofree char *xml = volume_xml (bad[i], "raw", MiB);

      g_test_message ("name %s", bad[i]);
      vb_test_call_expect_error (f->env, f->pool, IFACE_POOL, "CreateVolume",
                                 g_variant_new ("(su)", xml, 0), ERROR_PREFIX "InvalidArgument");
      vb_test_call_expect_error (f->env, f->pool, IFACE_POOL, "CloneVolume",
                                 g_variant_new ("(sou)", xml, good, 0),
                                 ERROR_PREFIX "InvalidArgument");
      vb_test_call_expect_error (f->env, f->pool, IFACE_POOL, "LookupVolumeByName",
                                 g_variant_new ("(s)", bad[i]), ERROR_PREFIX "NotFound");
    }
  g_assert_false (g_file_test (outside, G_FILE_TEST_EXISTS));
  /* The pool's directory holds the one good volume and nothing else. */
  dir = g_dir_open (f->dir, 0, NULL);
  g_assert_cmpstr (g_dir_read_name (dir), ==, "good.img");
  g_assert_null (g_dir_read_name (dir));

  /* A symlink placed by hand is not a volume: Refresh ignores it. */
  {
    g_autofree char *link = in_pool (f, "link.img");
    g_autofree char *target = g_build_filename (f->env->tmpdir, "secret", NULL);

    g_assert_true (g_file_set_contents (target, "secret", -1, NULL));
    g_assert_cmpint (symlink (target, link), ==, 0);
    vb_test_call_void (f->env, f->pool, IFACE_POOL, "Refresh", g_variant_new ("(u)", 0));
    vb_test_call_expect_error (f->env, f->pool, IFACE_POOL, "LookupVolumeByName",
                               g_variant_new ("(s)", "link.img"), ERROR_PREFIX "NotFound");
  }
}

static void
test_refresh (Fixture *f, gconstpointer data)
{
  g_autofree char *manual = NULL;
  g_autofree char *manual_q = NULL;
  g_autofree char *found = NULL;
  g_autofree char *format = NULL;

  define_pool (f, TRUE);
  manual = in_pool (f, "manual.img");
  manual_q = in_pool (f, "manual.qcow2");
  /* Files copied in by hand: a raw one and a qcow2 one. */
  {
    g_autofree char *data = g_strnfill (3 * MiB, 'm');
    const char *argv[] = { "qemu-img", "create", "-q", "-f", "qcow2", manual_q, "5M", NULL };
    int status;

    g_assert_true (g_file_set_contents (manual, data, 3 * MiB, NULL));
    g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
                                 NULL, NULL, &status, NULL));
    g_assert_cmpint (status, ==, 0);
  }
  vb_test_call_expect_error (f->env, f->pool, IFACE_POOL, "LookupVolumeByName",
                             g_variant_new ("(s)", "manual.img"), ERROR_PREFIX "NotFound");
  vb_test_call_void (f->env, f->pool, IFACE_POOL, "Refresh", g_variant_new ("(u)", 0));
  found = vb_test_call_path (f->env, f->pool, IFACE_POOL, "LookupVolumeByName",
                             g_variant_new ("(s)", "manual.img"));
  g_assert_cmpuint (vb_test_get_u64 (f->env, found, IFACE_VOLUME, "Capacity"), ==, 3 * MiB);
  g_assert_cmpuint (vb_test_get_u64 (f->env, found, IFACE_VOLUME, "Allocation"), >=, 3 * MiB);
  g_free (found);
  found = vb_test_call_path (f->env, f->pool, IFACE_POOL, "LookupVolumeByName",
                             g_variant_new ("(s)", "manual.qcow2"));
  format = vb_test_get_string (f->env, found, IFACE_VOLUME, "Format");
  g_assert_cmpstr (format, ==, "qcow2");
  g_assert_cmpuint (vb_test_get_u64 (f->env, found, IFACE_VOLUME, "Capacity"), ==, 5 * MiB);

  /* Removed by hand: forgotten on the next refresh. */
  g_assert_cmpint (g_unlink (manual), ==, 0);
  vb_test_call_void (f->env, f->pool, IFACE_POOL, "Refresh", g_variant_new ("(u)", 0));
  vb_test_call_expect_error (f->env, f->pool, IFACE_POOL, "LookupVolumeByName",
                             g_variant_new ("(s)", "manual.img"), ERROR_PREFIX "NotFound");
  {
    g_autoptr (GVariant) list = vb_test_call_ok (f->env, f->pool, IFACE_POOL, "ListVolumes", NULL);
    g_autoptr (GVariant) paths = g_variant_get_child_value (list, 0);
    g_assert_cmpuint (g_variant_n_children (paths), ==, 1);
  }
}

static void
test_restart (Fixture *f, gconstpointer data)
{
  g_autofree char *volume = NULL;
  g_autofree char *again = NULL;
  g_autofree char *format = NULL;

  define_pool (f, TRUE);
  vb_test_call_void (f->env, f->pool, "org.freedesktop.DBus.Properties", "Set",
                     g_variant_new ("(ssv)", IFACE_POOL, "Autostart",
                                    g_variant_new_boolean (TRUE)));
  volume = create_volume (f, "keep.qcow2", "qcow2", 12 * MiB);
  g_free (create_volume (f, "keep.img", "raw", 2 * MiB));

  vb_test_env_stop_daemon (f->env, FALSE);
  vb_test_env_start_daemon (f->env, NULL);

  g_assert_true (vb_test_wait_property (f->env, f->pool, IFACE_POOL, "Active",
                                        g_variant_new_boolean (TRUE), 10000));
  again = vb_test_call_path (f->env, f->pool, IFACE_POOL, "LookupVolumeByName",
                             g_variant_new ("(s)", "keep.qcow2"));
  g_assert_cmpstr (again, ==, volume);
  format = vb_test_get_string (f->env, again, IFACE_VOLUME, "Format");
  g_assert_cmpstr (format, ==, "qcow2");
  g_assert_cmpuint (vb_test_get_u64 (f->env, again, IFACE_VOLUME, "Capacity"), ==, 12 * MiB);
  g_free (vb_test_call_path (f->env, f->pool, IFACE_POOL, "LookupVolumeByName",
                             g_variant_new ("(s)", "keep.img")));
}

/* A FIFO put in place of a volume's file: Upload and Download fail at once,
 * naming the volume, instead of a worker waiting in open() forever. */
static void
test_fifo_volume (Fixture *f, gconstpointer data)
{
  g_autofree char *volume = NULL;
  g_autofree char *file = NULL;
  const char *methods[] = { "Upload", "Download" };

  define_pool (f, TRUE);
  volume = create_volume (f, "pipe.img", "raw", MiB);
  file = in_pool (f, "pipe.img");
  g_assert_no_errno (g_unlink (file));
  g_assert_no_errno (mkfifo (file, 0600));

  for (guint i = 0; i < G_N_ELEMENTS (methods); i++)
    {
      g_autofree char *job = NULL;
      g_autofree char *message = NULL;
      int p[2];

      g_assert_cmpint (pipe2 (p, O_CLOEXEC), ==, 0);
      job = transfer (f, volume, methods[i], i == 0 ? p[0] : p[1], 0, 0);
      g_assert_true (vb_test_wait_property (f->env, job, IFACE_JOB, "Phase",
                                            g_variant_new_string ("failed"), 5000));
      message = vb_test_job_error (f->env, job);
      g_assert_nonnull (strstr (message, "pipe.img"));
      g_assert_nonnull (strstr (message, "not a regular file"));
      close (p[0]);
      close (p[1]);
    }
  /* Still a FIFO: nothing was written over it. */
  g_assert_true (g_file_test (file, G_FILE_TEST_EXISTS) && !g_file_test (file, G_FILE_TEST_IS_REGULAR));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/storage-dir/pool-lifecycle", test_pool_lifecycle);
  ADD ("/storage-dir/volumes", test_volumes);
  ADD ("/storage-dir/upload-download", test_upload_download);
  ADD ("/storage-dir/download-slow-reader", test_download_slow_reader);
  ADD ("/storage-dir/cancel-upload", test_cancel_upload);
  ADD ("/storage-dir/path-tricks", test_path_tricks);
  ADD ("/storage-dir/refresh", test_refresh);
  ADD ("/storage-dir/restart", test_restart);
  ADD ("/storage-dir/fifo-volume", test_fifo_volume);
  return g_test_run ();
}
