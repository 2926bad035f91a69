/* libvirtbus as a program uses it: a VirtbusClient on the test's bus, its
 * objects looked up by name and UUID, calls through the typed proxies, the
 * service's errors as VIRTBUS_ERROR codes with readable messages. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <gio/gunixfdlist.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "virtbus.h"
#include "vb-test-env.h"
#include "vb-test-fake-service.h"

#define UUID1 "6a3c3b5e-7d0c-4a9f-9f5d-0d3e2c1b4a01"
#define UUID2 "6a3c3b5e-7d0c-4a9f-9f5d-0d3e2c1b4a02"
#define NET_UUID "0b9e7a8c-1111-4a2b-9c3d-5e6f7a8b9c0d"
#define WAIT_MS 5000
#define MiB (G_GUINT64_CONSTANT (1) << 20)

typedef struct {
  VbTestEnv *env;
  VirtbusClient *client;
} Fixture;

static void
fixture_set_up (Fixture *f, gconstpointer data)
{
  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  vb_test_env_start_daemon (f->env, NULL);
}

static void
fixture_tear_down (Fixture *f, gconstpointer data)
{
  g_assert_true (vb_test_env_daemon_alive (f->env));
  g_clear_object (&f->client);
  vb_test_env_free (f->env);
}

static void
store_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static VirtbusClient *
connect_client (Fixture *f)
{
  g_autoptr (GError) error = NULL;
  VirtbusClient *client = virtbus_client_new_for_address_sync (f->env->bus_address, NULL, &error);

  g_assert_no_error (error);
  g_assert_true (VIRTBUS_IS_CLIENT (client));
  return client;
}

static char *
define_domain (Fixture *f, const char *name, const char *uuid)
{
  g_autofree char *xml = vb_test_domain_xml (name, uuid);

  return vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineDomain",
                            g_variant_new ("(su)", xml, 0));
}

/* Iterates the default main context (where the client's signals come)
 * until @condition holds or WAIT_MS pass. */
typedef gboolean (*Condition) (Fixture *f, gconstpointer data);

static gboolean
wait_for (Fixture *f, Condition condition, gconstpointer data)
{
  gint64 end = g_get_monotonic_time () + WAIT_MS * G_TIME_SPAN_MILLISECOND;

  while (!condition (f, data))
    {
      if (g_get_monotonic_time () > end)
        return FALSE;
      g_main_context_iteration (NULL, FALSE);
      g_usleep (1000);
    }
  return TRUE;
}

static gboolean
domain_known (Fixture *f, gconstpointer name)
{
  g_autoptr (VirtbusDomain) domain = virtbus_client_lookup_domain (f->client, name, NULL);

  return domain != NULL;
}

static gboolean
pool_known (Fixture *f, gconstpointer name)
{
  g_autoptr (VirtbusStoragePool) pool = virtbus_client_lookup_pool (f->client, name, NULL);

  return pool != NULL;
}

static gboolean
volume_known (Fixture *f, gconstpointer name)
{
  g_autoptr (VirtbusStorageVolume) volume =
    virtbus_client_lookup_volume (f->client, "images", name, NULL);

  return volume != NULL;
}

static gboolean
domain_gone (Fixture *f, gconstpointer path)
{
  g_autoptr (VirtbusObject) object = virtbus_client_get_object (f->client, path);

  return object == NULL;
}

static gboolean
domain_in_state (Fixture *f, gconstpointer state)
{
  g_autoptr (VirtbusDomain) domain = virtbus_client_lookup_domain (f->client, "web1", NULL);

  return domain && g_strcmp0 (virtbus_domain_get_state (domain), state) == 0;
}

static void
assert_not_found (GError *error, const char *message)
{
  g_autofree char *text = NULL;

  g_assert_error (error, VIRTBUS_ERROR, VIRTBUS_ERROR_NOT_FOUND);
  text = virtbus_error_get_message (error);
  g_assert_cmpstr (text, ==, message);
}

static void
test_connect (Fixture *f, gconstpointer data)
{
  g_autofree char *path = define_domain (f, "web1", UUID1);
  GDBusObjectManager *manager;
  g_autolist (GDBusObject) objects = NULL;
  g_autoptr (VirtbusObject) object = NULL;
  VirtbusManager *proxy;

  f->client = connect_client (f);
  g_assert_true (G_IS_DBUS_CONNECTION (virtbus_client_get_connection (f->client)));

  /* Everything the service had is there without any further call. */
  manager = virtbus_client_get_object_manager (f->client);
  g_assert_true (VIRTBUS_IS_OBJECT_MANAGER_CLIENT (manager));
  objects = g_dbus_object_manager_get_objects (manager);
  g_assert_cmpuint (g_list_length (objects), ==, 1);
  object = virtbus_client_get_object (f->client, path);
  g_assert_nonnull (object);
  g_assert_cmpstr (virtbus_domain_get_name (virtbus_object_peek_domain (object)), ==, "web1");
  g_assert_null (virtbus_client_get_object (f->client, "/org/virtbus/Virt1/domain/none"));

  /* The Manager's proxy, with its properties. */
  proxy = virtbus_client_get_manager (f->client);
  g_assert_true (VIRTBUS_IS_MANAGER_PROXY (proxy));
  g_assert_true (g_strv_contains (virtbus_manager_get_drivers (proxy), "test"));
  g_assert_cmpuint (virtbus_manager_get_host_cpus (proxy), ==, g_get_num_processors ());
}

static void
test_connect_async (Fixture *f, gconstpointer data)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;

  virtbus_client_new_for_address_async (f->env->bus_address, NULL, store_result, &result);
  while (!result)
    g_main_context_iteration (NULL, TRUE);
  f->client = virtbus_client_new_for_address_finish (result, &error);
  g_assert_no_error (error);
  g_assert_nonnull (virtbus_client_get_manager (f->client));
  g_assert_true (
    g_regex_match_simple ("^[0-9]+\\.[0-9]+\\.[0-9]+$",
                          virtbus_manager_get_version (virtbus_client_get_manager (f->client)), 0,
                          0));
}

/* A bus without virtbusd: the client says so instead of failing later. */
static void
test_not_running (Fixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (VirtbusClient) client = NULL;

  vb_test_env_stop_daemon (f->env, FALSE);
  client = virtbus_client_new_for_address_sync (f->env->bus_address, NULL, &error);
  g_assert_null (client);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN);
  g_assert_cmpstr (error->message, ==,
                   "virtbus is not running: nobody owns org.virtbus.Virt1 on this bus");
  g_clear_error (&error);

  virtbus_client_new_for_address_async (f->env->bus_address, NULL, store_result, &result);
  while (!result)
    g_main_context_iteration (NULL, TRUE);
  client = virtbus_client_new_for_address_finish (result, &error);
  g_assert_null (client);
  g_assert_error (error, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN);

  /* So that the tear-down finds a daemon. */
  vb_test_env_start_daemon (f->env, NULL);
}

static void
test_lookup_domain (Fixture *f, gconstpointer data)
{
  g_autofree char *path1 = define_domain (f, "web1", UUID1);
  g_autofree char *path2 = NULL;
  g_autofree char *upper = g_ascii_strup (UUID1, -1);
  g_autoptr (GError) error = NULL;
  g_autoptr (VirtbusDomain) domain = NULL;

  f->client = connect_client (f);

  domain = virtbus_client_lookup_domain (f->client, "web1", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_dbus_proxy_get_object_path (G_DBUS_PROXY (domain)), ==, path1);
  g_assert_cmpstr (virtbus_domain_get_uuid (domain), ==, UUID1);
  g_clear_object (&domain);

  /* A UUID in any case. */
  domain = virtbus_client_lookup_domain (f->client, upper, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_dbus_proxy_get_object_path (G_DBUS_PROXY (domain)), ==, path1);
  g_clear_object (&domain);

  /* Unknown names and UUIDs fail with NotFound and a sentence. */
  g_assert_null (virtbus_client_lookup_domain (f->client, "nope", &error));
  assert_not_found (error, "No domain is named 'nope'");
  g_clear_error (&error);
  g_assert_null (virtbus_client_lookup_domain (f->client, UUID2, &error));
  assert_not_found (error, "No domain has the UUID or the name '" UUID2 "'");
  g_clear_error (&error);
  /* Names are exact. */
  g_assert_null (virtbus_client_lookup_domain (f->client, "WEB1", &error));
  g_clear_error (&error);

  /* A domain defined later is found once its InterfacesAdded came: the
   * client follows the service. Its name looks like the UUID of another, which
   * wins for that UUID; the name still finds it when no UUID matches. */
  path2 = define_domain (f, UUID2, NULL);
  g_assert_true (wait_for (f, domain_known, UUID2));
  domain = virtbus_client_lookup_domain (f->client, UUID2, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_dbus_proxy_get_object_path (G_DBUS_PROXY (domain)), ==, path2);
  g_clear_object (&domain);
  {
    g_autofree char *other = define_domain (f, UUID1, NULL);
    g_autoptr (VirtbusDomain) by_uuid = NULL;

    g_assert_true (wait_for (f, domain_known, UUID1));
    /* "web1" has UUID1 as its UUID: the UUID wins over the other's name. */
    by_uuid = virtbus_client_lookup_domain (f->client, UUID1, &error);
    g_assert_no_error (error);
    g_assert_cmpstr (g_dbus_proxy_get_object_path (G_DBUS_PROXY (by_uuid)), ==, path1);
  }

  /* Undefined: gone from the client too. */
  vb_test_call_void (f->env, path2, IFACE_DOMAIN, "Undefine", g_variant_new ("(u)", 0));
  g_assert_true (wait_for (f, domain_gone, path2));
  g_assert_null (virtbus_client_lookup_domain (f->client, UUID2, &error));
  assert_not_found (error, "No domain has the UUID or the name '" UUID2 "'");
}

static void
test_lookup_network_pool_volume (Fixture *f, gconstpointer data)
{
  const char *net_xml = "<network>\n  <name>lab</name>\n  <uuid>" NET_UUID "</uuid>\n</network>\n";
  const char *pool_xml = "<pool type='test'>\n  <name>images</name>\n"
                         "  <target>\n    <path>/virtbus-test/images</path>\n  </target>\n"
                         "</pool>\n";
  const char *vol_xml = "<volume>\n  <name>disk1.qcow2</name>\n"
                        "  <capacity unit='GiB'>2</capacity>\n"
                        "  <target>\n    <format type='qcow2'/>\n  </target>\n</volume>\n";
  g_autofree char *net_path = vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineNetwork",
                                                 g_variant_new ("(su)", net_xml, 0));
  g_autofree char *pool_path =
    vb_test_call_path (f->env, MANAGER, IFACE_MANAGER, "DefineStoragePool",
                       g_variant_new ("(su)", pool_xml, 0));
  g_autofree char *vol_path = NULL;
  g_autofree char *pool_uuid = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (VirtbusNetwork) network = NULL;
  g_autoptr (VirtbusStoragePool) pool = NULL;
  g_autoptr (VirtbusStorageVolume) volume = NULL;

  vb_test_call_void (f->env, pool_path, IFACE_POOL, "Start", g_variant_new ("(u)", 0));
  vol_path = vb_test_call_path (f->env, pool_path, IFACE_POOL, "CreateVolume",
                                g_variant_new ("(su)", vol_xml, 0));
  f->client = connect_client (f);

  network = virtbus_client_lookup_network (f->client, "lab", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_dbus_proxy_get_object_path (G_DBUS_PROXY (network)), ==, net_path);
  g_clear_object (&network);
  network = virtbus_client_lookup_network (f->client, NET_UUID, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_dbus_proxy_get_object_path (G_DBUS_PROXY (network)), ==, net_path);
  g_assert_null (virtbus_client_lookup_network (f->client, "wan", &error));
  assert_not_found (error, "No network is named 'wan'");
  g_clear_error (&error);

  pool = virtbus_client_lookup_pool (f->client, "images", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_dbus_proxy_get_object_path (G_DBUS_PROXY (pool)), ==, pool_path);
  g_assert_true (virtbus_storage_pool_get_active (pool));
  g_assert_null (virtbus_client_lookup_pool (f->client, "lab", &error));
  assert_not_found (error, "No storage pool is named 'lab'");
  g_clear_error (&error);

  /* Volumes by pool (name or UUID) and name. */
  volume = virtbus_client_lookup_volume (f->client, "images", "disk1.qcow2", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_dbus_proxy_get_object_path (G_DBUS_PROXY (volume)), ==, vol_path);
  g_assert_cmpstr (virtbus_storage_volume_get_format (volume), ==, "qcow2");
  g_clear_object (&volume);
  pool_uuid = g_strdup (virtbus_storage_pool_get_uuid (pool));
  volume = virtbus_client_lookup_volume (f->client, pool_uuid, "disk1.qcow2", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (g_dbus_proxy_get_object_path (G_DBUS_PROXY (volume)), ==, vol_path);
  g_assert_null (virtbus_client_lookup_volume (f->client, "images", "disk2.qcow2", &error));
  assert_not_found (error, "Storage pool 'images' has no volume named 'disk2.qcow2'");
  g_clear_error (&error);
  g_assert_null (virtbus_client_lookup_volume (f->client, "lab", "disk1.qcow2", &error));
  assert_not_found (error, "No storage pool is named 'lab'");
}

/* Calls through the generated proxies: the state follows on the proxy, the
 * service's errors arrive as VIRTBUS_ERROR codes. */
static void
test_start_stop (Fixture *f, gconstpointer data)
{
  g_autofree char *path = define_domain (f, "web1", UUID1);
  g_autoptr (GError) error = NULL;
  g_autoptr (VirtbusDomain) domain = NULL;
  g_autofree char *message = NULL;

  f->client = connect_client (f);
  domain = virtbus_client_lookup_domain (f->client, "web1", &error);
  g_assert_no_error (error);
  g_assert_cmpstr (virtbus_domain_get_state (domain), ==, "shutoff");

  g_assert_true (virtbus_domain_call_start_sync (domain, 0, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (wait_for (f, domain_in_state, "running"));
  g_assert_cmpuint (virtbus_domain_get_vcpus (domain), ==, 2);
  g_assert_cmpint (virtbus_domain_get_id (domain), >, 0);

  /* Starting it again: OperationInvalid, with the service's text only. */
  g_assert_false (virtbus_domain_call_start_sync (domain, 0, NULL, &error));
  g_assert_error (error, VIRTBUS_ERROR, VIRTBUS_ERROR_OPERATION_INVALID);
  g_assert_true (g_str_has_prefix (error->message, "GDBus.Error:"));
  message = virtbus_error_get_message (error);
  g_assert_false (g_str_has_prefix (message, "GDBus.Error:"));
  g_assert_nonnull (strstr (error->message, message));
  g_assert_cmpstr (message, !=, "");
  g_clear_error (&error);

  g_assert_true (virtbus_domain_call_destroy_sync (domain, 0, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (wait_for (f, domain_in_state, "shutoff"));

  /* An error that is not from D-Bus keeps its message. */
  {
    g_autoptr (GError) local = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "plain");
    g_autofree char *text = virtbus_error_get_message (local);

    g_assert_cmpstr (text, ==, "plain");
  }
}

/* Jobs: a dir pool in the test's directory, whose Upload and Download are
 * real Jobs on the test driver's service. */

static VirtbusStorageVolume *
make_volume (Fixture *f, const char *name, guint64 bytes)
{
  g_autofree char *dir = g_build_filename (f->env->tmpdir, "images", NULL);
  g_autofree char *pool_xml =
    g_strdup_printf ("<pool type='dir'>\n  <name>images</name>\n"
                     "  <target>\n    <path>%s</path>\n  </target>\n</pool>\n",
                     dir);
  g_autofree char *vol_xml =
    g_strdup_printf ("<volume>\n  <name>%s</name>\n"
                     "  <capacity unit='bytes'>%" G_GUINT64_FORMAT "</capacity>\n"
                     "  <target>\n    <format type='raw'/>\n  </target>\n</volume>\n",
                     name, bytes);
  VirtbusManager *manager = virtbus_client_get_manager (f->client);
  g_autoptr (VirtbusStoragePool) pool = NULL;
  g_autofree char *pool_path = NULL;
  g_autofree char *vol_path = NULL;
  g_autoptr (GError) error = NULL;
  VirtbusStorageVolume *volume;

  if (!virtbus_client_lookup_pool (f->client, "images", NULL))
    {
      g_assert_true (virtbus_manager_call_define_storage_pool_sync (manager, pool_xml, 0,
                                                                    &pool_path, NULL, &error));
      g_assert_no_error (error);
      vb_test_call_void (f->env, pool_path, IFACE_POOL, "Build", g_variant_new ("(u)", 0));
      vb_test_call_void (f->env, pool_path, IFACE_POOL, "Start", g_variant_new ("(u)", 0));
      g_assert_true (wait_for (f, pool_known, "images"));
    }
  pool = virtbus_client_lookup_pool (f->client, "images", &error);
  g_assert_no_error (error);
  g_assert_true (
    virtbus_storage_pool_call_create_volume_sync (pool, vol_xml, 0, &vol_path, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (wait_for (f, volume_known, name));
  volume = virtbus_client_lookup_volume (f->client, "images", name, &error);
  g_assert_no_error (error);
  return volume;
}

/* Calls Upload or Download of @volume with @fd (closed here); returns the Job. */
static char *
transfer (VirtbusStorageVolume *volume, gboolean upload, int fd, guint64 length)
{
  g_autoptr (GUnixFDList) fds = g_unix_fd_list_new_from_array (&fd, 1);
  g_autoptr (GError) error = NULL;
  char *job = NULL;

  if (upload)
    virtbus_storage_volume_call_upload_sync (volume, g_variant_new_handle (0), 0, length, 0, fds,
                                             &job, NULL, NULL, &error);
  else
    virtbus_storage_volume_call_download_sync (volume, g_variant_new_handle (0), 0, length, 0, fds,
                                               &job, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_variant_is_object_path (job));
  return job;
}

/* What a progress callback saw. */
typedef struct {
  guint calls;
  guint64 bytes;        /* BytesProcessed at the last call */
  gboolean went_back;   /* BytesProcessed ever decreased */
  gboolean partial;     /* a call saw some bytes processed, not all */
  GString *phases;      /* each new Phase, space-separated */
  GCancellable *cancel; /* cancelled once BytesProcessed reaches cancel_at */
  guint64 cancel_at;
  gboolean freed;
} Progress;

static void
on_progress (VirtbusJob *job, gpointer user_data)
{
  Progress *p = user_data;
  guint64 bytes = virtbus_job_get_bytes_processed (job);
  const char *phase = virtbus_job_get_phase (job);

  p->calls++;
  if (bytes < p->bytes)
    p->went_back = TRUE;
  if (bytes > 0 && bytes < virtbus_job_get_bytes_total (job))
    p->partial = TRUE;
  p->bytes = bytes;
  if (!g_str_has_suffix (p->phases->str, phase))
    g_string_append_printf (p->phases, " %s", phase);
  if (p->cancel && bytes >= p->cancel_at)
    g_cancellable_cancel (p->cancel);
}

static void
progress_freed (gpointer user_data)
{
  ((Progress *) user_data)->freed = TRUE;
}

typedef struct {
  int fd;
  gsize size;
  gsize done;
  gulong pause_us; /* after each 64 KiB written */
} Pump;

/* Writes @size bytes of a pattern into the fd and closes it. */
static gpointer
write_all (gpointer data)
{
  Pump *pump = data;
  guint8 buffer[65536];

  for (gsize i = 0; i < sizeof buffer; i++)
    buffer[i] = (guint8) (i * 7);
  while (pump->done < pump->size)
    {
      ssize_t n = write (pump->fd, buffer, MIN (sizeof buffer, pump->size - pump->done));
      if (n <= 0)
        break;
      pump->done += (gsize) n;
      g_usleep (pump->pause_us);
    }
  close (pump->fd);
  return NULL;
}

/* Reads the fd to its end. */
static gpointer
read_all (gpointer data)
{
  Pump *pump = data;
  guint8 buffer[65536];
  ssize_t n;

  while ((n = read (pump->fd, buffer, sizeof buffer)) > 0)
    pump->done += (gsize) n;
  close (pump->fd);
  return NULL;
}

static void
test_wait_job (Fixture *f, gconstpointer data)
{
  const gsize size = 16 * MiB;
  g_autoptr (VirtbusStorageVolume) volume = NULL;
  g_autofree char *job = NULL;
  g_autoptr (GError) error = NULL;
  Progress progress = { .phases = g_string_new ("") };
  /* About a second and a half: the Job reports several times on the way. */
  Pump pump = { .size = size, .pause_us = 6000 };
  GThread *thread;
  int p[2];

  f->client = connect_client (f);
  volume = make_volume (f, "data.img", size);

  /* Upload through a pipe, waited for with the blocking call. */
  g_assert_cmpint (pipe2 (p, O_CLOEXEC), ==, 0);
  job = transfer (volume, TRUE, p[0], size);
  pump.fd = p[1];
  thread = g_thread_new ("writer", write_all, &pump);
  g_assert_true (virtbus_client_wait_job (f->client, job, on_progress, &progress, NULL, &error));
  g_assert_no_error (error);
  g_thread_join (thread);
  /* The first call shows the job as it was, the last as it ended. */
  g_test_message ("%u progress calls, phases:%s", progress.calls, progress.phases->str);
  g_assert_cmpuint (progress.calls, >=, 3);
  g_assert_true (progress.partial);
  g_assert_false (progress.went_back);
  g_assert_cmpuint (progress.bytes, ==, size);
  g_assert_true (g_str_has_suffix (progress.phases->str, " completed"));
  {
    g_autofree char *phase = vb_test_get_string (f->env, job, IFACE_JOB, "Phase");
    g_assert_cmpstr (phase, ==, "completed");
  }

  /* Download into a pipe, waited for asynchronously. */
  {
    g_autoptr (GAsyncResult) result = NULL;
    g_autofree char *download = NULL;
    Pump reader = { 0 };

    g_string_truncate (progress.phases, 0);
    progress.calls = 0;
    progress.bytes = 0;
    g_assert_cmpint (pipe2 (p, O_CLOEXEC), ==, 0);
    download = transfer (volume, FALSE, p[1], 0);
    reader.fd = p[0];
    thread = g_thread_new ("reader", read_all, &reader);
    virtbus_client_wait_job_async (f->client, download, on_progress, &progress, progress_freed,
                                   NULL, store_result, &result);
    while (!result)
      g_main_context_iteration (NULL, TRUE);
    g_assert_true (virtbus_client_wait_job_finish (f->client, result, &error));
    g_assert_no_error (error);
    g_thread_join (thread);
    g_assert_cmpuint (reader.done, ==, size);
    g_assert_cmpuint (progress.bytes, ==, size);
    g_assert_true (g_str_has_suffix (progress.phases->str, " completed"));
    g_clear_object (&result);
    /* The wait is over: it lets go of the progress data. */
    g_assert_true (progress.freed);

    /* A finished Job is still there for a while: waiting for it ends at once. */
    g_assert_true (virtbus_client_wait_job (f->client, download, NULL, NULL, NULL, &error));
    g_assert_no_error (error);
  }
  g_string_free (progress.phases, TRUE);
}

/* A Job that fails: the wait fails with its reason, as a sentence. */
static void
test_wait_job_failed (Fixture *f, gconstpointer data)
{
  g_autoptr (VirtbusStorageVolume) volume = NULL;
  g_autofree char *file = g_build_filename (f->env->tmpdir, "images", "pipe.img", NULL);
  g_autofree char *job = NULL;
  g_autoptr (GError) error = NULL;
  int p[2];

  f->client = connect_client (f);
  volume = make_volume (f, "pipe.img", MiB);
  /* A FIFO in place of the volume's file: the upload fails once it runs. */
  g_assert_no_errno (unlink (file));
  g_assert_no_errno (mkfifo (file, 0600));
  g_assert_cmpint (pipe2 (p, O_CLOEXEC), ==, 0);
  job = transfer (volume, TRUE, p[0], 0);
  g_assert_false (virtbus_client_wait_job (f->client, job, NULL, NULL, NULL, &error));
  g_assert_error (error, VIRTBUS_ERROR, VIRTBUS_ERROR_FAILED);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "pipe.img"));
  g_assert_nonnull (strstr (error->message, "not a regular file"));
  close (p[1]);

  /* No Job at all. */
  g_clear_error (&error);
  g_assert_false (
    virtbus_client_wait_job (f->client, "/org/virtbus/Virt1/job/999", NULL, NULL, NULL, &error));
  g_assert_error (error, VIRTBUS_ERROR, VIRTBUS_ERROR_NOT_FOUND);
  g_assert_cmpstr (error->message, ==, "No job at /org/virtbus/Virt1/job/999");
}

/* Cancelling the wait cancels the Job: an upload from a client that sends
 * 1 MiB and then nothing would otherwise never end. */
static void
test_wait_job_cancel (Fixture *f, gconstpointer data)
{
  g_autoptr (VirtbusStorageVolume) volume = NULL;
  g_autofree char *job = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  Progress progress = { .phases = g_string_new (""), .cancel = cancel, .cancel_at = MiB };
  Pump pump = { .size = MiB };
  int p[2];

  f->client = connect_client (f);
  volume = make_volume (f, "slow.img", 64 * MiB);
  g_assert_cmpint (pipe2 (p, O_CLOEXEC), ==, 0);
  job = transfer (volume, TRUE, p[0], 64 * MiB);
  pump.fd = dup (p[1]);
  write_all (&pump);
  g_assert_false (virtbus_client_wait_job (f->client, job, on_progress, &progress, cancel, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpstr (error->message, ==, "The upload job was cancelled");
  g_assert_true (g_str_has_suffix (progress.phases->str, " cancelled"));
  {
    g_autofree char *phase = vb_test_get_string (f->env, job, IFACE_JOB, "Phase");
    g_assert_cmpstr (phase, ==, "cancelled");
  }
  close (p[1]);

  /* A Job that has ended cannot be cancelled, and need not be: the wait
   * reports how it ended. */
  g_clear_error (&error);
  g_assert_false (virtbus_client_wait_job (f->client, job, NULL, NULL, cancel, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_string_free (progress.phases, TRUE);
}

/* The test driver has no consoles: the error says so, without GDBus's prefix. */
static void
test_console_unsupported (Fixture *f, gconstpointer data)
{
  g_autofree char *path = define_domain (f, "web1", UUID1);
  g_autoptr (VirtbusDomain) domain = NULL;
  g_autoptr (GIOStream) stream = NULL;
  g_autoptr (GError) error = NULL;

  f->client = connect_client (f);
  domain = virtbus_client_lookup_domain (f->client, "web1", &error);
  g_assert_no_error (error);
  g_assert_true (virtbus_domain_call_start_sync (domain, 0, NULL, &error));
  stream =
    virtbus_client_open_console (f->client, domain, VIRTBUS_CONSOLE_FLAGS_NONE, NULL, &error);
  g_assert_null (stream);
  g_assert_error (error, VIRTBUS_ERROR, VIRTBUS_ERROR_NOT_SUPPORTED);
  g_assert_cmpstr (error->message, ==, "The test driver has no serial consoles");
}

/* ---- against a fake service: the replies virtbusd never gives ---- */

typedef struct {
  VbTestEnv *env;
  VbFakeService *fake;
  VirtbusClient *client;
} FakeFixture;

static void
fake_set_up (FakeFixture *f, gconstpointer data)
{
  g_autoptr (GError) error = NULL;

  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  f->fake = vb_fake_service_new (f->env->bus_address);
  f->client = virtbus_client_new_for_address_sync (f->env->bus_address, NULL, &error);
  g_assert_no_error (error);
}

static void
fake_tear_down (FakeFixture *f, gconstpointer data)
{
  g_clear_object (&f->client);
  vb_fake_service_free (f->fake);
  vb_test_env_free (f->env);
}

/* What a wait's progress callback saw of the Job's proxy, and whether the
 * wait let go of its data. */
typedef struct {
  gpointer proxy; /* a weak pointer: NULL once the proxy is gone */
  gboolean freed;
} Seen;

static void
seen_progress (VirtbusJob *job, gpointer user_data)
{
  Seen *seen = user_data;

  if (!seen->proxy)
    {
      seen->proxy = job;
      g_object_add_weak_pointer (G_OBJECT (job), &seen->proxy);
    }
}

static void
seen_freed (gpointer user_data)
{
  ((Seen *) user_data)->freed = TRUE;
}

static void
assert_refused (GError *error)
{
  g_assert_error (error, VIRTBUS_ERROR, VIRTBUS_ERROR_OPERATION_INVALID);
  g_assert_cmpstr (error->message, ==,
                   "The fake job goes on: The fake job cannot be cancelled in phase running");
}

/* A Job that refuses Cancel(): the wait ends with the refusal, and leaves
 * nothing behind (its task, the Job's proxy and its subscriptions, the
 * progress data). */
static void
test_wait_job_cancel_refused (FakeFixture *f, gconstpointer data)
{
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  g_autoptr (GError) error = NULL;
  Seen seen = { NULL };

  g_cancellable_cancel (cancel);

  /* Asynchronously. */
  {
    g_autoptr (GAsyncResult) result = NULL;

    virtbus_client_wait_job_async (f->client, VB_FAKE_JOB_PATH, seen_progress, &seen, seen_freed,
                                   cancel, store_result, &result);
    while (!result)
      g_main_context_iteration (NULL, TRUE);
    g_assert_false (virtbus_client_wait_job_finish (f->client, result, &error));
    assert_refused (error);
  }
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_cmpuint (vb_fake_service_cancel_calls (f->fake), ==, 1);
  g_assert_true (seen.freed);
  g_assert_null (seen.proxy);

  /* Blocking: the proxy and its subscriptions go before the call returns. */
  g_clear_error (&error);
  memset (&seen, 0, sizeof seen);
  g_assert_false (
    virtbus_client_wait_job (f->client, VB_FAKE_JOB_PATH, seen_progress, &seen, cancel, &error));
  assert_refused (error);
  g_assert_cmpuint (vb_fake_service_cancel_calls (f->fake), ==, 2);
  g_assert_null (seen.proxy);
}

/* An OpenConsole reply without the descriptor it names: an error, not a
 * crash or a NULL without one. */
static void
test_console_bad_reply (FakeFixture *f, gconstpointer data)
{
  static const VbFakeConsoleReply replies[] = { VB_FAKE_CONSOLE_NO_FDS, VB_FAKE_CONSOLE_BAD_INDEX };
  g_autoptr (GError) error = NULL;
  g_autoptr (VirtbusDomain) domain =
    virtbus_client_lookup_domain (f->client, VB_FAKE_DOMAIN_NAME, &error);

  g_assert_no_error (error);
  for (guint i = 0; i < G_N_ELEMENTS (replies); i++)
    {
      g_autoptr (GIOStream) stream = NULL;
      g_autoptr (GAsyncResult) result = NULL;

      vb_fake_service_set_console_reply (f->fake, replies[i]);
      stream =
        virtbus_client_open_console (f->client, domain, VIRTBUS_CONSOLE_FLAGS_NONE, NULL, &error);
      g_assert_null (stream);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      g_test_message ("%s", error->message);
      g_clear_error (&error);

      virtbus_client_open_console_async (f->client, domain, VIRTBUS_CONSOLE_FLAGS_NONE, NULL,
                                         store_result, &result);
      while (!result)
        g_main_context_iteration (NULL, TRUE);
      stream = virtbus_client_open_console_finish (f->client, result, &error);
      g_assert_null (stream);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA);
      g_clear_error (&error);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, func) g_test_add (path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
  ADD ("/client/connect", test_connect);
  ADD ("/client/connect-async", test_connect_async);
  ADD ("/client/not-running", test_not_running);
  ADD ("/client/lookup-domain", test_lookup_domain);
  ADD ("/client/lookup-network-pool-volume", test_lookup_network_pool_volume);
  ADD ("/client/start-stop", test_start_stop);
  ADD ("/client/wait-job", test_wait_job);
  ADD ("/client/wait-job-failed", test_wait_job_failed);
  ADD ("/client/wait-job-cancel", test_wait_job_cancel);
  ADD ("/client/console-unsupported", test_console_unsupported);
#define ADD_FAKE(path, func) g_test_add (path, FakeFixture, NULL, fake_set_up, func, fake_tear_down)
  ADD_FAKE ("/client/wait-job-cancel-refused", test_wait_job_cancel_refused);
  ADD_FAKE ("/client/console-bad-reply", test_console_bad_reply);
  return g_test_run ();
}
