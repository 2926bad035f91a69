/* Why this exists: gdbus-codegen keeps every org.gtk.GDBus.* annotation of
 * the interface files to itself, DocString included, and leaves them out of
 * the interface info it generates; the skeletons are registered with that
 * info, and GDBus answers Introspect from what is registered. So the
 * documentation comes from the interface files themselves, as
 * introspection/annotate-docs.py wrote them (each doc comment as DocString
 * annotations), built into the service. A connection filter remembers the
 * Introspect calls to our paths and adds to
 * each reply the annotations of the interfaces it describes; the rest of
 * the reply stays GDBus's. Replacing the registered info instead is not
 * possible: the generated dispatch reads codegen's own extended info back
 * from each call. */
#include "documented-introspection.h"

#include <string.h>

#include "object-paths.h"
#include "vb-virt1-docs.h"

#define DOCS_PREFIX "/org/virtbus/Virt1/docs/"
#define DOC_ANNOTATIONS "org.gtk.GDBus.DocString" /* and DocString.Short */
#define INTROSPECTABLE "org.freedesktop.DBus.Introspectable"

typedef struct {
  /* interface name -> GDBusInterfaceInfo from the files: read-only once
   * installed, so safe to read from the worker thread */
  GHashTable *docs;
  GMutex lock;
  /* "sender serial" of each Introspect call not answered yet */
  GHashTable *calls;
  int waiting; /* its size, read without the lock */
} Docs;

/* ---- the documentation (main thread, at install) ---- */

static GHashTable *
load_docs (void)
{
  GHashTable *docs = g_hash_table_new_full (g_str_hash, g_str_equal, NULL,
                                            (GDestroyNotify) g_dbus_interface_info_unref);
  g_autoptr (GError) error = NULL;
  g_auto (GStrv) files = g_resource_enumerate_children (vb_virt1_docs_get_resource (), DOCS_PREFIX,
                                                        G_RESOURCE_LOOKUP_FLAGS_NONE, &error);

  if (!files)
    g_error ("The interface files are not built in: %s", error->message);
  for (guint i = 0; files[i]; i++)
    {
      g_autofree char *name = g_strconcat (DOCS_PREFIX, files[i], NULL);
      g_autoptr (GBytes) bytes = g_resource_lookup_data (vb_virt1_docs_get_resource (), name,
                                                         G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
      g_autoptr (GDBusNodeInfo) node = NULL;

      /* Built from the files the skeletons are: a failure is a build error. */
      node = g_dbus_node_info_new_for_xml (g_bytes_get_data (bytes, NULL), &error);
      if (!node)
        g_error ("%s: %s", name, error->message);
      for (guint j = 0; node->interfaces && node->interfaces[j]; j++)
        g_hash_table_insert (docs, node->interfaces[j]->name,
                             g_dbus_interface_info_ref (node->interfaces[j]));
    }
  return docs;
}

/* ---- adding it to a reply (worker thread) ---- */

/* Appends to *@target the DocString annotations of @source it lacks. */
static void
add_docs (GDBusAnnotationInfo ***target, GDBusAnnotationInfo **source)
{
  guint n = 0;
  guint n_source = 0;
  guint added = 0;
  GDBusAnnotationInfo **merged;

  if (!source)
    return;
  while (*target && (*target)[n])
    n++;
  while (source[n_source])
    n_source++;
  merged = g_new0 (GDBusAnnotationInfo *, n + n_source + 1);
  if (n)
    memcpy (merged, *target, n * sizeof *merged);
  for (guint i = 0; source[i]; i++)
    if (g_str_has_prefix (source[i]->key, DOC_ANNOTATIONS)
        && !g_dbus_annotation_info_lookup (merged, source[i]->key))
      merged[n + added++] = g_dbus_annotation_info_ref (source[i]);
  g_free (*target);
  *target = merged;
}

static void
add_args_docs (GDBusArgInfo **args, GDBusArgInfo **documented)
{
  for (guint i = 0; args && documented && args[i] && documented[i]; i++)
    if (g_strcmp0 (args[i]->name, documented[i]->name) == 0)
      add_docs (&args[i]->annotations, documented[i]->annotations);
}

static void
add_interface_docs (GDBusInterfaceInfo *info, GDBusInterfaceInfo *documented)
{
  add_docs (&info->annotations, documented->annotations);
  for (guint i = 0; info->methods && info->methods[i]; i++)
    {
      GDBusMethodInfo *method = info->methods[i];
      GDBusMethodInfo *doc = g_dbus_interface_info_lookup_method (documented, method->name);

      if (!doc)
        continue;
      add_docs (&method->annotations, doc->annotations);
      add_args_docs (method->in_args, doc->in_args);
      add_args_docs (method->out_args, doc->out_args);
    }
  for (guint i = 0; info->signals && info->signals[i]; i++)
    {
      GDBusSignalInfo *signal = info->signals[i];
      GDBusSignalInfo *doc = g_dbus_interface_info_lookup_signal (documented, signal->name);

      if (!doc)
        continue;
      add_docs (&signal->annotations, doc->annotations);
      add_args_docs (signal->args, doc->args);
    }
  for (guint i = 0; info->properties && info->properties[i]; i++)
    {
      GDBusPropertyInfo *property = info->properties[i];
      GDBusPropertyInfo *doc = g_dbus_interface_info_lookup_property (documented, property->name);

      if (doc)
        add_docs (&property->annotations, doc->annotations);
    }
}

/* @xml as GDBus wrote it, with the documentation; NULL to keep it. */
static char *
documented_xml (Docs *docs, const char *xml)
{
  g_autoptr (GDBusNodeInfo) node = g_dbus_node_info_new_for_xml (xml, NULL);
  const char *root = strstr (xml, "<node");
  gboolean changed = FALSE;
  GString *out;

  if (!node || !root)
    return NULL;
  for (guint i = 0; node->interfaces && node->interfaces[i]; i++)
    {
      GDBusInterfaceInfo *documented = g_hash_table_lookup (docs->docs, node->interfaces[i]->name);

      if (documented)
        {
          add_interface_docs (node->interfaces[i], documented);
          changed = TRUE;
        }
    }
  if (!changed)
    return NULL;
  /* What precedes the root element (the DOCTYPE) stays as it was. */
  out = g_string_new_len (xml, root - xml);
  g_dbus_node_info_generate_xml (node, 0, out);
  return g_string_free (out, FALSE);
}

static char *
call_key (const char *sender, guint32 serial)
{
  return g_strdup_printf ("%s %u", sender ? sender : "", serial);
}

static gboolean
is_our_path (const char *path)
{
  return path
         && (g_str_equal (path, VB_MANAGER_PATH) || g_str_has_prefix (path, VB_MANAGER_PATH "/"));
}

static void
incoming_call (Docs *docs, GDBusMessage *message)
{
  if (g_strcmp0 (g_dbus_message_get_interface (message), INTROSPECTABLE) != 0
      || g_strcmp0 (g_dbus_message_get_member (message), "Introspect") != 0
      || !is_our_path (g_dbus_message_get_path (message))
      || (g_dbus_message_get_flags (message) & G_DBUS_MESSAGE_FLAGS_NO_REPLY_EXPECTED))
    return;
  g_mutex_lock (&docs->lock);
  g_hash_table_add (docs->calls, call_key (g_dbus_message_get_sender (message),
                                           g_dbus_message_get_serial (message)));
  g_atomic_int_set (&docs->waiting, g_hash_table_size (docs->calls));
  g_mutex_unlock (&docs->lock);
}

static GDBusMessage *
outgoing_reply (Docs *docs, GDBusMessage *message)
{
  g_autofree char *key = NULL;
  GVariant *body = g_dbus_message_get_body (message);
  const char *introspection;
  g_autofree char *xml = NULL;
  GDBusMessage *rewritten;
  gboolean ours;

  /* Every reply passes here: most while no Introspect waits. */
  if (g_atomic_int_get (&docs->waiting) == 0)
    return message;
  key =
    call_key (g_dbus_message_get_destination (message), g_dbus_message_get_reply_serial (message));
  g_mutex_lock (&docs->lock);
  ours = g_hash_table_remove (docs->calls, key);
  g_atomic_int_set (&docs->waiting, g_hash_table_size (docs->calls));
  g_mutex_unlock (&docs->lock);
  if (!ours || g_dbus_message_get_message_type (message) != G_DBUS_MESSAGE_TYPE_METHOD_RETURN
      || !body || !g_variant_is_of_type (body, G_VARIANT_TYPE ("(s)")))
    return message;
  g_variant_get_child (body, 0, "&s", &introspection);
  xml = documented_xml (docs, introspection);
  if (!xml)
    return message;
  /* Outgoing messages are locked: the answer is a copy. */
  rewritten = g_dbus_message_copy (message, NULL);
  if (!rewritten)
    return message;
  g_dbus_message_set_body (rewritten, g_variant_new ("(s)", xml));
  g_object_unref (message);
  return rewritten;
}

static GDBusMessage *
filter (GDBusConnection *connection, GDBusMessage *message, gboolean incoming, gpointer user_data)
{
  GDBusMessageType type = g_dbus_message_get_message_type (message);

  if (incoming && type == G_DBUS_MESSAGE_TYPE_METHOD_CALL)
    incoming_call (user_data, message);
  else if (!incoming
           && (type == G_DBUS_MESSAGE_TYPE_METHOD_RETURN || type == G_DBUS_MESSAGE_TYPE_ERROR))
    return outgoing_reply (user_data, message);
  return message;
}

void
vb_documented_introspection_install (GDBusConnection *connection)
{
  Docs *docs = g_new0 (Docs, 1);

  docs->docs = load_docs ();
  g_mutex_init (&docs->lock);
  docs->calls = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  /* Lives as long as the connection (the daemon's): the filter may run
   * until the connection is gone. */
  g_dbus_connection_add_filter (connection, filter, docs, NULL);
}
