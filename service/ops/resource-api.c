#include "resource-api.h"

#include <string.h>

#include "object-paths.h"
#include "stored-parse.h"
#include "vb-error.h"
#include "vb-log.h"

typedef struct {
  VbDriverHost *host;
  const VbResourceKind *kind;
  char *xml;
  char *canonical_xml; /* what goes to disk */
  gpointer def;
  const char *driver;
  VbResource *resource;
  gboolean autostart;
} DefineData;

static void
define_data_free (DefineData *data)
{
  g_free (data->xml);
  g_free (data->canonical_xml);
  if (data->def)
    data->kind->free_def (data->def);
  g_clear_object (&data->resource);
  g_free (data);
}

gboolean
vb_check_flags (guint flags, guint allowed, GError **error)
{
  if (flags & ~allowed)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                   "Unsupported flags 0x%x (this call accepts 0x%x)", flags & ~allowed, allowed);
      return FALSE;
    }
  return TRUE;
}

gboolean
vb_check_params (GVariant *params, const VbParamSpec *known, guint n_known, const char *what,
                 GError **error)
{
  GVariantIter iter;
  const char *key;
  GVariant *value;

  g_variant_iter_init (&iter, params);
  while (g_variant_iter_next (&iter, "{&sv}", &key, &value))
    {
      g_autoptr (GVariant) held = value;
      gboolean found = FALSE;

      for (guint i = 0; i < n_known && !found; i++)
        if (g_str_equal (key, known[i].name))
          {
            found = TRUE;
            if (!g_variant_is_of_type (value, G_VARIANT_TYPE (known[i].type)))
              {
                g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                             "%s parameter '%s' must be of type '%s'", what, key, known[i].type);
                return FALSE;
              }
          }
      if (!found)
        {
          g_autofree char *lower = g_ascii_strdown (what, -1);

          g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT, "Unknown %s parameter '%s'",
                       lower, key);
          return FALSE;
        }
    }
  return TRUE;
}

/* ---- dropping transient objects once they stop ---- */

typedef struct {
  VbDriverHost *host;
  const VbResourceKind *kind;
} Tracker;

static void
forget_if_done (VbDriverHost *host, const VbResourceKind *kind, VbResource *resource,
                gboolean ignore_lock)
{
  VbInventory *inventory = vb_driver_host_get_inventory (host);

  if (vb_resource_get_persistent (resource) || kind->is_active (resource)
      || (!ignore_lock && vb_object_lock_is_held (vb_resource_get_lock (resource)))
      || vb_inventory_lookup_uuid (inventory, kind->type, vb_resource_get_uuid (resource))
           != resource)
    return;
  vb_log_info (vb_resource_get_log_name (resource), "transient %s stopped: removed",
               kind->noun);
  if (kind->removed)
    kind->removed (host, resource);
  vb_inventory_remove (inventory, resource);
}

static gboolean
forget_in_idle (gpointer user_data)
{
  VbResource *resource = user_data;
  Tracker *tracker = g_object_get_data (G_OBJECT (resource), "vb-tracker");

  g_object_set_data (G_OBJECT (resource), "vb-forget-pending", NULL);
  forget_if_done (tracker->host, tracker->kind, resource, FALSE);
  return G_SOURCE_REMOVE;
}

static void
resource_changed (VbResource *resource, gpointer user_data)
{
  /* Deferred: the driver that changed the state may still be using the object. */
  if (g_object_get_data (G_OBJECT (resource), "vb-forget-pending"))
    return;
  g_object_set_data (G_OBJECT (resource), "vb-forget-pending", GINT_TO_POINTER (1));
  g_idle_add_full (G_PRIORITY_DEFAULT, forget_in_idle, g_object_ref (resource),
                   g_object_unref);
}

static void
track_and_add (VbDriverHost *host, const VbResourceKind *kind, VbResource *resource)
{
  Tracker *tracker = g_new0 (Tracker, 1);

  tracker->host = host;
  tracker->kind = kind;
  g_object_set_data_full (G_OBJECT (resource), "vb-tracker", tracker, g_free);
  g_signal_connect (resource, "changed", G_CALLBACK (resource_changed), NULL);
  vb_inventory_add (vb_driver_host_get_inventory (host), resource);
}

void
vb_resource_api_release (VbDriverHost *host, const VbResourceKind *kind, VbResource *resource)
{
  g_autoptr (VbResource) held = g_object_ref (resource);

  /* Before the hand-over: whoever waits next must find a stopped transient gone. */
  forget_if_done (host, kind, resource, TRUE);
  vb_object_lock_release (vb_resource_get_lock (resource));
}

void
vb_resource_api_release_and_fail (VbDriverHost *host, const VbResourceKind *kind,
                                  VbResource *resource, GTask *task, GError *error)
{
  vb_resource_api_release (host, kind, resource);
  g_task_return_error (task, error);
  g_object_unref (task);
}

/* ---- locking ---- */

typedef struct {
  GTask *task;
  VbResource *resource;
  VbLockedFunc locked;
} LockWait;

/* Whether the inventory still holds @resource (new ones being defined hold
 * their lock from the start, so they never wait here). */
static gboolean
still_listed (VbResource *resource)
{
  Tracker *tracker = g_object_get_data (G_OBJECT (resource), "vb-tracker");

  return tracker
         && vb_inventory_lookup_uuid (vb_driver_host_get_inventory (tracker->host),
                                      G_OBJECT_TYPE (resource), vb_resource_get_uuid (resource))
              == resource;
}

static void
lock_acquired (GObject *source, GAsyncResult *result, gpointer user_data)
{
  LockWait *wait = user_data;
  GError *error = NULL;

  if (!vb_object_lock_acquire_finish (vb_resource_get_lock (wait->resource), result, &error))
    {
      g_task_return_error (wait->task, error);
      g_object_unref (wait->task);
    }
  else if (!still_listed (wait->resource))
    {
      /* It went away while we waited (a transient domain that stopped). */
      vb_object_lock_release (vb_resource_get_lock (wait->resource));
      g_task_return_new_error (wait->task, VB_ERROR, VB_ERROR_NOT_FOUND,
                               "The %s '%s' no longer exists", vb_resource_get_kind (wait->resource),
                               vb_resource_get_name (wait->resource));
      g_object_unref (wait->task);
    }
  else
    {
      wait->locked (wait->task, wait->resource);
    }
  g_object_unref (wait->resource);
  g_free (wait);
}

void
vb_resource_api_with_lock (VbResource *resource, const char *what, GTask *task,
                           VbLockedFunc locked)
{
  LockWait *wait = g_new0 (LockWait, 1);

  wait->task = task;
  wait->resource = g_object_ref (resource);
  wait->locked = locked;
  vb_object_lock_acquire_async (vb_resource_get_lock (resource), what,
                                g_task_get_cancellable (task), lock_acquired, wait);
}

void
vb_resource_api_lock_or_refuse (GTask *task, VbResource *resource, const char *what, gboolean ok,
                                GError **error, VbLockedFunc locked)
{
  if (!ok)
    {
      g_task_return_error (task, *error);
      g_object_unref (task);
      return;
    }
  vb_resource_api_with_lock (resource, what, task, locked);
}

/* ---- define ---- */

static gboolean
same_identity (const VbResourceKind *kind, gconstpointer again, gconstpointer def, GError **error)
{
  if (g_strcmp0 (kind->def_name (again), kind->def_name (def)) == 0
      && g_strcmp0 (kind->def_uuid (again), kind->def_uuid (def)) == 0)
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
               "The %s would come back under another name or UUID as stored", kind->noun);
  return FALSE;
}

/* The next start reads what goes to disk with the same parser as load_one():
 * a definition it would refuse must be refused now, before it is
 * acknowledged, or it would be lost then. @def was parsed from @parsed_from:
 * when its canonical XML is that same text, parsing what is stored gives
 * @def again (a parse is deterministic once the UUID and MAC addresses are
 * there, and filling them in changes the text), so no second parse is
 * needed. */
static gboolean
check_round_trip (const VbResourceKind *kind, gconstpointer def, const char *parsed_from,
                  GError **error)
{
  g_autoptr (GError) reload_error = NULL;
  gpointer again;
  gboolean same;

  if (g_strcmp0 (kind->def_xml (def), parsed_from) == 0)
    return TRUE;
  again = kind->parse (kind->def_xml (def), &reload_error);
  if (!again)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "The %s could not be loaded again as stored: %s", kind->noun,
                   reload_error->message);
      return FALSE;
    }
  same = same_identity (kind, again, def, error);
  kind->free_def (again);
  return same;
}

/* Parses @data->xml into @data->def and its canonical form; FALSE with
 * @error when it does not parse or would not load again as stored. */
static gboolean
parse_definition (DefineData *data, GError **error)
{
  data->def = data->kind->parse (data->xml, error);
  /* A kind whose driver completes the definition checks the completed one
   * (complete_def()): that is what is stored. */
  if (!data->def
      || (!data->kind->complete && !check_round_trip (data->kind, data->def, data->xml, error)))
    return FALSE;
  data->canonical_xml = g_strdup (data->kind->def_xml (data->def));
  return TRUE;
}

static void
parse_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  GError *error = NULL;

  if (!parse_definition (task_data, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* What follows the parse of a define or a create: @outer is its task, @error
 * NULL when the definition parsed (taken otherwise). */
typedef void (*ParsedFunc) (GTask *outer, GError *error);

typedef struct {
  GTask *outer;
  ParsedFunc parsed;
} ParseCall;

static void
parsed_in_thread (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autofree ParseCall *call = user_data;
  GError *error = NULL;

  g_task_propagate_boolean (G_TASK (result), &error);
  call->parsed (call->outer, error);
}

/* Below this, parsing a definition (twice, with the round trip) takes less
 * than handing it to a thread and back: a few tens of microseconds. */
#define PARSE_HERE_MAX (16 * 1024)

/* Parsing several MiB of XML takes a while: it happens off the main loop,
 * unless the definition is small; then @parsed runs at once, from here
 * (@outer was created in this turn of the main loop and completes in a
 * later one, or through GTask's own idle when it fails now), without a turn
 * of the main loop between the parse and the rest of the define. */
static void
parse_async (VbDriverHost *host, const VbResourceKind *kind, const char *xml,
             GCancellable *cancellable, ParsedFunc parsed, GTask *outer)
{
  DefineData *data = g_task_get_task_data (outer);
  GError *error = NULL;

  data->host = host;
  data->kind = kind;
  data->xml = g_strdup (xml);
  if (strlen (xml) <= PARSE_HERE_MAX)
    {
      gboolean ok = !g_cancellable_set_error_if_cancelled (cancellable, &error)
                    && parse_definition (data, &error);

      parsed (outer, ok ? NULL : error);
      return;
    }
  {
    ParseCall *call = g_new0 (ParseCall, 1);
    g_autoptr (GTask) task = g_task_new (NULL, cancellable, parsed_in_thread, call);

    call->outer = outer;
    call->parsed = parsed;
    g_task_set_source_tag (task, parse_async);
    /* The thread works on @outer's data, which outlives it. */
    g_task_set_task_data (task, data, NULL);
    g_task_run_in_thread (task, parse_in_thread);
  }
}

static gboolean
check_clash (DefineData *data, VbResource **existing, GError **error)
{
  VbInventory *inventory = vb_driver_host_get_inventory (data->host);
  const char *name = data->kind->def_name (data->def);
  const char *uuid = data->kind->def_uuid (data->def);
  VbResource *by_uuid = vb_inventory_lookup_uuid (inventory, data->kind->type, uuid);
  VbResource *by_name = vb_inventory_lookup_name (inventory, data->kind->type, name);

  if (by_name && by_name != by_uuid)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                   "A %s named '%s' already exists with UUID %s", data->kind->noun, name,
                   vb_resource_get_uuid (by_name));
      return FALSE;
    }
  if (by_uuid && !by_name)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                   "The %s with UUID %s already exists as '%s'", data->kind->noun, uuid,
                   vb_resource_get_name (by_uuid));
      return FALSE;
    }
  *existing = by_uuid;
  return TRUE;
}

static void
define_saved (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  DefineData *data = g_task_get_task_data (task);
  VbResource *resource = data->resource;
  GError *error = NULL;
  gboolean is_new = GPOINTER_TO_INT (g_object_get_data (G_OBJECT (task), "vb-is-new"));

  if (!vb_config_store_finish (vb_driver_host_get_store (data->host), result, &error))
    {
      if (is_new)
        {
          vb_object_lock_release (vb_resource_get_lock (resource));
          vb_inventory_remove (vb_driver_host_get_inventory (data->host), resource);
        }
      else
        {
          vb_resource_api_release (data->host, data->kind, resource);
        }
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (!is_new)
    {
      /* A transient object that gets a definition is new as a definition. */
      if (!vb_resource_get_persistent (resource))
        is_new = TRUE;
      data->kind->set_def (resource, g_steal_pointer (&data->def));
      vb_resource_set_persistent (resource, TRUE);
    }
  /* The signals first: GDBus's thread sends them (the reply after them)
   * while this one writes the log line. */
  if (data->kind->defined)
    data->kind->defined (resource, is_new);
  vb_log_info (vb_resource_get_log_name (resource), "%s", is_new ? "defined" : "redefined");
  vb_resource_api_release (data->host, data->kind, resource);
  g_task_return_pointer (task, g_object_ref (resource), g_object_unref);
  g_object_unref (task);
}

static void
save_definition (GTask *task)
{
  DefineData *data = g_task_get_task_data (task);

  vb_config_store_save_async (vb_driver_host_get_store (data->host), data->kind->store_kind,
                              vb_resource_get_uuid (data->resource), data->canonical_xml,
                              define_saved, task);
}

static void
redefine_locked (GTask *task, VbResource *resource)
{
  DefineData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (data->kind->check_define && !data->kind->check_define (resource, &error))
    {
      vb_resource_api_release (data->host, data->kind, resource);
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  if (data->kind->is_active (resource)
      && g_strcmp0 (vb_resource_get_driver (resource), data->driver) != 0)
    {
      vb_resource_api_release (data->host, data->kind, resource);
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                               "The %s '%s' runs under the %s driver: its type cannot change "
                               "while it is active",
                               data->kind->noun, vb_resource_get_name (resource),
                               vb_resource_get_driver (resource));
      g_object_unref (task);
      return;
    }
  vb_resource_set_driver (resource, data->driver);
  save_definition (task);
}

/* What the driver fills in goes to disk too: the stored definition is what
 * runs. The completed XML is parsed (it may say more than the caller's), and
 * that parse is also the round trip of what is stored; when the driver added
 * nothing to a caller's XML that was canonical already, the first parse was
 * that round trip. */
static gboolean
complete_def (DefineData *data, GError **error)
{
  g_autofree char *completed = NULL;
  g_autoptr (GError) parse_error = NULL;
  gboolean unchanged;
  gpointer def;

  if (!data->kind->complete)
    return TRUE;
  completed = data->kind->complete (data->host, data->def, error);
  if (!completed)
    return FALSE;
  unchanged = g_str_equal (completed, data->kind->def_xml (data->def));
  if (unchanged && g_str_equal (completed, data->xml))
    return TRUE;
  def = data->kind->parse (completed, &parse_error);
  if (!def)
    {
      /* Nothing added: this parse read back the canonical form. */
      if (unchanged)
        g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                     "The %s could not be loaded again as stored: %s", data->kind->noun,
                     parse_error->message);
      else
        g_propagate_error (error, g_steal_pointer (&parse_error));
      return FALSE;
    }
  if (unchanged && !same_identity (data->kind, def, data->def, error))
    {
      data->kind->free_def (def);
      return FALSE;
    }
  data->kind->free_def (data->def);
  data->def = def;
  if (!check_round_trip (data->kind, def, completed, error))
    return FALSE;
  g_free (data->canonical_xml);
  data->canonical_xml = g_strdup (data->kind->def_xml (def));
  return TRUE;
}

static void
define_parsed (GTask *task, GError *error)
{
  DefineData *data = g_task_get_task_data (task);
  VbResource *existing = NULL;

  if (error || !(data->driver = data->kind->select_driver (data->host, data->def, &error))
      || !complete_def (data, &error) || !check_clash (data, &existing, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }

  if (existing)
    {
      data->resource = g_object_ref (existing);
      vb_resource_api_with_lock (existing, "define", task, redefine_locked);
      return;
    }

  g_object_set_data (G_OBJECT (task), "vb-is-new", GINT_TO_POINTER (TRUE));
  data->resource = data->kind->new_resource (g_steal_pointer (&data->def), data->driver, TRUE);
  /* Claims the name before the write, so a concurrent define sees the clash;
   * the write queued first, so that the disk works while the object is
   * exported (define_saved() runs only on a later turn of the main loop). */
  vb_object_lock_try_acquire (vb_resource_get_lock (data->resource), "define");
  save_definition (task);
  track_and_add (data->host, data->kind, data->resource);
}

void
vb_resource_api_define_async (VbDriverHost *host, const VbResourceKind *kind, const char *xml,
                              GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_task_data (task, g_new0 (DefineData, 1), (GDestroyNotify) define_data_free);
  parse_async (host, kind, xml, cancellable, define_parsed, task);
}

VbResource *
vb_resource_api_define_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- transient objects ---- */

static void
transient_parsed (GTask *task, GError *error)
{
  DefineData *data = g_task_get_task_data (task);
  VbResource *existing = NULL;

  if (error || !(data->driver = data->kind->select_driver (data->host, data->def, &error))
      || !complete_def (data, &error) || !check_clash (data, &existing, &error))
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (existing)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                               "The %s '%s' already exists", data->kind->noun,
                               vb_resource_get_name (existing));
      g_object_unref (task);
      return;
    }
  data->resource = data->kind->new_resource (g_steal_pointer (&data->def), data->driver, FALSE);
  vb_object_lock_try_acquire (vb_resource_get_lock (data->resource), "create");
  track_and_add (data->host, data->kind, data->resource);
  g_task_return_pointer (task, g_object_ref (data->resource), g_object_unref);
  g_object_unref (task);
}

void
vb_resource_api_new_transient_async (VbDriverHost *host, const VbResourceKind *kind,
                                     const char *xml, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, cancellable, callback, user_data);

  g_task_set_task_data (task, g_new0 (DefineData, 1), (GDestroyNotify) define_data_free);
  parse_async (host, kind, xml, cancellable, transient_parsed, task);
}

VbResource *
vb_resource_api_new_transient_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- undefine and autostart ---- */

typedef struct {
  VbDriverHost *host;
  const VbResourceKind *kind;
  VbResource *resource;
  gboolean autostart;
} ChangeData;

static void
change_data_free (ChangeData *data)
{
  g_object_unref (data->resource);
  g_free (data);
}

static GTask *
change_task_new (VbDriverHost *host, const VbResourceKind *kind, VbResource *resource,
                 GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (NULL, NULL, callback, user_data);
  ChangeData *data = g_new0 (ChangeData, 1);

  data->host = host;
  data->kind = kind;
  data->resource = g_object_ref (resource);
  g_task_set_task_data (task, data, (GDestroyNotify) change_data_free);
  return task;
}

/* Ends a locked change: releases the lock and returns @error or success. */
static void
change_done (GTask *task, GError *error)
{
  ChangeData *data = g_task_get_task_data (task);

  vb_resource_api_release (data->host, data->kind, data->resource);
  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static gboolean
require_persistent (ChangeData *data, GError **error)
{
  if (vb_resource_get_persistent (data->resource))
    return TRUE;
  g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID, "The %s '%s' is transient",
               data->kind->noun, vb_resource_get_name (data->resource));
  return FALSE;
}

static void
undefine_removed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  ChangeData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (vb_config_store_finish (vb_driver_host_get_store (data->host), result, &error))
    {
      vb_log_info (vb_resource_get_log_name (data->resource), "undefined");
      vb_resource_set_persistent (data->resource, FALSE);
      if (data->kind->undefined)
        data->kind->undefined (data->resource);
    }
  change_done (task, error);
}

static void
undefine_locked (GTask *task, VbResource *resource)
{
  ChangeData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!require_persistent (data, &error)
      || (data->kind->check_undefine && !data->kind->check_undefine (resource, &error)))
    {
      change_done (task, error);
      return;
    }
  vb_config_store_remove_async (vb_driver_host_get_store (data->host), data->kind->store_kind,
                                vb_resource_get_uuid (resource), undefine_removed, task);
}

void
vb_resource_api_undefine_async (VbDriverHost *host, const VbResourceKind *kind,
                                VbResource *resource, GAsyncReadyCallback callback,
                                gpointer user_data)
{
  GTask *task = change_task_new (host, kind, resource, callback, user_data);

  vb_resource_api_with_lock (resource, "undefine", task, undefine_locked);
}

static void
autostart_written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  ChangeData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (vb_config_store_finish (vb_driver_host_get_store (data->host), result, &error))
    vb_resource_set_autostart (data->resource, data->autostart);
  change_done (task, error);
}

static void
autostart_locked (GTask *task, VbResource *resource)
{
  ChangeData *data = g_task_get_task_data (task);
  GError *error = NULL;

  if (!require_persistent (data, &error))
    {
      change_done (task, error);
      return;
    }
  vb_config_store_set_autostart_async (vb_driver_host_get_store (data->host),
                                       data->kind->store_kind, vb_resource_get_uuid (resource),
                                       data->autostart, autostart_written, task);
}

void
vb_resource_api_set_autostart_async (VbDriverHost *host, const VbResourceKind *kind,
                                     VbResource *resource, gboolean autostart,
                                     GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = change_task_new (host, kind, resource, callback, user_data);
  ChangeData *data = g_task_get_task_data (task);

  data->autostart = autostart;
  vb_resource_api_with_lock (resource, "set autostart", task, autostart_locked);
}

gboolean
vb_resource_api_finish (GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- lookups ---- */

VbResource *
vb_resource_api_lookup_name (VbDriverHost *host, const VbResourceKind *kind, const char *name,
                             GError **error)
{
  VbResource *resource =
    vb_inventory_lookup_name (vb_driver_host_get_inventory (host), kind->type, name);

  if (!resource)
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "No %s named '%s'", kind->noun, name);
  return resource;
}

VbResource *
vb_resource_api_lookup_uuid (VbDriverHost *host, const VbResourceKind *kind, const char *uuid,
                             GError **error)
{
  g_autofree char *normal = vb_uuid_normalize (uuid);
  VbResource *resource;

  if (!normal)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                   "'%s' is not a UUID (expected 8-4-4-4-12 hexadecimal digits)", uuid);
      return NULL;
    }
  resource = vb_inventory_lookup_uuid (vb_driver_host_get_inventory (host), kind->type, normal);
  if (!resource)
    g_set_error (error, VB_ERROR, VB_ERROR_NOT_FOUND, "No %s with UUID %s", kind->noun, normal);
  return resource;
}

/* ---- start-up ---- */

void
vb_resource_api_adopt (VbDriverHost *host, const VbResourceKind *kind, VbResource *resource)
{
  track_and_add (host, kind, resource);
}

/* On failure, *@driver_refused says whether the file itself is fine and only
 * this run's driver refused it (no driver for its type, a host that lacks
 * what it needs): that may change by the next start, so the file stays. */
static gboolean
load_one (VbDriverHost *host, const VbResourceKind *kind, VbStoredConfig *config,
          VbStoredParse *parsed, gboolean *driver_refused, GError **error)
{
  VbInventory *inventory = vb_driver_host_get_inventory (host);
  gpointer def = g_steal_pointer (&parsed->def);
  const char *driver;
  VbResource *resource;

  if (!def)
    {
      g_propagate_error (error, g_steal_pointer (&parsed->error));
      return FALSE;
    }
  if (g_strcmp0 (kind->def_uuid (def), config->id) != 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML,
                   "its UUID %s does not match its file name", kind->def_uuid (def));
      kind->free_def (def);
      return FALSE;
    }
  /* The configurations come newest first: the one already loaded is the
   * last acknowledged define of the name. */
  if (vb_inventory_lookup_name (inventory, kind->type, kind->def_name (def)))
    {
      g_set_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID,
                   "another %s, defined later, is named '%s'", kind->noun, kind->def_name (def));
      kind->free_def (def);
      return FALSE;
    }
  driver = kind->select_driver (host, def, error);
  if (!driver)
    {
      *driver_refused = TRUE;
      kind->free_def (def);
      return FALSE;
    }
  resource = kind->new_resource (def, driver, TRUE);
  if (config->autostart)
    vb_resource_set_autostart (resource, TRUE);
  track_and_add (host, kind, resource);
  if (kind->loaded)
    kind->loaded (host, resource);
  g_object_unref (resource);
  return TRUE;
}

void
vb_resource_api_load_all (VbDriverHost *host, const VbResourceKind *kind)
{
  g_autoptr (GPtrArray) configs =
    vb_config_store_load (vb_driver_host_get_store (host), kind->store_kind);
  VbStoredParse *parsed = vb_stored_parse_all (kind, configs);
  guint loaded = 0;

  for (guint i = 0; i < configs->len; i++)
    {
      VbStoredConfig *config = configs->pdata[i];
      VbConfigStore *store = vb_driver_host_get_store (host);
      g_autoptr (GError) error = NULL;
      gboolean driver_refused = FALSE;

      if (load_one (host, kind, config, &parsed[i], &driver_refused, &error))
        {
          loaded++;
          continue;
        }
      /* Reported either way. A file that cannot load anywhere is kept aside:
       * left in place, it would come back at a later start and take its name
       * from whoever defined it since. One only this run's driver refused
       * stays; should its name be defined again meanwhile, the newest wins
       * at the next start and this one is kept aside then. */
      if (driver_refused)
        vb_config_store_report_unloaded (store, kind->store_kind, config, error->message);
      else
        vb_config_store_reject (store, kind->store_kind, config, error->message);
    }
  vb_stored_parse_free (kind, parsed, configs->len);
  /* What a restart test counts; a refusal was logged above. */
  vb_log_info (NULL, "Loaded %u of %u stored %s", loaded, configs->len, kind->store_kind);
}

GPtrArray *
vb_resource_api_get_rejected (VbDriverHost *host)
{
  return vb_config_store_get_rejected (vb_driver_host_get_store (host));
}

void
vb_resource_api_watch_rejected (VbDriverHost *host, VbRejectedFunc func, gpointer user_data)
{
  vb_config_store_watch_rejected (vb_driver_host_get_store (host), func, user_data);
}

GPtrArray *
vb_list_resources (VbDriverHost *host, GType type, guint flags,
                   gboolean (*active_of) (VbResource *), GError **error)
{
  guint all = VB_LIST_INACTIVE | VB_LIST_ACTIVE | VB_LIST_PERSISTENT | VB_LIST_TRANSIENT
              | VB_LIST_AUTOSTART | VB_LIST_NO_AUTOSTART;
  GPtrArray *list;

  if (!vb_check_flags (flags, all, error))
    return NULL;
  list = vb_inventory_list (vb_driver_host_get_inventory (host), type);
  for (guint i = list->len; i > 0; i--)
    {
      VbResource *resource = list->pdata[i - 1];
      gboolean active = active_of (resource);
      gboolean persistent = vb_resource_get_persistent (resource);
      gboolean autostart = vb_resource_get_autostart (resource);

      if (((flags & (VB_LIST_ACTIVE | VB_LIST_INACTIVE))
           && !(flags & (active ? VB_LIST_ACTIVE : VB_LIST_INACTIVE)))
          || ((flags & (VB_LIST_PERSISTENT | VB_LIST_TRANSIENT))
              && !(flags & (persistent ? VB_LIST_PERSISTENT : VB_LIST_TRANSIENT)))
          || ((flags & (VB_LIST_AUTOSTART | VB_LIST_NO_AUTOSTART))
              && !(flags & (autostart ? VB_LIST_AUTOSTART : VB_LIST_NO_AUTOSTART))))
        g_ptr_array_remove_index (list, i - 1);
    }
  return list;
}
