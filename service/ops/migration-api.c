#include "migration-api.h"

#include <string.h>

#include "job-api.h"
#include "migration-peer.h"
#include "object-paths.h"
#include "domain-kind.h"
#include "resource-api.h"
#include "vb-error.h"
#include "vb-log.h"

#define TARGET_INTERFACE "org.virtbus.Virt1.MigrationTarget"
#define PEER_CALL_TIMEOUT_MS 120000
/* How long the source's guest may take to end after a migration before its
 * definition goes anyway (UNDEFINE_SOURCE). */
#define SOURCE_STOP_TIMEOUT_S 30
/* The stream is TLS only when the caller passes "tls": true: it cost more
 * than 10% of the migration's time in bench-migration (docs/migration.md). */
#define TLS_BY_DEFAULT FALSE

/* ---- checking the call ---- */

static const VbParamSpec known_params[] = {
  { "bandwidth", "t" },      { "postcopy-bandwidth", "t" },
  { "downtime", "t" },       { "parallel-connections", "u" },
  { "listen-address", "s" }, { "destination-host", "s" },
  { "port-min", "u" },       { "port-max", "u" },
  { "auto-postcopy", "b" },  { "auto-postcopy-passes", "u" },
  { "tls", "b" },
};

static gboolean
check_params (GVariant *params, guint flags, GError **error)
{
  if (!vb_check_flags (flags, VB_MIGRATE_ALL, error))
    return FALSE;
  if ((flags & VB_MIGRATE_POSTCOPY_RESUME) && !(flags & VB_MIGRATE_POSTCOPY))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                   "POSTCOPY_RESUME goes with the POSTCOPY flag");
      return FALSE;
    }
  if (!vb_check_params (params, known_params, G_N_ELEMENTS (known_params), "Migration", error))
    return FALSE;
  if (g_variant_lookup_value (params, "auto-postcopy", NULL) && !(flags & VB_MIGRATE_POSTCOPY))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                   "'auto-postcopy' needs the POSTCOPY flag");
      return FALSE;
    }
  return TRUE;
}

static const VbDomainDriver *
driver_of (VbDriverHost *host, VbDomain *domain, GError **error)
{
  const VbDomainDriver *driver = vb_domain_api_driver (host, domain);

  if (!driver || !driver->migrate_perform_async)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                   "The %s driver cannot migrate domains",
                   vb_resource_get_driver (VB_RESOURCE (domain)));
      return NULL;
    }
  return driver;
}

/* ---- the source ---- */

typedef struct {
  VbDriverHost *host;
  VbDomain *domain;
  const VbDomainDriver *driver;
  char *destination;
  GVariant *params; /* what the caller gave, then with the destination's answer */
  guint flags;
  VbJob *job;
  GDBusConnection *peer;
  gboolean success;
  GError *error;
  gulong stop_handler; /* UNDEFINE_SOURCE: waiting for the guest here to stop */
  guint stop_timeout;
} Run;

static void
run_free (Run *run)
{
  g_clear_object (&run->peer);
  g_clear_object (&run->job);
  g_clear_error (&run->error);
  g_variant_unref (run->params);
  g_free (run->destination);
  g_object_unref (run->domain);
  g_free (run);
}

static const char *
name_of (Run *run)
{
  return vb_resource_get_log_name (VB_RESOURCE (run->domain));
}

/* The end: the lock goes, the job says how it went. */
static void
run_end (Run *run)
{
  if (run->success)
    {
      vb_log_message (name_of (run), "migrated to %s", run->destination);
      vb_job_complete (run->job, TRUE, "completed", NULL);
    }
  else
    {
      gboolean cancelled = g_error_matches (run->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      vb_log_warning (name_of (run), "migration to %s: %s", run->destination,
                      run->error->message);
      vb_job_complete (run->job, FALSE, cancelled ? "cancelled" : "failed", run->error->message);
    }
  vb_resource_api_release (run->host, vb_domain_api_kind (), VB_RESOURCE (run->domain));
  run_free (run);
}

static void
source_undefined (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Run *run = user_data;
  g_autoptr (GError) error = NULL;

  if (vb_config_store_finish (vb_driver_host_get_store (run->host), result, &error))
    {
      vb_resource_set_persistent (VB_RESOURCE (run->domain), FALSE);
      vb_domain_emit_lifecycle (run->domain, "undefined", "removed");
    }
  else
    vb_log_warning (name_of (run), "cannot undefine after the migration: %s", error->message);
  run_end (run);
}

static void
undefine_source (Run *run)
{
  vb_config_store_remove_async (vb_driver_host_get_store (run->host), "domains",
                                vb_resource_get_uuid (VB_RESOURCE (run->domain)), source_undefined,
                                run);
}

static void
stop_waiting (Run *run)
{
  g_clear_signal_handler (&run->stop_handler, run->domain);
  g_clear_handle_id (&run->stop_timeout, g_source_remove);
}

static void
source_changed (VbResource *resource, gpointer user_data)
{
  Run *run = user_data;

  if (vb_domain_is_active (run->domain))
    return;
  stop_waiting (run);
  undefine_source (run);
}

static gboolean
source_stop_timed_out (gpointer user_data)
{
  Run *run = user_data;

  run->stop_timeout = 0;
  stop_waiting (run);
  vb_log_warning (name_of (run), "QEMU has not ended %u s after the migration: undefining anyway",
                  SOURCE_STOP_TIMEOUT_S);
  undefine_source (run);
  return G_SOURCE_REMOVE;
}

static void
finished_on_peer (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Run *run = user_data;
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result,
                                                               &error);

  if (!reply && run->success)
    {
      /* The stream completed, yet the destination did not take the guest:
       * the guest stays here, where it is whole. */
      run->success = FALSE;
      g_dbus_error_strip_remote_error (error);
      run->error = g_error_new (VB_ERROR, VB_ERROR_FAILED,
                                "The destination could not finish the migration: %s",
                                error->message);
    }
  run->driver->migrate_confirm (run->host, run->domain, run->success);
  if (run->success && (run->flags & VB_MIGRATE_UNDEFINE_SOURCE)
      && vb_resource_get_persistent (VB_RESOURCE (run->domain)))
    {
      /* As libvirt: the guest here stops first ('stopped', 'migrated'), then
       * the definition goes ('undefined', 'removed'). A client that reads
       * the domain on either event finds it shut off or gone, never still
       * paused for the migration and gone a moment later. */
      if (!vb_domain_is_active (run->domain))
        {
          undefine_source (run);
          return;
        }
      run->stop_handler =
        g_signal_connect (run->domain, "changed", G_CALLBACK (source_changed), run);
      run->stop_timeout = g_timeout_add_seconds (SOURCE_STOP_TIMEOUT_S, source_stop_timed_out, run);
      return;
    }
  run_end (run);
}

static void
finish_on_peer (Run *run)
{
  g_dbus_connection_call (run->peer, "org.virtbus.Virt1", VB_MANAGER_PATH, TARGET_INTERFACE,
                          "Finish",
                          g_variant_new ("(sbu)", vb_resource_get_uuid (VB_RESOURCE (run->domain)),
                                         run->success, run->flags),
                          NULL, G_DBUS_CALL_FLAGS_NONE, PEER_CALL_TIMEOUT_MS, NULL,
                          finished_on_peer, run);
}

static void
performed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Run *run = user_data;

  run->success = run->driver->migrate_perform_finish (run->domain, result, &run->error);
  if (!run->success && vb_domain_get_state (run->domain) == VB_DOMAIN_PAUSED
      && g_strcmp0 (vb_domain_get_state_reason (run->domain), "postcopy-failed") == 0)
    {
      /* Broken in post-copy: each side has part of the guest; keep both as they are. */
      run_end (run);
      return;
    }
  finish_on_peer (run);
}

static void
prepared (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Run *run = user_data;
  GError *error = NULL;
  g_autoptr (GVariant) reply = g_dbus_connection_call_finish (G_DBUS_CONNECTION (source), result,
                                                               &error);
  g_autoptr (GVariant) answer = NULL;
  const char *uri = NULL;
  gboolean tls = FALSE;
  GVariantDict merged;

  if (!reply)
    {
      g_dbus_error_strip_remote_error (error);
      g_prefix_error (&error, "The destination refused the domain: ");
      run->error = error;
      run_end (run);
      return;
    }
  answer = g_variant_get_child_value (reply, 0);
  if (!g_variant_lookup (answer, "uri", "&s", &uri))
    {
      run->error = g_error_new (VB_ERROR, VB_ERROR_FAILED, "The destination gave no stream URI");
      finish_on_peer (run);
      return;
    }
  /* QEMU's migrate also takes exec:, file: and fd: URIs: only a TCP stream
   * may come from the other side. */
  if (!vb_migration_peer_check_stream_uri (uri, &run->error))
    {
      finish_on_peer (run);
      return;
    }
  /* A destination that did not take the key would listen for a plain
   * stream, which anyone who reaches the port could take over. */
  g_variant_lookup (answer, "tls", "b", &tls);
  if (g_variant_lookup (run->params, "tls-psk", "&s", NULL) && !tls)
    {
      run->error = g_error_new (VB_ERROR, VB_ERROR_FAILED,
                                "The destination did not set up TLS for the stream (pass "
                                "\"tls\": false to migrate without it)");
      finish_on_peer (run);
      return;
    }
  g_variant_dict_init (&merged, run->params);
  {
    gboolean preempt = FALSE;
    g_variant_lookup (answer, "postcopy-preempt", "b", &preempt);
    g_variant_dict_insert (&merged, "postcopy-preempt", "b", preempt);
  }
  /* Without a bandwidth of its own the stream has the domain's speed
   * (MigrateSetMaxSpeed, no limit by default), as libvirt gives it. */
  if (!g_variant_dict_contains (&merged, "bandwidth"))
    g_variant_dict_insert (&merged, "bandwidth", "t",
                           vb_domain_get_migration_max_speed (run->domain));
  g_variant_unref (run->params);
  run->params = g_variant_ref_sink (g_variant_dict_end (&merged));
  vb_log_message (name_of (run), "sending to %s%s", uri, tls ? " over TLS" : " in the clear");
  run->driver->migrate_perform_async (run->host, run->domain, uri, run->params, run->flags,
                                      run->job, performed, run);
}

static void
prepare_on_peer (Run *run)
{
  const VbDomainDef *live = vb_domain_get_live_def (run->domain);

  g_dbus_connection_call (run->peer, "org.virtbus.Virt1", VB_MANAGER_PATH, TARGET_INTERFACE,
                          "Prepare",
                          g_variant_new ("(s@a{sv}u)", live->xml, run->params, run->flags),
                          G_VARIANT_TYPE ("(a{sv})"), G_DBUS_CALL_FLAGS_NONE, PEER_CALL_TIMEOUT_MS,
                          NULL, prepared, run);
}

static void
set_param_string (Run *run, const char *name, const char *value)
{
  GVariantDict params;

  g_variant_dict_init (&params, run->params);
  g_variant_dict_insert (&params, name, "s", value);
  g_variant_unref (run->params);
  run->params = g_variant_ref_sink (g_variant_dict_end (&params));
}

static void
destination_host_resolved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Run *run = user_data;
  g_autoptr (GError) error = NULL;
  GList *addresses = g_resolver_lookup_by_name_finish (G_RESOLVER (source), result, &error);

  if (!addresses)
    {
      const char *host = NULL;

      g_variant_lookup (run->params, "destination-host", "&s", &host);
      run->error =
        g_error_new (VB_ERROR, VB_ERROR_FAILED, "Cannot resolve the destination host '%s': %s",
                     host, error->message);
      run_end (run);
      return;
    }
  {
    g_autofree char *address = g_inet_address_to_string (addresses->data);

    set_param_string (run, "destination-host", address);
  }
  g_resolver_free_addresses (addresses);
  prepare_on_peer (run);
}

static void
peer_connected (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Run *run = user_data;
  GVariantDict params;
  const char *host = NULL;

  run->peer = vb_migration_peer_connect_finish (result, &run->error);
  if (!run->peer)
    {
      /* The caller sees only that the destination was not reached: the
       * reason (a socket's, an authentication's, ssh's) stays in the log. */
      vb_log_warning (name_of (run), "cannot reach %s: %s", run->destination,
                      run->error->message);
      g_clear_error (&run->error);
      run->error = g_error_new (VB_ERROR, VB_ERROR_FAILED,
                                "Cannot reach the destination '%s' (the service's log says why)",
                                run->destination);
      run_end (run);
      return;
    }
  g_variant_dict_init (&params, run->params);
  if (!g_variant_dict_contains (&params, "destination-host"))
    {
      g_autofree char *fallback = vb_migration_peer_default_host (run->destination);
      g_variant_dict_insert (&params, "destination-host", "s", fallback);
    }
  /* The destination agrees to post-copy preemption only if its QEMU has it too. */
  g_variant_dict_insert (&params, "postcopy-preempt", "b", (run->flags & VB_MIGRATE_POSTCOPY) != 0);
  {
    gboolean tls = TLS_BY_DEFAULT;

    /* A new key for each attempt (a recovery too), known only to the two
     * services: it goes to the destination inside Prepare, over this
     * connection, which the destination authorized like any caller. */
    g_variant_dict_lookup (&params, "tls", "b", &tls);
    if (tls)
      {
        g_autofree char *key = vb_migration_peer_new_stream_key (&run->error);

        if (!key)
          {
            g_variant_dict_clear (&params);
            run_end (run);
            return;
          }
        g_variant_dict_insert (&params, "tls-psk", "s", key);
        explicit_bzero (key, strlen (key));
      }
  }
  g_variant_unref (run->params);
  run->params = g_variant_ref_sink (g_variant_dict_end (&params));
  /* Without a listen-address the destination's QEMU listens on the address
   * the stream is sent to, which it can bind only as an IP address. */
  g_variant_lookup (run->params, "destination-host", "&s", &host);
  if (!g_variant_lookup (run->params, "listen-address", "&s", NULL)
      && !g_hostname_is_ip_address (host))
    {
      g_autoptr (GResolver) resolver = g_resolver_get_default ();

      g_resolver_lookup_by_name_async (resolver, host, NULL, destination_host_resolved, run);
      return;
    }
  prepare_on_peer (run);
}

/* A host device stays on its host: only a failover pair's transient side,
 * which QEMU unplugs before the switch-over, may move. */
static gboolean
check_migratable (VbDomain *domain, GError **error)
{
  const VbDomainDef *live = vb_domain_get_live_def (domain);
  const char *xml = live ? live->xml : "";

  for (const char *p = strstr (xml, "<hostdev "); p; p = strstr (p + 1, "<hostdev "))
    {
      const char *end = strstr (p, "</hostdev>");
      g_autofree char *device = end ? g_strndup (p, end - p) : g_strdup (p);

      if (!strstr (device, "<teaming type='transient'"))
        {
          g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                       "Domain '%s' has a <hostdev> that cannot migrate (only the transient "
                       "side of a virtio-net failover pair can)",
                       vb_resource_get_name (VB_RESOURCE (domain)));
          return FALSE;
        }
    }
  return TRUE;
}

/* Job.SetBandwidth on a migration job: its max-speed, as MigrateSetMaxSpeed. */
typedef struct {
  VbDriverHost *host;
  VbDomain *domain;
} JobTarget;

static void
job_target_free (JobTarget *target)
{
  g_object_unref (target->domain);
  g_free (target);
}

static gboolean
migration_action (VbJob *job, const char *action, guint64 value, gpointer user_data,
                  GError **error)
{
  JobTarget *target = user_data;

  if (!g_str_equal (action, "set-bandwidth"))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED, "A migrate job has no %s", action);
      return FALSE;
    }
  return vb_migration_api_control (target->host, target->domain, "max-speed", value, 0, error);
}

static void
migrate_locked (GTask *task, VbResource *resource)
{
  Run *run = g_task_get_task_data (task);
  VbDomainState state = vb_domain_get_state (run->domain);
  g_autofree char *path = vb_object_path_for ("domain", vb_resource_get_uuid (resource));
  Run *background;

  GError *error = NULL;

  gboolean broken = state == VB_DOMAIN_PAUSED
                    && g_strcmp0 (vb_domain_get_state_reason (run->domain), "postcopy-failed") == 0;

  if (run->flags & VB_MIGRATE_POSTCOPY_RESUME)
    {
      if (!broken)
        error = g_error_new (VB_ERROR, VB_ERROR_OPERATION_INVALID,
                             "Domain '%s' has no broken post-copy migration to resume",
                             vb_resource_get_name (resource));
    }
  else if (broken)
    error = g_error_new (VB_ERROR, VB_ERROR_OPERATION_INVALID,
                         "Domain '%s' is in a broken post-copy migration: resume it with the "
                         "POSTCOPY_RESUME flag",
                         vb_resource_get_name (resource));
  else if (state != VB_DOMAIN_RUNNING && state != VB_DOMAIN_PAUSED)
    error = g_error_new (VB_ERROR, VB_ERROR_OPERATION_INVALID, "Cannot migrate domain '%s': it is %s",
                         vb_resource_get_name (resource), vb_domain_state_to_string (state));
  else if (vb_domain_refuse_if_block_copy (run->domain, "Migration", NULL, &error))
    check_migratable (run->domain, &error);
  if (error)
    {
      vb_resource_api_release_and_fail (run->host, vb_domain_api_kind (), resource, task, error);
      return;
    }
  run->job = vb_job_new ("migrate", path, TRUE);
  {
    JobTarget *target = g_new0 (JobTarget, 1);

    target->host = run->host;
    target->domain = g_object_ref (run->domain);
    vb_job_set_action_handler (run->job, migration_action, target,
                               (GDestroyNotify) job_target_free);
  }
  vb_inventory_add_job (vb_driver_host_get_inventory (run->host), run->job);
  /* The caller gets the job now; the migration goes on without it. */
  background = g_memdup2 (run, sizeof *run);
  g_object_ref (background->domain);
  g_object_ref (background->job);
  background->destination = g_strdup (run->destination);
  g_variant_ref (background->params);
  g_task_return_pointer (task, g_object_ref (run->job), g_object_unref);
  g_object_unref (task);
  vb_log_message (name_of (background), "migrating to %s", background->destination);
  vb_migration_peer_connect_async (background->destination, NULL, peer_connected, background);
}

void
vb_migration_api_migrate_async (VbDriverHost *host, VbDomain *domain, const char *destination,
                                GVariant *params, guint flags, GAsyncReadyCallback callback,
                                gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  Run *run = g_new0 (Run, 1);
  GError *error = NULL;

  run->host = host;
  run->domain = g_object_ref (domain);
  run->destination = g_strdup (destination);
  run->params = g_variant_ref_sink (params);
  run->flags = flags;
  g_task_set_task_data (task, run, (GDestroyNotify) run_free);
  /* A mirror cannot move with the guest: refused before the peer is contacted. */
  vb_resource_api_lock_or_refuse (
    task, VB_RESOURCE (domain), "migrate",
    check_params (params, flags, &error)
      && vb_migration_peer_check_destination (destination, &error)
      && (run->driver = driver_of (host, domain, &error))
      && vb_domain_api_require_active (domain, "migrate", &error)
      && vb_domain_refuse_if_block_copy (domain, "Migration", NULL, &error),
    &error, migrate_locked);
}

VbJob *
vb_migration_api_migrate_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

gboolean
vb_migration_api_control (VbDriverHost *host, VbDomain *domain, const char *what,
                          guint64 value, guint flags, GError **error)
{
  const VbDomainDriver *driver;

  if (!vb_check_flags (flags, 0, error) || !(driver = driver_of (host, domain, error)))
    return FALSE;
  return driver->migrate_control (host, domain, what, value, error);
}

/* ---- the domain's speed limit ---- */

gboolean
vb_migration_api_set_max_speed (VbDriverHost *host, VbDomain *domain, guint64 mib_per_s,
                                guint flags, GError **error)
{
  const VbDomainDriver *driver;
  g_autoptr (VbJob) job = NULL;
  GError *refused = NULL;

  if (!vb_check_flags (flags, 0, error) || !(driver = driver_of (host, domain, error)))
    return FALSE;
  if (mib_per_s > VB_MIGRATE_MAX_SPEED_MIB)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                   "Bandwidth %" G_GUINT64_FORMAT " MiB/s is too large (at most %" G_GUINT64_FORMAT
                   ")",
                   mib_per_s, VB_MIGRATE_MAX_SPEED_MIB);
      return FALSE;
    }
  /* A migration whose stream runs takes it now. One still talking to its
   * peer has no stream yet: the driver says so, and the stream starts with
   * the kept speed. QEMU counts bytes; no limit is the largest speed. */
  job = vb_job_api_domain_job (host, domain);
  if (job && g_str_equal (vb_job_get_operation (job), "migrate")
      && !driver->migrate_control (host, domain, "max-speed",
                                   (mib_per_s ? mib_per_s : VB_MIGRATE_MAX_SPEED_MIB) << 20,
                                   &refused))
    {
      if (!g_error_matches (refused, VB_ERROR, VB_ERROR_OPERATION_INVALID))
        {
          g_propagate_error (error, refused);
          return FALSE;
        }
      g_clear_error (&refused);
    }
  vb_domain_set_migration_max_speed (domain, mib_per_s);
  return TRUE;
}

gboolean
vb_migration_api_get_max_speed (VbDriverHost *host, VbDomain *domain, guint flags,
                                guint64 *mib_per_s, GError **error)
{
  if (!vb_check_flags (flags, 0, error) || !driver_of (host, domain, error))
    return FALSE;
  *mib_per_s = vb_domain_get_migration_max_speed (domain);
  return TRUE;
}

/* ---- the destination ---- */

typedef struct {
  VbDriverHost *host;
  GVariant *params;
  guint flags;
  VbDomain *domain;
  GDBusConnection *bus;
  char *peer;
  char *live_xml; /* the source's live XML, with its devices' aliases */
} Incoming;

static void
incoming_free (Incoming *in)
{
  g_clear_object (&in->domain);
  g_clear_object (&in->bus);
  g_variant_unref (in->params);
  g_free (in->peer);
  g_free (in->live_xml);
  g_free (in);
}

/* Kept on an arriving domain until Finish: who sends it, and how. */
typedef struct {
  VbDriverHost *host;
  guint flags;
  char *peer; /* the unique name that called Prepare: the only one that may Finish */
  guint peer_watch;
} Arrival;

static void
arrival_free (Arrival *arrival)
{
  g_bus_unwatch_name (arrival->peer_watch);
  g_free (arrival->peer);
  g_free (arrival);
}

static void finish_incoming (VbDriverHost *host, VbDomain *domain, gboolean success,
                             guint flags, GTask *task);

static void
peer_vanished (GDBusConnection *connection, const char *name, gpointer user_data)
{
  VbDomain *domain = user_data;
  Arrival *in = g_object_get_data (G_OBJECT (domain), "vb-incoming");

  if (!in)
    return;
  if (g_strcmp0 (vb_domain_get_state_reason (domain), "postcopy-failed") == 0)
    {
      /* Broken in post-copy: half the guest is here, half there. Only a
       * recovery (or Destroy) ends this; the source usually closes its
       * connection before it asks for one. */
      vb_log_message (vb_resource_get_log_name (VB_RESOURCE (domain)),
                      "the source disconnected; waiting for a post-copy recovery");
      return;
    }
  /* The source went away without a word: keep a guest that runs here,
   * end one that never arrived. */
  vb_log_warning (vb_resource_get_log_name (VB_RESOURCE (domain)),
                  "the source of the migration went away");
  finish_incoming (in->host, domain, vb_domain_get_state (domain) == VB_DOMAIN_RUNNING, in->flags,
                   NULL);
}

static void
incoming_prepared (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Incoming *in = g_task_get_task_data (task);
  const VbDomainDriver *driver = driver_of (in->host, in->domain, NULL);
  GError *error = NULL;
  g_autoptr (GVariant) answer = driver->migrate_prepare_finish (in->domain, result, &error);
  GVariantDict dict;
  g_autofree char *path = NULL;

  if (!answer)
    {
      if (!(in->flags & VB_MIGRATE_POSTCOPY_RESUME))
        vb_resource_api_release (in->host, vb_domain_api_kind (), VB_RESOURCE (in->domain));
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  path = vb_object_path_for ("domain", vb_resource_get_uuid (VB_RESOURCE (in->domain)));
  g_variant_dict_init (&dict, answer);
  g_variant_dict_insert (&dict, "domain", "o", path);
  /* The lock stays taken until Finish: nothing else may touch an arriving guest. */
  {
    Arrival *arrival = g_new0 (Arrival, 1);

    arrival->host = in->host;
    arrival->flags = in->flags;
    arrival->peer = g_strdup (in->peer);
    arrival->peer_watch =
      g_bus_watch_name_on_connection (in->bus, in->peer, G_BUS_NAME_WATCHER_FLAGS_NONE, NULL,
                                      peer_vanished, in->domain, NULL);
    g_object_set_data_full (G_OBJECT (in->domain), "vb-incoming", arrival,
                            (GDestroyNotify) arrival_free);
  }
  g_task_return_pointer (task, g_variant_ref_sink (g_variant_dict_end (&dict)),
                         (GDestroyNotify) g_variant_unref);
  g_object_unref (task);
}

static void
incoming_created (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  Incoming *in = g_task_get_task_data (task);
  GError *error = NULL;
  VbResource *resource = vb_resource_api_new_transient_finish (result, &error);
  const VbDomainDriver *driver;

  if (!resource)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  in->domain = VB_DOMAIN (resource);
  driver = driver_of (in->host, in->domain, &error);
  if (!driver)
    {
      vb_resource_api_release_and_fail (in->host, vb_domain_api_kind (), resource, task, error);
      return;
    }
  {
    /* The devices keep the names (ids in QEMU) they had on the source. */
    const VbDomainDef *def = vb_domain_get_def (in->domain);
    VbDomainDef *live = in->live_xml ? vb_domain_def_with_aliases_of (def, in->live_xml, NULL)
                                     : NULL;

    vb_domain_set_live_def (in->domain, live ? live : vb_domain_def_copy (def));
  }
  driver->migrate_prepare_async (in->host, in->domain, in->params, in->flags, incoming_prepared,
                                 task);
}

void
vb_migration_api_prepare_async (VbDriverHost *host, GDBusConnection *bus, const char *peer,
                                const char *xml, GVariant *params, guint flags,
                                GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  Incoming *in = g_new0 (Incoming, 1);
  GError *error = NULL;
  g_autofree char *arriving = NULL;
  GVariantDict checked;

  in->host = host;
  in->params = g_variant_ref_sink (params);
  in->flags = flags;
  in->bus = g_object_ref (bus);
  in->peer = g_strdup (peer);
  g_task_set_task_data (task, in, (GDestroyNotify) incoming_free);
  /* The source adds "postcopy-preempt" and the stream's key "tls-psk"; the
   * rest is the caller's, checked the same way. */
  g_variant_dict_init (&checked, params);
  g_variant_dict_remove (&checked, "postcopy-preempt");
  {
    const char *key = NULL;

    if (g_variant_dict_lookup (&checked, "tls-psk", "&s", &key)
        && !vb_migration_peer_check_stream_key (key, &error))
      {
        g_variant_dict_clear (&checked);
        g_task_return_error (task, error);
        g_object_unref (task);
        return;
      }
    if (!key && g_variant_dict_contains (&checked, "tls-psk"))
      {
        g_variant_dict_clear (&checked);
        g_task_return_new_error (task, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                                 "The stream key 'tls-psk' is not a string");
        g_object_unref (task);
        return;
      }
  }
  g_variant_dict_remove (&checked, "tls-psk");
  {
    g_autoptr (GVariant) rest = g_variant_ref_sink (g_variant_dict_end (&checked));
    if (!check_params (rest, flags, &error))
      {
        g_task_return_error (task, error);
        g_object_unref (task);
        return;
      }
  }
  if (flags & VB_MIGRATE_POSTCOPY_RESUME)
    {
      /* The guest is here already, half arrived: listen again for the rest. */
      g_autoptr (VbDomainDef) def = vb_domain_def_parse (xml, &error);
      VbResource *resource = def ? vb_inventory_lookup_uuid (vb_driver_host_get_inventory (host),
                                                             VB_TYPE_DOMAIN, def->uuid)
                                 : NULL;
      const VbDomainDriver *driver;

      Arrival *arrival = resource ? g_object_get_data (G_OBJECT (resource), "vb-incoming") : NULL;

      /* The source resumes over a new connection (its first one usually
       * broke with the stream): a caller other than the one that prepared
       * may continue only an arrival whose post-copy is broken. */
      if (!arrival
          || (g_strcmp0 (arrival->peer, peer) != 0
              && (vb_domain_get_state (VB_DOMAIN (resource)) != VB_DOMAIN_PAUSED
                  || g_strcmp0 (vb_domain_get_state_reason (VB_DOMAIN (resource)),
                                "postcopy-failed")
                       != 0)))
        {
          if (!error)
            error = g_error_new (VB_ERROR, VB_ERROR_OPERATION_INVALID,
                                 "No broken post-copy migration of '%s' to resume here",
                                 def->name);
          g_task_return_error (task, error);
          g_object_unref (task);
          return;
        }
      /* The lock stays held since the first Prepare; once prepared, a new
       * Arrival replaces the old one and watches the source's new connection. */
      in->domain = g_object_ref (VB_DOMAIN (resource));
      driver = driver_of (host, in->domain, NULL);
      driver->migrate_prepare_async (host, in->domain, in->params, in->flags, incoming_prepared,
                                     task);
      return;
    }
  /* The guest runs on this host's QEMU, whatever binary it had there. */
  arriving = vb_domain_def_xml_for_arrival (xml, &error);
  if (!arriving)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  in->live_xml = g_strdup (arriving);
  vb_resource_api_new_transient_async (host, vb_domain_api_kind (), arriving, NULL,
                                       incoming_created, task);
}

gboolean
vb_migration_api_abandon_broken_arrival (VbDomain *domain)
{
  Arrival *in = g_object_get_data (G_OBJECT (domain), "vb-incoming");

  if (!in || vb_domain_get_state (domain) != VB_DOMAIN_PAUSED
      || g_strcmp0 (vb_domain_get_state_reason (domain), "postcopy-failed") != 0)
    return FALSE;
  vb_log_warning (vb_resource_get_log_name (VB_RESOURCE (domain)),
                  "destroyed while its post-copy migration was broken");
  finish_incoming (in->host, domain, FALSE, in->flags, NULL);
  return TRUE;
}

GVariant *
vb_migration_api_prepare_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* The end of an arrival: the driver's verdict, then the definition. */
typedef struct {
  VbDriverHost *host;
  VbDomain *domain;
  guint flags;
  gboolean success;
  GTask *task; /* Finish's, NULL when the source went away */
} Ending;

/* Takes @error (nullable). */
static void
ending_done (Ending *e, GError *error)
{
  vb_resource_api_release (e->host, vb_domain_api_kind (), VB_RESOURCE (e->domain));
  if (e->task && error)
    g_task_return_error (e->task, error);
  else if (e->task)
    g_task_return_boolean (e->task, TRUE);
  else if (error)
    {
      vb_log_warning (vb_resource_get_log_name (VB_RESOURCE (e->domain)), "%s", error->message);
      g_error_free (error);
    }
  g_clear_object (&e->task);
  g_object_unref (e->domain);
  g_free (e);
}

static void
persisted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Ending *e = user_data;
  g_autoptr (GError) error = NULL;

  if (vb_config_store_finish (vb_driver_host_get_store (e->host), result, &error))
    {
      vb_resource_set_persistent (VB_RESOURCE (e->domain), TRUE);
      vb_domain_emit_lifecycle (e->domain, "defined", "added");
    }
  else
    vb_log_warning (vb_resource_get_log_name (VB_RESOURCE (e->domain)),
                    "cannot make it persistent: %s", error->message);
  ending_done (e, NULL);
}

static void
driver_finished (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Ending *e = user_data;
  const VbDomainDriver *driver = driver_of (e->host, e->domain, NULL);
  GError *error = NULL;

  if (!driver->migrate_finish_finish (e->domain, result, &error))
    {
      ending_done (e, error);
      return;
    }
  if (e->success && (e->flags & VB_MIGRATE_PERSIST_DEST))
    {
      vb_config_store_save_async (vb_driver_host_get_store (e->host), "domains",
                                  vb_resource_get_uuid (VB_RESOURCE (e->domain)),
                                  vb_domain_get_def (e->domain)->xml, persisted, e);
      return;
    }
  ending_done (e, NULL);
}

/* Takes @task (nullable): it succeeds once the guest runs here (or, without
 * @success, is ended), and fails when the guest did not arrive whole. */
static void
finish_incoming (VbDriverHost *host, VbDomain *domain, gboolean success, guint flags, GTask *task)
{
  const VbDomainDriver *driver = driver_of (host, domain, NULL);
  Ending *e = g_new0 (Ending, 1);

  e->host = host;
  e->domain = g_object_ref (domain);
  e->flags = flags;
  e->success = success;
  e->task = task;
  /* Drops the peer watch: the migration is over either way. */
  g_object_set_data (G_OBJECT (domain), "vb-incoming", NULL);
  driver->migrate_finish_async (host, domain, success, flags, driver_finished, e);
}

void
vb_migration_api_finish_async (VbDriverHost *host, const char *peer, const char *uuid,
                               gboolean success, guint flags, GAsyncReadyCallback callback,
                               gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  GError *error = NULL;
  VbResource *resource = vb_resource_api_lookup_uuid (host, vb_domain_api_kind (), uuid, &error);
  Arrival *arrival = resource ? g_object_get_data (G_OBJECT (resource), "vb-incoming") : NULL;

  /* Only the connection that prepared the arrival ends it; to any other the
   * answer is the same as for a domain that does not arrive at all. */
  if (!arrival || g_strcmp0 (arrival->peer, peer) != 0)
    {
      if (!error)
        error = g_error_new (VB_ERROR, VB_ERROR_OPERATION_INVALID,
                             "Domain %s is not arriving by migration from this connection", uuid);
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  finish_incoming (host, VB_DOMAIN (resource), success, flags, task);
}

gboolean
vb_migration_api_finish_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}
