/* snapshot-create-as, snapshot-list, snapshot-revert, snapshot-delete: a
 * domain's snapshots through its ListSnapshots and the Snapshot objects. */
#include "ctl-command.h"
#include "ctl-error.h"
#include "ctl-output.h"

/* Domain.CreateSnapshot, Snapshot.Revert and Snapshot.Delete flags. */
#define CREATE_HALT (1u << 3)
#define CREATE_DISK_ONLY (1u << 4)
#define REVERT_RUNNING (1u << 0)
#define REVERT_PAUSED (1u << 1)
#define DELETE_CHILDREN (1u << 0)
#define DELETE_METADATA_ONLY (1u << 1)
#define DELETE_CHILDREN_ONLY (1u << 2)

static void
add_text_element (GString *xml, const char *element, const char *text)
{
  g_autofree char *escaped = g_markup_escape_text (text, -1);

  g_string_append_printf (xml, "  <%s>%s</%s>\n", element, escaped, element);
}

static gboolean
run_create_as (CtlContext *ctx, CtlArgs *args, GError **error)
{
  const char *name = ctl_args_get (args, 1);
  const char *description = ctl_args_value (args, "description");
  g_autoptr (VirtbusDomain) domain = ctl_context_domain (ctx, ctl_args_get (args, 0), error);
  g_autoptr (GString) xml = g_string_new ("<domainsnapshot>\n");
  g_autoptr (VirtbusObject) object = NULL;
  g_autofree char *path = NULL;
  VirtbusSnapshot *snapshot;
  guint flags = 0;

  if (!domain)
    return FALSE;
  if (name)
    add_text_element (xml, "name", name);
  if (description)
    add_text_element (xml, "description", description);
  g_string_append (xml, "</domainsnapshot>\n");
  if (ctl_args_flag (args, "disk-only"))
    flags |= CREATE_DISK_ONLY;
  if (ctl_args_flag (args, "halt"))
    flags |= CREATE_HALT;
  if (!virtbus_domain_call_create_snapshot_sync (domain, xml->str, flags, &path, NULL, error))
    return FALSE;
  object = ctl_context_wait_object (ctx, path, error);
  if (!object || !(snapshot = virtbus_object_peek_snapshot (object)))
    return FALSE;
  if (ctx->json)
    {
      JsonObject *result = json_object_new ();

      json_object_set_string_member (result, "name", virtbus_snapshot_get_name (snapshot));
      json_object_set_string_member (result, "path", path);
      ctl_print_json (json_node_init_object (json_node_alloc (), result));
      json_object_unref (result);
    }
  ctl_say (ctx, "Domain snapshot %s created", virtbus_snapshot_get_name (snapshot));
  return TRUE;
}

/* The domain's snapshots as the client holds them, oldest first. */
static GPtrArray *
snapshots_of (CtlContext *ctx, VirtbusDomain *domain, GError **error)
{
  g_autoptr (GPtrArray) snapshots = g_ptr_array_new_with_free_func (g_object_unref);
  g_auto (GStrv) paths = NULL;

  if (!virtbus_domain_call_list_snapshots_sync (domain, 0, &paths, NULL, error))
    return NULL;
  for (guint i = 0; paths[i]; i++)
    {
      g_autoptr (VirtbusObject) object = ctl_context_wait_object (ctx, paths[i], error);
      VirtbusSnapshot *snapshot = object ? virtbus_object_get_snapshot (object) : NULL;

      if (!snapshot)
        return NULL;
      g_ptr_array_add (snapshots, snapshot);
    }
  return g_steal_pointer (&snapshots);
}

static const char *
name_at (GPtrArray *snapshots, const char *path)
{
  for (guint i = 0; i < snapshots->len; i++)
    if (g_strcmp0 (g_dbus_proxy_get_object_path (snapshots->pdata[i]), path) == 0)
      return virtbus_snapshot_get_name (snapshots->pdata[i]);
  return NULL;
}

static const CtlColumn list_columns[] = {
  { "Name", "name" },
  { "Creation Time", "creation_time" },
  { "State", "state" },
  { "Current", "current" },
  { NULL, "parent" },
  { NULL, "description" },
  { NULL, "location" },
  { NULL, "has_memory" },
  { NULL },
};

static gboolean
run_list (CtlContext *ctx, CtlArgs *args, GError **error)
{
  g_autoptr (VirtbusDomain) domain = ctl_context_domain (ctx, ctl_args_get (args, 0), error);
  g_autoptr (GPtrArray) snapshots = domain ? snapshots_of (ctx, domain, error) : NULL;
  g_autoptr (CtlTable) table = ctl_table_new (list_columns);

  if (!snapshots)
    return FALSE;
  for (guint i = 0; i < snapshots->len; i++)
    {
      VirtbusSnapshot *snapshot = snapshots->pdata[i];
      g_autoptr (GDateTime) when =
        g_date_time_new_from_unix_local ((gint64) virtbus_snapshot_get_creation_time (snapshot));
      g_autofree char *text = when ? g_date_time_format (when, "%Y-%m-%d %H:%M:%S %z") : NULL;

      ctl_table_add_row (table);
      ctl_table_add_string (table, virtbus_snapshot_get_name (snapshot));
      ctl_table_add_int (table, (gint64) virtbus_snapshot_get_creation_time (snapshot), text);
      ctl_table_add_string (table, virtbus_snapshot_get_state (snapshot));
      ctl_table_add_bool (table, virtbus_snapshot_get_is_current (snapshot));
      ctl_table_add_string (table, name_at (snapshots, virtbus_snapshot_get_parent (snapshot)));
      ctl_table_add_string (table, virtbus_snapshot_get_description (snapshot));
      ctl_table_add_string (table, virtbus_snapshot_get_location (snapshot));
      ctl_table_add_bool (table, virtbus_snapshot_get_has_memory (snapshot));
    }
  ctl_table_print (table, ctx->json);
  return TRUE;
}

/* The domain's snapshot named @name, or its current one for --current. */
static VirtbusSnapshot *
find_snapshot (CtlContext *ctx, CtlArgs *args, char **domain_name, GError **error)
{
  g_autoptr (VirtbusDomain) domain = ctl_context_domain (ctx, ctl_args_get (args, 0), error);
  const char *name = ctl_args_get (args, 1);
  g_autoptr (VirtbusObject) object = NULL;
  g_autofree char *path = NULL;

  if (!domain)
    return NULL;
  if ((name != NULL) == ctl_args_flag (args, "current"))
    {
      g_set_error_literal (error, CTL_ERROR, CTL_ERROR_USAGE,
                           "name a snapshot, or give --current, not both");
      return NULL;
    }
  *domain_name = g_strdup (virtbus_domain_get_name (domain));
  if (name)
    {
      if (!virtbus_domain_call_lookup_snapshot_by_name_sync (domain, name, &path, NULL, error))
        return NULL;
    }
  else if (g_strcmp0 (virtbus_domain_get_current_snapshot (domain), "/") == 0)
    {
      g_set_error (error, VIRTBUS_ERROR, VIRTBUS_ERROR_NOT_FOUND,
                   "Domain '%s' has no current snapshot", *domain_name);
      return NULL;
    }
  else
    path = g_strdup (virtbus_domain_get_current_snapshot (domain));
  object = ctl_context_wait_object (ctx, path, error);
  return object ? virtbus_object_get_snapshot (object) : NULL;
}

static gboolean
run_revert (CtlContext *ctx, CtlArgs *args, GError **error)
{
  g_autofree char *domain_name = NULL;
  g_autoptr (VirtbusSnapshot) snapshot = NULL;
  g_autofree char *name = NULL;
  guint flags = 0;

  if (ctl_args_flag (args, "running") && ctl_args_flag (args, "paused"))
    {
      g_set_error_literal (error, CTL_ERROR, CTL_ERROR_USAGE,
                           "--running and --paused exclude each other");
      return FALSE;
    }
  if (ctl_args_flag (args, "running"))
    flags |= REVERT_RUNNING;
  if (ctl_args_flag (args, "paused"))
    flags |= REVERT_PAUSED;
  snapshot = find_snapshot (ctx, args, &domain_name, error);
  if (!snapshot)
    return FALSE;
  name = g_strdup (virtbus_snapshot_get_name (snapshot));
  if (!virtbus_snapshot_call_revert_sync (snapshot, flags, NULL, error))
    return FALSE;
  ctl_say (ctx, "Domain '%s' reverted to snapshot %s", domain_name, name);
  return TRUE;
}

static gboolean
run_delete (CtlContext *ctx, CtlArgs *args, GError **error)
{
  g_autofree char *domain_name = NULL;
  g_autoptr (VirtbusSnapshot) snapshot = NULL;
  g_autofree char *name = NULL;
  guint flags = 0;

  if (ctl_args_flag (args, "children"))
    flags |= DELETE_CHILDREN;
  if (ctl_args_flag (args, "children-only"))
    flags |= DELETE_CHILDREN_ONLY;
  if (ctl_args_flag (args, "metadata"))
    flags |= DELETE_METADATA_ONLY;
  snapshot = find_snapshot (ctx, args, &domain_name, error);
  if (!snapshot)
    return FALSE;
  name = g_strdup (virtbus_snapshot_get_name (snapshot));
  if (!virtbus_snapshot_call_delete_sync (snapshot, flags, NULL, error))
    return FALSE;
  if (flags & DELETE_CHILDREN_ONLY)
    ctl_say (ctx, "Domain snapshot %s children deleted", name);
  else
    ctl_say (ctx, "Domain snapshot %s deleted", name);
  return TRUE;
}

static const CtlArg domain_snapshot_args[] = {
  { "DOMAIN", CTL_ARG_DOMAIN },
  { "SNAPSHOT", CTL_ARG_WORD, CTL_ARG_OPTIONAL },
  { NULL },
};

const CtlCommand ctl_snapshot_commands[] = {
  { "snapshot-create-as", "Take a snapshot of a domain",
    (const CtlArg[]){
      { "DOMAIN", CTL_ARG_DOMAIN }, { "NAME", CTL_ARG_WORD, CTL_ARG_OPTIONAL }, { NULL } },
    (const CtlOption[]){ { "description", "TEXT", "what the snapshot is for" },
                         { "disk-only", NULL, "an external snapshot: an overlay per disk" },
                         { "halt", NULL, "destroy the domain afterwards" },
                         { NULL } },
    run_create_as,
    "Without NAME the snapshot is named after the time. A running domain's\n"
    "snapshot holds its memory too, unless --disk-only. --json prints its name\n"
    "and object path." },
  { "snapshot-list", "List a domain's snapshots, oldest first",
    (const CtlArg[]){ { "DOMAIN", CTL_ARG_DOMAIN }, { NULL } }, NULL, run_list,
    "--json gives each snapshot's name, creation_time (seconds since the epoch),\n"
    "state, current, parent (its name, null for a root), description, location\n"
    "and has_memory." },
  { "snapshot-revert", "Bring a domain back to a snapshot", domain_snapshot_args,
    (const CtlOption[]){ { "current", NULL, "the domain's current snapshot" },
                         { "running", NULL, "run the guest afterwards" },
                         { "paused", NULL, "leave the guest paused afterwards" },
                         { NULL } },
    run_revert },
  { "snapshot-delete", "Delete a domain's snapshot", domain_snapshot_args,
    (const CtlOption[]){ { "current", NULL, "the domain's current snapshot" },
                         { "children", NULL, "and its descendants" },
                         { "children-only", NULL, "only its descendants" },
                         { "metadata", NULL, "forget it, leave the images alone" },
                         { NULL } },
    run_delete },
  { NULL },
};
