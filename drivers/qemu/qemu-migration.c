/* Live migration in the QEMU driver: the destination's incoming QEMU, the
 * source's migrate command, and what their QMP events mean for the domain. */
#include "qemu-migration.h"

#include <gio/gio.h>
#include <string.h>

#include "vb-flags.h"
#include "qemu-domain-private.h"
#include "qemu-migration-tls.h"
#include "qemu-process.h"
#include "qemu-transient.h"
#include "vb-error.h"
#include "vb-log.h"

#define POLL_INTERVAL_MS 500
#define DEFAULT_PORT_MIN 49152
#define DEFAULT_PORT_MAX 49215
#define DEFAULT_AUTO_POSTCOPY_PASSES 5

typedef struct {
  VbDomain *domain;
  VbJob *job;
  guint flags;
  gboolean auto_postcopy;
  guint auto_postcopy_passes;
  guint64 best_remaining; /* the least remaining bytes seen; progress means it shrinks */
  guint stalled_passes;
  guint64 downtime_limit_ms;
  gboolean postcopy_started;
  guint final_queries; /* asked again after "completed" until QEMU has the final figures */
  gulong cancel_handler;
  char *uri;
  GVariant *params;
} Migration;

static void
migration_free (Migration *m)
{
  if (m->cancel_handler)
    g_cancellable_disconnect (vb_job_get_cancellable (m->job), m->cancel_handler);
  g_object_unref (m->job);
  g_object_unref (m->domain);
  g_free (m->uri);
  g_variant_unref (m->params);
  g_free (m);
}

void
vb_qemu_migrate_set_capabilities (QemuDomain *qd, const VbQemuMigrateCap *caps, guint n_caps)
{
  JsonObject *args = json_object_new ();
  JsonArray *list = json_array_new ();

  for (guint i = 0; i < n_caps; i++)
    {
      JsonObject *cap = json_object_new ();
      json_object_set_string_member (cap, "capability", caps[i].name);
      json_object_set_boolean_member (cap, "state", caps[i].on);
      json_array_add_object_element (list, cap);
    }
  json_object_set_array_member (args, "capabilities", list);
  vb_qemu_execute_logged (qd, "migrate-set-capabilities", args);
}

/* The capabilities both sides set, from the flags and what was agreed. */
static void
set_capabilities (QemuDomain *qd, guint flags, gboolean preempt)
{
  VbQemuMigrateCap caps[] = {
    { "postcopy-ram", (flags & VB_MIGRATE_POSTCOPY) != 0 },
    { "postcopy-preempt", (flags & VB_MIGRATE_POSTCOPY) && preempt },
    { "multifd", (flags & VB_MIGRATE_PARALLEL) != 0 },
    { "auto-converge", (flags & VB_MIGRATE_AUTO_CONVERGE) != 0 },
    { "pause-before-switchover", FALSE },
    /* MIGRATION and MIGRATION_PASS events: without them QEMU says nothing. */
    { "events", TRUE },
  };

  vb_qemu_migrate_set_capabilities (qd, caps, G_N_ELEMENTS (caps));
}

static gboolean
param_bool (GVariant *params, const char *key, gboolean fallback)
{
  gboolean value;
  return g_variant_lookup (params, key, "b", &value) ? value : fallback;
}

static guint32
param_u32 (GVariant *params, const char *key, guint32 fallback)
{
  guint32 value;
  return g_variant_lookup (params, key, "u", &value) ? value : fallback;
}

static guint64
param_u64 (GVariant *params, const char *key, guint64 fallback)
{
  guint64 value;
  return g_variant_lookup (params, key, "t", &value) ? value : fallback;
}

/* ---- destination ---- */

typedef struct {
  VbDomain *domain;
  GVariant *params;
  guint flags;
  gboolean preempt;
  char *uri;
  char *listen_uri;
  const char *key; /* "tls-psk" of params: the stream's TLS key, NULL for a plain stream */
} Prepare;

static void
prepare_free (Prepare *p)
{
  g_object_unref (p->domain);
  g_variant_unref (p->params);
  g_free (p->uri);
  g_free (p->listen_uri);
  g_free (p);
}

static int
free_port (GInetAddress *inet, guint min, guint max)
{
  for (guint port = min; port <= max; port++)
    {
      g_autoptr (GSocket) socket = g_socket_new (g_inet_address_get_family (inet),
                                                 G_SOCKET_TYPE_STREAM, G_SOCKET_PROTOCOL_TCP, NULL);
      g_autoptr (GSocketAddress) where = g_inet_socket_address_new (inet, port);

      /* SO_REUSEADDR as QEMU sets it: a port whose last stream lingers in
       * TIME_WAIT is free for QEMU, and a listening one still is not. */
      if (socket && g_socket_bind (socket, where, TRUE, NULL))
        return (int) port;
    }
  return -1;
}

/* tcp:HOST:PORT, with an IPv6 literal in brackets as QEMU wants it. */
static char *
tcp_uri (const char *host, int port)
{
  return strchr (host, ':') ? g_strdup_printf ("tcp:[%s]:%d", host, port)
                            : g_strdup_printf ("tcp:%s:%d", host, port);
}

/* What Prepare tells the source: where to send, and whether with preempt. */
static void
return_answer (GTask *task, Prepare *p)
{
  GVariantDict answer;

  g_variant_dict_init (&answer, NULL);
  g_variant_dict_insert (&answer, "uri", "s", p->uri);
  g_variant_dict_insert (&answer, "postcopy-preempt", "b", p->preempt);
  g_variant_dict_insert (&answer, "tls", "b", p->key != NULL);
  g_task_return_pointer (task, g_variant_ref_sink (g_variant_dict_end (&answer)),
                         (GDestroyNotify) g_variant_unref);
  g_object_unref (task);
}

/* Picks the port the incoming QEMU listens on and sets p->uri, the address
 * the source connects to; returns the listen URI, or NULL with @error.
 * The stream is not authenticated, so QEMU listens only where the source
 * sends it (destination-host, 127.0.0.1 for a local bus) unless the caller
 * names another address: on every address (0.0.0.0) only when asked. */
static char *
choose_listen_uri (Prepare *p, GError **error)
{
  const char *host = "127.0.0.1";
  const char *listen = NULL;
  guint min = param_u32 (p->params, "port-min", DEFAULT_PORT_MIN);
  guint max = param_u32 (p->params, "port-max", DEFAULT_PORT_MAX);
  g_autoptr (GInetAddress) inet = NULL;
  int port;

  g_variant_lookup (p->params, "destination-host", "&s", &host);
  if (!g_variant_lookup (p->params, "listen-address", "&s", &listen))
    listen = host;
  inet = g_inet_address_new_from_string (listen);
  if (!inet)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                   "The migration stream cannot listen on '%s': give listen-address as an IP "
                   "address of the destination",
                   listen);
      return NULL;
    }
  port = free_port (inet, min, max);
  if (port < 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED,
                   "No free port between %u and %u on %s for the migration stream", min, max,
                   listen);
      return NULL;
    }
  g_free (p->uri);
  p->uri = tcp_uri (host, port);
  return tcp_uri (listen, port);
}

static void
incoming_listening (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Prepare *p = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (p->domain);
  GError *error = NULL;
  g_autoptr (JsonNode) reply = vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, &error);

  if (!reply || !qd || qd->gone)
    {
      if (qd && !qd->gone)
        {
          qd->stopping = STOP_FAILED;
          vb_qemu_terminate (qd);
        }
      g_task_return_error (task, error ? error : g_error_new (VB_ERROR, VB_ERROR_FAILED,
                                                              "The incoming QEMU ended"));
      g_object_unref (task);
      return;
    }
  /* No cont yet: QEMU would claim the disks the source still writes. It
   * comes when the source lets go: at the switch to post-copy, or Finish. */
  qd->incoming_paused = (p->flags & VB_MIGRATE_PAUSED) != 0;
  vb_qemu_set_state (qd, VB_DOMAIN_PAUSED, "migration");
  vb_domain_emit_lifecycle (p->domain, "started", "migrated");

  return_answer (task, p);
}

static void listen_incoming (GTask *task);

static void
incoming_tls_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  QemuDomain *qd = vb_qemu_domain_of (VB_DOMAIN (source));
  GError *error = NULL;

  if (!vb_qemu_migration_tls_setup_finish (VB_DOMAIN (source), result, &error))
    {
      if (qd && !qd->gone)
        {
          qd->stopping = STOP_FAILED;
          vb_qemu_terminate (qd);
        }
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (!qd || qd->gone)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED, "The incoming QEMU ended");
      g_object_unref (task);
      return;
    }
  listen_incoming (task);
}

static void
incoming_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Prepare *p = g_task_get_task_data (task);
  QemuDomain *qd;
  GError *error = NULL;
  g_autofree char *listen_uri = NULL;

  if (!vb_qemu_start_incoming_finish (result, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  qd = vb_qemu_domain_of (p->domain);
  listen_uri = choose_listen_uri (p, &error);
  if (!listen_uri)
    {
      qd->stopping = STOP_FAILED;
      vb_qemu_terminate (qd);
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  p->listen_uri = g_steal_pointer (&listen_uri);
  /* TLS before anything listens: no moment where the port takes a plain stream. */
  if (p->key)
    vb_qemu_migration_tls_setup_async (qd, TRUE, p->key, incoming_tls_ready, task);
  else
    listen_incoming (task);
}

static void
listen_incoming (GTask *task)
{
  Prepare *p = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (p->domain);

  p->preempt = param_bool (p->params, "postcopy-preempt", FALSE)
               && vb_qemu_driver.caps
               && vb_qemu_caps_has_migration_cap (vb_qemu_driver.caps, "postcopy-preempt");
  set_capabilities (qd, p->flags, p->preempt);
  if (p->flags & VB_MIGRATE_PARALLEL)
    {
      JsonObject *args = json_object_new ();
      json_object_set_int_member (args, "multifd-channels",
                                  param_u32 (p->params, "parallel-connections", 2));
      vb_qemu_execute_logged (qd, "migrate-set-parameters", args);
    }
  {
    g_autoptr (JsonObject) args = json_object_new ();

    json_object_set_string_member (args, "uri", p->listen_uri);
    /* QEMU runs commands in order: the capabilities are set before this. */
    vb_qmp_client_execute_async (qd->qmp, "migrate-incoming", args, -1, NULL,
                                 incoming_listening, task);
  }
}

static void
recovering (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Prepare *p = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr (JsonNode) reply = vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, &error);

  if (!reply)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  return_answer (task, p);
}

static void
recover (GTask *task)
{
  Prepare *p = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (p->domain);
  g_autoptr (JsonObject) args = json_object_new ();

  if (!qd || qd->gone)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED, "The incoming QEMU ended");
      g_object_unref (task);
      return;
    }
  json_object_set_string_member (args, "uri", p->listen_uri);
  vb_qmp_client_execute_async (qd->qmp, "migrate-recover", args, -1, NULL, recovering, task);
}

static void
recovery_tls_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  GError *error = NULL;

  if (!vb_qemu_migration_tls_setup_finish (VB_DOMAIN (source), result, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  recover (task);
}

/* The incoming QEMU of a broken post-copy listens again (migrate-recover). */
static void
prepare_recovery (GTask *task)
{
  Prepare *p = g_task_get_task_data (task);
  QemuDomain *qd = vb_qemu_domain_of (p->domain);
  g_autofree char *listen_uri = NULL;
  GError *error = NULL;

  if (!qd || qd->gone || !qd->incoming
      || g_strcmp0 (qd->migration_status, "postcopy-paused") != 0)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                               "The incoming guest is not waiting for a post-copy recovery");
      g_object_unref (task);
      return;
    }
  listen_uri = choose_listen_uri (p, &error);
  if (!listen_uri)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  p->preempt = param_bool (p->params, "postcopy-preempt", FALSE);
  p->listen_uri = g_steal_pointer (&listen_uri);
  /* The new stream has a new key; QEMU reads the new file at its handshake. */
  if (p->key)
    {
      vb_qemu_migration_tls_setup_async (qd, TRUE, p->key, recovery_tls_ready, task);
      return;
    }
  /* The source asked for a plain stream this time. */
  vb_qemu_migration_tls_teardown (qd);
  recover (task);
}

void
vb_qemu_migrate_prepare_async (VbDriverHost *host, VbDomain *domain, GVariant *params,
                               guint flags, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (domain, NULL, callback, user_data);
  Prepare *p = g_new0 (Prepare, 1);

  p->domain = g_object_ref (domain);
  p->params = g_variant_ref (params);
  p->flags = flags;
  g_variant_lookup (p->params, "tls-psk", "&s", &p->key);
  g_task_set_task_data (task, p, (GDestroyNotify) prepare_free);
  g_task_set_source_tag (task, vb_qemu_migrate_prepare_async);
  if (flags & VB_MIGRATE_POSTCOPY_RESUME)
    {
      prepare_recovery (task);
      return;
    }
  vb_qemu_start_incoming_async (domain, incoming_started, task);
}

GVariant *
vb_qemu_migrate_prepare_finish (VbDomain *domain, GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* The guest is whole here: run it (RESUME then ends the arrival, in
 * migration_event), or leave it paused as the PAUSED flag asked. */
static void
arrived (QemuDomain *qd, GTask *task)
{
  vb_log_message (vb_qemu_log_name (qd->domain), "arrived by migration");
  if (qd->incoming_paused)
    {
      qd->incoming = FALSE;
      vb_qemu_save_status (qd);
    }
  else
    vb_qemu_execute_logged (qd, "cont", NULL);
  g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

/* The stream did not arrive whole: the guest stays at the source, where it
 * is. Takes @task; @why is QEMU's own word, or NULL. */
static void
arrival_failed (QemuDomain *qd, GTask *task, const char *why)
{
  g_autofree char *tail = why ? NULL : vb_qemu_log_tail (qd);

  if (!qd->gone)
    {
      qd->stopping = STOP_FAILED;
      vb_qemu_terminate (qd);
    }
  g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED,
                           "The destination's QEMU could not load the guest: %s",
                           why ? why : tail);
  g_object_unref (task);
}

void
vb_qemu_migrate_finish_async (VbDriverHost *host, VbDomain *domain, gboolean success,
                              guint flags, GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (domain, NULL, callback, user_data);
  QemuDomain *qd = vb_qemu_domain_of (domain);

  g_task_set_source_tag (task, vb_qemu_migrate_finish_async);
  /* Either way the stream is over: its key goes. */
  if (qd)
    vb_qemu_migration_tls_teardown (qd);
  if (!success)
    {
      if (qd && !qd->gone)
        {
          vb_log_message (vb_qemu_log_name (domain), "incoming migration failed: ending its QEMU");
          qd->stopping = STOP_FAILED;
          vb_qemu_terminate (qd);
        }
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  if (!qd || qd->gone)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED,
                               "The destination's QEMU ended before the guest arrived");
      g_object_unref (task);
      return;
    }
  if (vb_domain_get_state (domain) == VB_DOMAIN_RUNNING)
    {
      /* Post-copy: it runs already. */
      vb_log_message (vb_qemu_log_name (domain), "arrived by migration");
      qd->incoming = FALSE;
      vb_qemu_set_state (qd, VB_DOMAIN_RUNNING, "migrated");
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  /* The source's QEMU is done sending, which does not mean this one is done
   * loading (the devices' state comes last): wait for its own verdict. */
  if (g_strcmp0 (qd->migration_status, "completed") == 0)
    arrived (qd, task);
  else if (g_strcmp0 (qd->migration_status, "failed") == 0)
    arrival_failed (qd, task, NULL);
  else
    {
      g_clear_object (&qd->arrival);
      qd->arrival = task;
    }
}

gboolean
vb_qemu_migrate_finish_finish (VbDomain *domain, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, domain), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- source ---- */

static Migration *
migration_of (QemuDomain *qd)
{
  return qd && qd->migration ? g_task_get_task_data (qd->migration) : NULL;
}

/* Ends the source's perform with @error (NULL: success). */
static void
perform_done (QemuDomain *qd, GError *error)
{
  GTask *task = g_steal_pointer (&qd->migration);

  /* Every attempt has its own key; a recovery sets up a new one. */
  vb_qemu_migration_tls_teardown (qd);
  if (qd->migration_poll)
    {
      g_source_remove (qd->migration_poll);
      qd->migration_poll = 0;
    }
  if (!task)
    {
      g_clear_error (&error);
      return;
    }
  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
update_job (QemuDomain *qd, JsonObject *info)
{
  Migration *m = migration_of (qd);
  JsonObject *ram = vb_qmp_member_object (info, "ram");
  GVariantDict details;
  guint64 total, transferred, remaining, mbps_rate;
  double mbps;

  if (!m || !ram)
    return;
  total = (guint64) vb_qmp_member_int (ram, "total", 0);
  transferred = (guint64) vb_qmp_member_int (ram, "transferred", 0);
  remaining = (guint64) vb_qmp_member_int (ram, "remaining", 0);
  {
    JsonNode *node = json_object_get_member (ram, "mbps");
    mbps = node && JSON_NODE_HOLDS_VALUE (node) ? json_node_get_double (node) : 0;
  }
  mbps_rate = (guint64) (mbps * 1000 * 1000 / 8);
  /* Progress of what is left to send, so a second pass does not look done. */
  vb_job_set_bytes (m->job, total, total > remaining ? total - remaining : 0, mbps_rate);
  g_variant_dict_init (&details, NULL);
  g_variant_dict_insert (&details, "transferred", "t", transferred);
  g_variant_dict_insert (&details, "remaining", "t", remaining);
  g_variant_dict_insert (&details, "dirty-rate", "t",
                         (guint64) vb_qmp_member_int (ram, "dirty-pages-rate", 0)
                           * (guint64) vb_qmp_member_int (ram, "page-size", 4096));
  g_variant_dict_insert (&details, "iteration", "t",
                         (guint64) vb_qmp_member_int (ram, "dirty-sync-count", 0));
  g_variant_dict_insert (&details, "expected-downtime", "t",
                         (guint64) vb_qmp_member_int (info, "expected-downtime", 0));
  g_variant_dict_insert (&details, "downtime", "t",
                         (guint64) vb_qmp_member_int (info, "downtime", 0));
  g_variant_dict_insert (&details, "elapsed", "t",
                         (guint64) vb_qmp_member_int (info, "total-time", 0));
  g_variant_dict_insert (&details, "postcopy-requests", "t",
                         (guint64) vb_qmp_member_int (ram, "postcopy-requests", 0));
  vb_job_set_details (m->job, g_variant_dict_end (&details));

  /* Beyond libvirt: switch to post-copy by itself when pre-copy does not converge. */
  if (m->auto_postcopy && !m->postcopy_started
      && g_strcmp0 (vb_qmp_member_string (info, "status"), "active") == 0
      && vb_qmp_member_int (ram, "dirty-sync-count", 0) > 1)
    {
      guint64 expected = (guint64) vb_qmp_member_int (info, "expected-downtime", 0);

      if (remaining && (m->best_remaining == 0 || remaining < m->best_remaining * 95 / 100))
        {
          m->best_remaining = remaining;
          m->stalled_passes = 0;
        }
      else
        m->stalled_passes++;
      if (m->stalled_passes >= m->auto_postcopy_passes
          || (m->downtime_limit_ms && expected > m->downtime_limit_ms * 4
              && m->stalled_passes >= 2))
        {
          vb_log_message (vb_qemu_log_name (qd->domain),
                          "pre-copy does not converge (remaining %" G_GUINT64_FORMAT
                          " bytes): switching to post-copy",
                          remaining);
          m->postcopy_started = TRUE;
          vb_qemu_execute_logged (qd, "migrate-start-postcopy", NULL);
        }
    }
}

static void query (QemuDomain *qd);

static gboolean
query_again (gpointer user_data)
{
  QemuDomain *qd = vb_qemu_domain_of (user_data);

  if (qd && qd->qmp && !qd->gone && qd->migration)
    query (qd);
  return G_SOURCE_REMOVE;
}

static void
queried (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbDomain *domain = user_data;
  QemuDomain *qd = vb_qemu_domain_of (domain);
  g_autoptr (JsonNode) reply = vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, NULL);

  if (reply && JSON_NODE_HOLDS_OBJECT (reply) && qd && !qd->gone)
    {
      JsonObject *info = json_node_get_object (reply);
      const char *status = vb_qmp_member_string (info, "status");

      update_job (qd, info);
      if (qd->migration && g_strcmp0 (status, "failed") == 0)
        {
          const char *why = vb_qmp_member_string (info, "error-desc");
          perform_done (qd, g_error_new (VB_ERROR, VB_ERROR_FAILED, "The migration failed: %s",
                                         why ? why : "QEMU gave no reason"));
        }
      else if (qd->migration && g_strcmp0 (status, "completed") == 0)
        {
          Migration *m = migration_of (qd);

          /* QEMU says "completed" a moment before it has filled in the
           * downtime and the last bytes: ask again, briefly, for them. */
          if (m && vb_qmp_member_int (info, "downtime", 0) == 0 && m->final_queries < 10)
            {
              m->final_queries++;
              g_timeout_add_full (G_PRIORITY_DEFAULT, 10, query_again, g_object_ref (domain),
                                  g_object_unref);
            }
          else
            perform_done (qd, NULL);
        }
      else if (qd->migration && g_strcmp0 (status, "cancelled") == 0)
        perform_done (qd, g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                       "The migration was cancelled"));
    }
  g_object_unref (domain);
}

static void
query (QemuDomain *qd)
{
  vb_qmp_client_execute_async (qd->qmp, "query-migrate", NULL, -1, NULL, queried,
                               g_object_ref (qd->domain));
}

static gboolean
poll_progress (gpointer user_data)
{
  QemuDomain *qd = user_data;

  query (qd);
  return G_SOURCE_CONTINUE;
}

static void check_postcopy_run (VbDomain *domain);

static void
postcopy_status (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbDomain *domain = user_data;
  QemuDomain *qd = vb_qemu_domain_of (domain);
  g_autoptr (JsonNode) reply = vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, NULL);
  const char *status = reply && JSON_NODE_HOLDS_OBJECT (reply)
                         ? vb_qmp_member_string (json_node_get_object (reply), "status")
                         : NULL;

  if (qd && !qd->gone && qd->incoming)
    {
      if (g_strcmp0 (status, "inmigrate") == 0)
        check_postcopy_run (domain);
      else if (g_strcmp0 (status, "paused") == 0)
        vb_qemu_execute_logged (qd, "cont", NULL);
    }
  g_object_unref (domain);
}

static gboolean
postcopy_status_due (gpointer user_data)
{
  VbDomain *domain = user_data;
  QemuDomain *qd = vb_qemu_domain_of (domain);

  if (qd && !qd->gone && qd->qmp)
    vb_qmp_client_execute_async (qd->qmp, "query-status", NULL, -1, NULL, postcopy_status,
                                 g_object_ref (domain));
  return G_SOURCE_REMOVE;
}

static void
check_postcopy_run (VbDomain *domain)
{
  g_timeout_add_full (G_PRIORITY_DEFAULT, 10, postcopy_status_due, g_object_ref (domain),
                      g_object_unref);
}

static void
wait_for_postcopy_run (QemuDomain *qd)
{
  check_postcopy_run (qd->domain);
}

static gboolean
migration_event (QemuDomain *qd, const char *name, JsonObject *data)
{
  VbDomain *domain = qd->domain;
  const char *status = g_str_equal (name, "MIGRATION") ? vb_qmp_member_string (data, "status")
                                                       : NULL;
  Migration *m = migration_of (qd);

  if (!qd->incoming && !qd->migrating)
    return FALSE;
  if (status)
    {
      g_free (qd->migration_status);
      qd->migration_status = g_strdup (status);
    }

  if (qd->incoming)
    {
      if (g_str_equal (name, "RESUME"))
        {
          gboolean postcopy = g_strcmp0 (qd->migration_status, "postcopy-active") == 0;
          vb_qemu_set_state (qd, VB_DOMAIN_RUNNING, postcopy ? "postcopy" : "migrated");
          vb_domain_emit_lifecycle (domain, "resumed", postcopy ? "postcopy" : "migrated");
          if (!postcopy)
            qd->incoming = FALSE;
          return TRUE;
        }
      if (g_strcmp0 (status, "postcopy-active") == 0
          && vb_domain_get_state (domain) == VB_DOMAIN_PAUSED
          && g_strcmp0 (vb_domain_get_state_reason (domain), "postcopy-failed") == 0)
        {
          /* Recovered: the stream flows again and the guest gets its pages. */
          vb_qemu_set_state (qd, VB_DOMAIN_RUNNING, "postcopy");
          vb_domain_emit_lifecycle (domain, "resumed", "postcopy");
          return TRUE;
        }
      if (g_strcmp0 (status, "postcopy-active") == 0 && !qd->incoming_paused)
        {
          /* Not cont now: the guest must not run before QEMU has dropped the
           * pages the source dirtied since it sent them, which it does just
           * before the source's "run". Wait for QEMU to leave "inmigrate". */
          wait_for_postcopy_run (qd);
          return TRUE;
        }
      if (qd->arrival && g_strcmp0 (status, "completed") == 0)
        arrived (qd, g_steal_pointer (&qd->arrival));
      else if (qd->arrival && g_strcmp0 (status, "failed") == 0)
        arrival_failed (qd, g_steal_pointer (&qd->arrival), NULL);
      else if (g_strcmp0 (status, "completed") == 0
               && vb_domain_get_state (domain) == VB_DOMAIN_RUNNING)
        vb_qemu_set_state (qd, VB_DOMAIN_RUNNING, "migrated");
      else if (g_strcmp0 (status, "postcopy-paused") == 0)
        {
          /* The stream broke in post-copy: neither side has the whole guest. */
          vb_qemu_set_state (qd, VB_DOMAIN_PAUSED, "postcopy-failed");
          vb_domain_emit_lifecycle (domain, "suspended", "postcopy-failed");
        }
      return g_str_equal (name, "STOP") || status != NULL;
    }

  /* The source. */
  if (g_str_equal (name, "STOP"))
    {
      gboolean postcopy = g_strcmp0 (qd->migration_status, "postcopy-active") == 0;
      vb_qemu_set_state (qd, VB_DOMAIN_PAUSED, postcopy ? "postcopy" : "migration");
      vb_domain_emit_lifecycle (domain, "suspended", postcopy ? "postcopy" : "migrated");
      return TRUE;
    }
  if (g_str_equal (name, "MIGRATION_PASS"))
    {
      /* A new pass: fresh figures for the job (and the post-copy policy). */
      query (qd);
      return TRUE;
    }
  if (g_str_equal (name, "UNPLUG_PRIMARY"))
    {
      /* virtio-net failover: QEMU asked the guest to release the transient
       * device; the migration waits for it ("wait-unplug"). */
      vb_log_message (vb_qemu_log_name (domain), "failover: QEMU unplugs '%s' for the migration",
                      vb_qmp_member_string (data, "device-id"));
      return TRUE;
    }
  if (!status)
    return FALSE;
  if (m && g_str_equal (status, "wait-unplug"))
    vb_job_set_phase (m->job, "wait-unplug");
  else if (m && g_str_equal (status, "active"))
    vb_job_set_phase (m->job, "precopy");
  else if (g_str_equal (status, "postcopy-active"))
    {
      if (m)
        {
          m->postcopy_started = TRUE;
          vb_job_set_phase (m->job, "postcopy");
          /* Past the switch-over the source cannot take the guest back. */
          vb_job_set_cancelable (m->job, FALSE);
        }
      if (vb_domain_get_state (domain) == VB_DOMAIN_PAUSED)
        {
          vb_qemu_set_state (qd, VB_DOMAIN_PAUSED, "postcopy");
          vb_domain_emit_lifecycle (domain, "suspended", "postcopy");
        }
    }
  else if (g_str_equal (status, "postcopy-paused"))
    {
      vb_qemu_set_state (qd, VB_DOMAIN_PAUSED, "postcopy-failed");
      perform_done (qd, g_error_new (VB_ERROR, VB_ERROR_FAILED,
                                     "The migration stream broke during post-copy: both sides "
                                     "are paused; migrate again with the POSTCOPY_RESUME flag"));
    }
  else if (g_str_equal (status, "completed") || g_str_equal (status, "failed"))
    query (qd); /* the final figures and, for a failure, QEMU's reason */
  else if (g_str_equal (status, "cancelled"))
    perform_done (qd, g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED, "The migration was cancelled"));
  return TRUE;
}

static void
on_cancel (GCancellable *cancellable, gpointer user_data)
{
  VbDomain *domain = user_data;
  QemuDomain *qd = vb_qemu_domain_of (domain);

  if (qd && qd->qmp && qd->migration)
    vb_qemu_execute_logged (qd, "migrate_cancel", NULL);
}

static void
migrate_started (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbDomain *domain = user_data;
  QemuDomain *qd = vb_qemu_domain_of (domain);
  GError *error = NULL;
  g_autoptr (JsonNode) reply = vb_qmp_client_execute_finish (VB_QMP_CLIENT (source), result, &error);

  if (!reply && qd)
    perform_done (qd, error);
  else
    g_clear_error (&error);
  g_object_unref (domain);
}

/* Sends the stream: the source's QEMU connects to the destination. */
static void
send_stream (QemuDomain *qd)
{
  Migration *m = migration_of (qd);
  VbDomain *domain = qd->domain;
  GVariant *params = m->params;
  guint64 bandwidth = param_u64 (params, "bandwidth", 0);
  guint64 downtime = param_u64 (params, "downtime", 0);

  if (m->flags & VB_MIGRATE_POSTCOPY_RESUME)
    {
      /* Same QEMU, same capabilities: only the stream is new. */
      g_autoptr (JsonObject) args = json_object_new ();

      json_object_set_string_member (args, "uri", m->uri);
      json_object_set_boolean_member (args, "resume", TRUE);
      vb_qmp_client_execute_async (qd->qmp, "migrate", args, -1, NULL, migrate_started,
                                   g_object_ref (domain));
      return;
    }
  set_capabilities (qd, m->flags, param_bool (params, "postcopy-preempt", FALSE));
  {
    g_autoptr (JsonObject) args = json_object_new ();

    /* Always set: QEMU's own default is a limit (128 MiB/s in 7.2). 0 is
     * no limit, given as the largest speed, as libvirt gives its default. */
    json_object_set_int_member (
      args, "max-bandwidth",
      (gint64) ((bandwidth ? MIN (bandwidth, VB_MIGRATE_MAX_SPEED_MIB) : VB_MIGRATE_MAX_SPEED_MIB)
                << 20));
    if (param_u64 (params, "postcopy-bandwidth", 0))
      json_object_set_int_member (args, "max-postcopy-bandwidth",
                                  (gint64) (param_u64 (params, "postcopy-bandwidth", 0) << 20));
    if (downtime)
      json_object_set_int_member (args, "downtime-limit", (gint64) downtime);
    if (m->flags & VB_MIGRATE_PARALLEL)
      json_object_set_int_member (args, "multifd-channels",
                                  param_u32 (params, "parallel-connections", 2));
    if (json_object_get_size (args))
      vb_qemu_execute_logged (qd, "migrate-set-parameters", json_object_ref (args));
  }
  {
    g_autoptr (JsonObject) args = json_object_new ();
    json_object_set_string_member (args, "uri", m->uri);
    vb_qmp_client_execute_async (qd->qmp, "migrate", args, -1, NULL, migrate_started,
                                 g_object_ref (domain));
  }
}

static void
source_tls_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  VbDomain *domain = VB_DOMAIN (source);
  QemuDomain *qd = vb_qemu_domain_of (domain);
  GError *error = NULL;

  if (!vb_qemu_migration_tls_setup_finish (domain, result, &error))
    {
      if (qd)
        perform_done (qd, error);
      else
        g_clear_error (&error);
      return;
    }
  if (qd && !qd->gone && qd->migration)
    send_stream (qd);
}

void
vb_qemu_migrate_perform_async (VbDriverHost *host, VbDomain *domain, const char *uri,
                               GVariant *params, guint flags, VbJob *job,
                               GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (domain, NULL, callback, user_data);
  QemuDomain *qd = vb_qemu_domain_of (domain);
  Migration *m = g_new0 (Migration, 1);
  const char *key = NULL;

  g_task_set_source_tag (task, vb_qemu_migrate_perform_async);
  m->domain = g_object_ref (domain);
  m->job = g_object_ref (job);
  m->flags = flags;
  m->uri = g_strdup (uri);
  m->params = g_variant_ref (params);
  m->auto_postcopy = param_bool (params, "auto-postcopy", FALSE);
  m->auto_postcopy_passes =
    param_u32 (params, "auto-postcopy-passes", DEFAULT_AUTO_POSTCOPY_PASSES);
  m->downtime_limit_ms = param_u64 (params, "downtime", 0);
  g_task_set_task_data (task, m, (GDestroyNotify) migration_free);
  if (!qd || !qd->qmp || qd->gone)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                               "The QEMU of the domain is not reachable");
      g_object_unref (task);
      return;
    }
  {
    GError *error = NULL;

    if (!vb_qemu_transient_refuse (domain, "migrate", &error))
      {
        g_task_return_error (task, error);
        g_object_unref (task);
        return;
      }
  }
  qd->migrating = TRUE;
  qd->migration = task;
  m->cancel_handler = g_cancellable_connect (vb_job_get_cancellable (job), G_CALLBACK (on_cancel),
                                             g_object_ref (domain), g_object_unref);
  if (flags & VB_MIGRATE_POSTCOPY_RESUME)
    {
      m->postcopy_started = TRUE;
      vb_job_set_phase (job, "postcopy");
      vb_job_set_cancelable (job, FALSE);
    }
  else
    vb_job_set_phase (job, "precopy");
  qd->migration_poll = g_timeout_add (POLL_INTERVAL_MS, poll_progress, qd);
  /* The key the destination got in Prepare: the stream goes only to its holder. */
  if (g_variant_lookup (params, "tls-psk", "&s", &key))
    vb_qemu_migration_tls_setup_async (qd, FALSE, key, source_tls_ready, NULL);
  else
    send_stream (qd);
}

gboolean
vb_qemu_migrate_perform_finish (VbDomain *domain, GAsyncResult *result, GError **error)
{
  QemuDomain *qd = vb_qemu_domain_of (domain);

  if (qd)
    qd->migrating = g_strcmp0 (qd->migration_status, "postcopy-paused") == 0;
  return g_task_propagate_boolean (G_TASK (result), error);
}

void
vb_qemu_migrate_confirm (VbDriverHost *host, VbDomain *domain, gboolean success)
{
  QemuDomain *qd = vb_qemu_domain_of (domain);

  if (!qd || qd->gone)
    return;
  qd->migrating = FALSE;
  if (success)
    {
      /* The guest runs elsewhere now: this QEMU ends, the domain is shut off here. */
      qd->stopping = STOP_MIGRATED;
      vb_qemu_quit (qd);
      return;
    }
  if (vb_domain_get_state (domain) == VB_DOMAIN_PAUSED
      && g_strcmp0 (vb_domain_get_state_reason (domain), "migration") == 0)
    {
      /* Pre-copy stopped the guest for the switch-over that did not happen. */
      qd->own_resume = TRUE;
      vb_qemu_send_command (qd, "cont");
      vb_qemu_set_state (qd, VB_DOMAIN_RUNNING, "migration-canceled");
      vb_domain_emit_lifecycle (domain, "resumed", "migrated");
    }
}

gboolean
vb_qemu_migrate_control (VbDriverHost *host, VbDomain *domain, const char *what, guint64 value,
                         GError **error)
{
  QemuDomain *qd = vb_qemu_domain_of (domain);
  Migration *m = migration_of (qd);
  g_autoptr (JsonObject) args = json_object_new ();

  if (!m)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                   "Domain '%s' is not being migrated", vb_resource_get_name (VB_RESOURCE (domain)));
      return FALSE;
    }
  if (g_str_equal (what, "start-postcopy"))
    {
      if (!(m->flags & VB_MIGRATE_POSTCOPY))
        {
          g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                       "The migration was not started with the POSTCOPY flag");
          return FALSE;
        }
      if (m->postcopy_started)
        {
          g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                       "The migration is in post-copy already");
          return FALSE;
        }
      m->postcopy_started = TRUE;
      vb_qemu_execute_logged (qd, "migrate-start-postcopy", NULL);
      return TRUE;
    }
  if (g_str_equal (what, "max-speed"))
    json_object_set_int_member (args, "max-bandwidth", (gint64) value);
  else
    {
      m->downtime_limit_ms = value;
      json_object_set_int_member (args, "downtime-limit", (gint64) value);
    }
  vb_qemu_execute_logged (qd, "migrate-set-parameters", g_steal_pointer (&args));
  return TRUE;
}

/* QEMU ended: a migration in flight fails. */
static void
migration_part_gone (QemuDomain *qd)
{
  vb_qemu_migration_tls_teardown (qd);
  if (qd->arrival)
    arrival_failed (qd, g_steal_pointer (&qd->arrival), NULL);
  if (qd->migration)
    {
      GTask *migration = g_steal_pointer (&qd->migration);
      g_task_return_new_error (migration, VB_ERROR, VB_ERROR_FAILED,
                               "QEMU ended during the migration");
      g_object_unref (migration);
    }
}

static void
migration_part_free (QemuDomain *qd)
{
  if (qd->arrival)
    {
      g_task_return_new_error (qd->arrival, VB_ERROR, VB_ERROR_FAILED,
                               "The domain went away before the guest arrived");
      g_clear_object (&qd->arrival);
    }
  if (qd->migration_poll)
    g_source_remove (qd->migration_poll);
  g_free (qd->migration_status);
  g_free (qd->migration_tls_id);
}

const VbQemuPart vb_qemu_migration_part = {
  .name = "migration",
  .event = migration_event,
  .gone = migration_part_gone,
  .free = migration_part_free,
};
