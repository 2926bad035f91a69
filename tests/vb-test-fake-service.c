/* A fake virtbusd for replies the real one never gives: see
 * vb-test-fake-service.h. */
#include "vb-test-fake-service.h"

#include <gio/gunixfdlist.h>
#include <sys/socket.h>
#include <unistd.h>

struct _VbFakeService {
  char *address;
  GThread *thread;
  GMainContext *context;
  GMainLoop *loop;
  GMutex lock;
  GCond cond;
  gboolean ready;
  GError *error;
  gint console_reply; /* VbFakeConsoleReply, read in the service's thread */
  guint cancel_calls;
};

static gboolean
handle_open_console (VirtbusDomain *domain, GDBusMethodInvocation *invocation, GUnixFDList *fd_list,
                     guint flags, gpointer user_data)
{
  VbFakeService *fake = user_data;
  g_autoptr (GUnixFDList) fds = NULL;
  int pair[2];

  switch ((VbFakeConsoleReply) g_atomic_int_get (&fake->console_reply))
    {
    case VB_FAKE_CONSOLE_NO_FDS:
      virtbus_domain_complete_open_console (domain, invocation, NULL, g_variant_new_handle (0));
      break;
    case VB_FAKE_CONSOLE_BAD_INDEX:
      g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair), ==, 0);
      fds = g_unix_fd_list_new_from_array (pair, 1);
      close (pair[1]);
      virtbus_domain_complete_open_console (domain, invocation, fds, g_variant_new_handle (3));
      break;
    }
  return TRUE;
}

static gboolean
handle_cancel (VirtbusJob *job, GDBusMethodInvocation *invocation, gpointer user_data)
{
  VbFakeService *fake = user_data;

  g_atomic_int_inc (&fake->cancel_calls);
  g_dbus_method_invocation_return_error (invocation, VIRTBUS_ERROR, VIRTBUS_ERROR_OPERATION_INVALID,
                                         "The fake job cannot be cancelled in phase running");
  return TRUE;
}

static GDBusObjectSkeleton *
domain_object (VbFakeService *fake)
{
  VirtbusObjectSkeleton *object = virtbus_object_skeleton_new (VB_FAKE_DOMAIN_PATH);
  g_autoptr (VirtbusDomain) domain = virtbus_domain_skeleton_new ();

  virtbus_domain_set_name (domain, VB_FAKE_DOMAIN_NAME);
  virtbus_domain_set_uuid (domain, "6a3c3b5e-7d0c-4a9f-9f5d-0d3e2c1b4aff");
  virtbus_domain_set_state (domain, "running");
  g_signal_connect (domain, "handle-open-console", G_CALLBACK (handle_open_console), fake);
  virtbus_object_skeleton_set_domain (object, domain);
  return G_DBUS_OBJECT_SKELETON (object);
}

static GDBusObjectSkeleton *
job_object (VbFakeService *fake)
{
  VirtbusObjectSkeleton *object = virtbus_object_skeleton_new (VB_FAKE_JOB_PATH);
  g_autoptr (VirtbusJob) job = virtbus_job_skeleton_new ();

  virtbus_job_set_operation (job, "fake");
  virtbus_job_set_phase (job, "running");
  virtbus_job_set_progress (job, -1);
  virtbus_job_set_object (job, VB_FAKE_DOMAIN_PATH);
  virtbus_job_set_cancelable (job, FALSE);
  virtbus_job_set_details (job, g_variant_new ("a{sv}", NULL));
  g_signal_connect (job, "handle-cancel", G_CALLBACK (handle_cancel), fake);
  virtbus_object_skeleton_set_job (object, job);
  return G_DBUS_OBJECT_SKELETON (object);
}

static void
say_ready (VbFakeService *fake, GError *error)
{
  g_mutex_lock (&fake->lock);
  fake->ready = TRUE;
  fake->error = error;
  g_cond_signal (&fake->cond);
  g_mutex_unlock (&fake->lock);
}

static gpointer
run (gpointer data)
{
  VbFakeService *fake = data;
  g_autoptr (GDBusConnection) connection = NULL;
  g_autoptr (GDBusObjectManagerServer) server = NULL;
  g_autoptr (GDBusObjectSkeleton) domain = NULL;
  g_autoptr (GDBusObjectSkeleton) job = NULL;
  g_autoptr (GVariant) reply = NULL;
  GError *error = NULL;
  guint32 code = 0;

  g_main_context_push_thread_default (fake->context);
  connection =
    g_dbus_connection_new_for_address_sync (fake->address,
                                            G_DBUS_CONNECTION_FLAGS_AUTHENTICATION_CLIENT
                                              | G_DBUS_CONNECTION_FLAGS_MESSAGE_BUS_CONNECTION,
                                            NULL, NULL, &error);
  if (connection)
    {
      server = g_dbus_object_manager_server_new (VIRTBUS_MANAGER_PATH);
      domain = domain_object (fake);
      job = job_object (fake);
      g_dbus_object_manager_server_export (server, domain);
      g_dbus_object_manager_server_export (server, job);
      g_dbus_object_manager_server_set_connection (server, connection);
      /* DO_NOT_QUEUE: the name is ours when the reply comes, or never. */
      reply = g_dbus_connection_call_sync (
        connection, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
        "RequestName", g_variant_new ("(su)", VIRTBUS_BUS_NAME, 4), G_VARIANT_TYPE ("(u)"),
        G_DBUS_CALL_FLAGS_NONE, -1, NULL, &error);
    }
  if (reply)
    g_variant_get (reply, "(u)", &code);
  if (reply && code != 1) /* DBUS_REQUEST_NAME_REPLY_PRIMARY_OWNER */
    g_set_error (&error, G_DBUS_ERROR, G_DBUS_ERROR_ADDRESS_IN_USE, "%s is taken",
                 VIRTBUS_BUS_NAME);
  say_ready (fake, error);
  if (!error)
    g_main_loop_run (fake->loop);
  if (server)
    g_dbus_object_manager_server_set_connection (server, NULL);
  if (connection)
    g_dbus_connection_close_sync (connection, NULL, NULL);
  g_main_context_pop_thread_default (fake->context);
  return NULL;
}

VbFakeService *
vb_fake_service_new (const char *bus_address)
{
  VbFakeService *fake = g_new0 (VbFakeService, 1);

  fake->address = g_strdup (bus_address);
  fake->context = g_main_context_new ();
  fake->loop = g_main_loop_new (fake->context, FALSE);
  g_mutex_init (&fake->lock);
  g_cond_init (&fake->cond);
  fake->thread = g_thread_new ("fake-virtbusd", run, fake);
  g_mutex_lock (&fake->lock);
  while (!fake->ready)
    g_cond_wait (&fake->cond, &fake->lock);
  g_mutex_unlock (&fake->lock);
  g_assert_no_error (fake->error);
  return fake;
}

void
vb_fake_service_set_console_reply (VbFakeService *fake, VbFakeConsoleReply reply)
{
  g_atomic_int_set (&fake->console_reply, reply);
}

guint
vb_fake_service_cancel_calls (VbFakeService *fake)
{
  return g_atomic_int_get (&fake->cancel_calls);
}

static gboolean
quit (gpointer data)
{
  g_main_loop_quit (data);
  return G_SOURCE_REMOVE;
}

void
vb_fake_service_free (VbFakeService *fake)
{
  if (!fake)
    return;
  g_main_context_invoke (fake->context, quit, fake->loop);
  g_thread_join (fake->thread);
  g_main_loop_unref (fake->loop);
  g_main_context_unref (fake->context);
  g_mutex_clear (&fake->lock);
  g_cond_clear (&fake->cond);
  g_free (fake->address);
  g_free (fake);
}
