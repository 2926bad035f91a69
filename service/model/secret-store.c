#include "secret-store.h"

#include <string.h>

#include "vb-error.h"
#include "vb-log.h"
#include "xml-schema.h"

#define KIND "secrets"
/* A passphrase or a key: anything longer is a mistake, not a secret. */
#define VALUE_MAX (64 * 1024)

struct _VbSecret {
  GObject parent;
  VbSecretDef *def;
  GBytes *value;
};

G_DEFINE_FINAL_TYPE (VbSecret, vb_secret, G_TYPE_OBJECT)

enum { SECRET_CHANGED, N_SECRET_SIGNALS };
static guint secret_signals[N_SECRET_SIGNALS];

static void
vb_secret_finalize (GObject *object)
{
  VbSecret *self = VB_SECRET (object);

  vb_secret_def_free (self->def);
  g_clear_pointer (&self->value, g_bytes_unref);
  G_OBJECT_CLASS (vb_secret_parent_class)->finalize (object);
}

static void
vb_secret_class_init (VbSecretClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = vb_secret_finalize;
  secret_signals[SECRET_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);
}

static void
vb_secret_init (VbSecret *self)
{
}

const VbSecretDef *
vb_secret_get_def (VbSecret *self)
{
  return self->def;
}

GBytes *
vb_secret_get_value (VbSecret *self)
{
  return self->value;
}

/* Values are wiped when the last reference goes, not left in freed memory. */
static void
wipe_free (gpointer data)
{
  gsize *block = (gsize *) data - 1;

  memset (block, 0, *block + sizeof (gsize));
  g_free (block);
}

static GBytes *
value_copy (const void *data, gsize len)
{
  gsize *block = g_malloc (len + sizeof (gsize) + 1);

  *block = len;
  if (len)
    memcpy (block + 1, data, len);
  return g_bytes_new_with_free_func (block + 1, len, wipe_free, block + 1);
}

/* ------------------------------------------------------------------------ */

struct _VbSecretStore {
  GObject parent;
  VbConfigStore *store;
  GHashTable *by_uuid; /* uuid → VbSecret */
};

G_DEFINE_FINAL_TYPE (VbSecretStore, vb_secret_store, G_TYPE_OBJECT)

enum { ADDED, REMOVED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void
vb_secret_store_finalize (GObject *object)
{
  VbSecretStore *self = VB_SECRET_STORE (object);

  g_hash_table_unref (self->by_uuid);
  G_OBJECT_CLASS (vb_secret_store_parent_class)->finalize (object);
}

static void
vb_secret_store_class_init (VbSecretStoreClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = vb_secret_store_finalize;
  signals[ADDED] = g_signal_new ("added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                 NULL, NULL, G_TYPE_NONE, 1, VB_TYPE_SECRET);
  signals[REMOVED] = g_signal_new ("removed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                                   NULL, NULL, G_TYPE_NONE, 1, VB_TYPE_SECRET);
}

static void
vb_secret_store_init (VbSecretStore *self)
{
  self->by_uuid = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}

VbSecretStore *
vb_secret_store_new (VbConfigStore *store)
{
  VbSecretStore *self = g_object_new (VB_TYPE_SECRET_STORE, NULL);

  self->store = store;
  return self;
}

VbSecret *
vb_secret_store_lookup_uuid (VbSecretStore *self, const char *uuid)
{
  return uuid ? g_hash_table_lookup (self->by_uuid, uuid) : NULL;
}

VbSecret *
vb_secret_store_lookup_usage (VbSecretStore *self, const char *usage_type, const char *usage_id)
{
  GHashTableIter iter;
  VbSecret *secret;

  g_hash_table_iter_init (&iter, self->by_uuid);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &secret))
    if (g_strcmp0 (secret->def->usage_type, usage_type) == 0
        && g_strcmp0 (secret->def->usage_id, usage_id) == 0)
      return secret;
  return NULL;
}

static gint
by_uuid (gconstpointer a, gconstpointer b)
{
  VbSecret *x = *(VbSecret *const *) a;
  VbSecret *y = *(VbSecret *const *) b;

  return strcmp (x->def->uuid, y->def->uuid);
}

GPtrArray *
vb_secret_store_list (VbSecretStore *self)
{
  GPtrArray *list = g_ptr_array_new_with_free_func (g_object_unref);
  GHashTableIter iter;
  VbSecret *secret;

  g_hash_table_iter_init (&iter, self->by_uuid);
  while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &secret))
    g_ptr_array_add (list, g_object_ref (secret));
  g_ptr_array_sort (list, by_uuid);
  return list;
}

/* What is written for @secret: its definition with the value, base64, in
 * a <value> element of its own (stripped again on load). */
static char *
stored_text (VbSecret *secret)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (secret->def->xml, "secret", NULL);
  g_autofree char *encoded = NULL;
  char *text;

  g_return_val_if_fail (doc != NULL, NULL);
  if (secret->value)
    {
      gsize len = 0;
      const guchar *data = g_bytes_get_data (secret->value, &len);

      encoded = g_base64_encode (data, len);
      xmlNewTextChild (xmlDocGetRootElement (doc), NULL, BAD_CAST "value", BAD_CAST encoded);
      memset (encoded, 0, strlen (encoded));
    }
  text = vb_xml_format (doc);
  return text;
}

/* Reads one stored file: the definition and the value. */
static VbSecret *
load_one (VbStoredConfig *config, GError **error)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (config->xml, "secret", error);
  g_autoptr (VbSecret) secret = NULL;
  g_autofree char *xml = NULL;
  xmlNode *value;

  if (!doc)
    return NULL;
  secret = g_object_new (VB_TYPE_SECRET, NULL);
  value = vb_xml_child (xmlDocGetRootElement (doc), "value");
  if (value)
    {
      g_autofree char *encoded = vb_xml_text (value);
      gsize len = 0;
      guchar *data = g_base64_decode (encoded, &len);

      secret->value = value_copy (data, len);
      memset (data, 0, len);
      g_free (data);
      memset (encoded, 0, strlen (encoded));
      xmlUnlinkNode (value);
      xmlFreeNode (value);
    }
  xml = vb_xml_format (doc);
  secret->def = vb_secret_def_parse (xml, error);
  if (!secret->def)
    return NULL;
  if (!g_str_equal (secret->def->uuid, config->id) || secret->def->ephemeral)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_XML, "the file of secret %s holds secret %s%s",
                   config->id, secret->def->uuid,
                   secret->def->ephemeral ? ", an ephemeral one" : "");
      return NULL;
    }
  return g_steal_pointer (&secret);
}

void
vb_secret_store_load (VbSecretStore *self)
{
  g_autoptr (GPtrArray) configs = vb_config_store_load (self->store, KIND);

  for (guint i = 0; i < configs->len; i++)
    {
      VbStoredConfig *config = configs->pdata[i];
      g_autoptr (GError) error = NULL;
      g_autoptr (VbSecret) secret = load_one (config, &error);

      if (secret
          && vb_secret_store_lookup_usage (self, secret->def->usage_type, secret->def->usage_id)
          && secret->def->usage_type)
        g_set_error (&error, VB_ERROR, VB_ERROR_INVALID_XML, "another secret has usage %s '%s'",
                     secret->def->usage_type, secret->def->usage_id);
      if (error)
        {
          vb_config_store_reject (self->store, KIND, config, error->message);
          continue;
        }
      g_hash_table_insert (self->by_uuid, g_strdup (secret->def->uuid), g_object_ref (secret));
      g_signal_emit (self, signals[ADDED], 0, secret);
    }
}

static void
written (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  VbSecretStore *self = g_task_get_source_object (task);
  GError *error = NULL;

  if (!vb_config_store_finish (self->store, result, &error))
    g_task_return_error (task, error);
  else if (g_task_get_source_tag (task) == vb_secret_store_define_async)
    g_task_return_pointer (task, g_object_ref (g_task_get_task_data (task)), g_object_unref);
  else
    g_task_return_boolean (task, TRUE);
}

/* Writes @secret (unless ephemeral), then completes @task. */
static void
save (VbSecretStore *self, VbSecret *secret, GTask *task)
{
  char *text;

  if (secret->def->ephemeral)
    {
      if (g_task_get_source_tag (task) == vb_secret_store_define_async)
        g_task_return_pointer (task, g_object_ref (secret), g_object_unref);
      else
        g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  text = stored_text (secret);
  vb_config_store_save_async (self->store, KIND, secret->def->uuid, text, written, task);
  /* The store copied it. */
  memset (text, 0, strlen (text));
  g_free (text);
}

void
vb_secret_store_define_async (VbSecretStore *self, const char *xml, GAsyncReadyCallback callback,
                              gpointer user_data)
{
  GTask *task = g_task_new (self, NULL, callback, user_data);
  g_autoptr (VbSecretDef) def = NULL;
  GError *error = NULL;
  VbSecret *same, *other;

  g_task_set_source_tag (task, vb_secret_store_define_async);
  def = vb_secret_def_parse (xml, &error);
  if (!def)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  same = vb_secret_store_lookup_uuid (self, def->uuid);
  other =
    def->usage_type ? vb_secret_store_lookup_usage (self, def->usage_type, def->usage_id) : NULL;
  if (other && other != same)
    error =
      g_error_new (VB_ERROR, VB_ERROR_OPERATION_INVALID, "Secret %s already has usage %s '%s'",
                   other->def->uuid, def->usage_type, def->usage_id);
  else if (same && same->def->ephemeral != def->ephemeral)
    error =
      g_error_new (VB_ERROR, VB_ERROR_OPERATION_INVALID, "Secret %s is %s: it cannot become %s",
                   def->uuid, same->def->ephemeral ? "ephemeral" : "persistent",
                   def->ephemeral ? "ephemeral" : "persistent");
  else if (same && same->def->private && !def->private)
    error = g_error_new (VB_ERROR, VB_ERROR_OPERATION_INVALID,
                         "Secret %s is private: it cannot become readable", def->uuid);
  if (error)
    {
      g_task_return_error (task, error);
      g_object_unref (task);
      return;
    }
  if (same)
    {
      vb_secret_def_free (same->def);
      same->def = g_steal_pointer (&def);
      g_signal_emit (same, secret_signals[SECRET_CHANGED], 0);
    }
  else
    {
      same = g_object_new (VB_TYPE_SECRET, NULL);
      same->def = g_steal_pointer (&def);
      g_hash_table_insert (self->by_uuid, g_strdup (same->def->uuid), same);
      g_signal_emit (self, signals[ADDED], 0, same);
    }
  g_task_set_task_data (task, g_object_ref (same), g_object_unref);
  save (self, same, task);
}

VbSecret *
vb_secret_store_define_finish (VbSecretStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == vb_secret_store_define_async,
                        NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}

void
vb_secret_store_set_value_async (VbSecretStore *self, VbSecret *secret, GBytes *value,
                                 GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, NULL, callback, user_data);
  gsize len = g_bytes_get_size (value);

  g_task_set_source_tag (task, vb_secret_store_set_value_async);
  if (len > VALUE_MAX)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                               "A secret's value is at most %d bytes", VALUE_MAX);
      g_object_unref (task);
      return;
    }
  if (vb_secret_store_lookup_uuid (self, secret->def->uuid) != secret)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_NOT_FOUND, "Secret %s is gone",
                               secret->def->uuid);
      g_object_unref (task);
      return;
    }
  g_clear_pointer (&secret->value, g_bytes_unref);
  secret->value = value_copy (g_bytes_get_data (value, NULL), len);
  save (self, secret, task);
}

static void
removed (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  VbSecretStore *self = g_task_get_source_object (task);
  GError *error = NULL;

  if (!vb_config_store_finish (self->store, result, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
vb_secret_store_undefine_async (VbSecretStore *self, VbSecret *secret, GAsyncReadyCallback callback,
                                gpointer user_data)
{
  GTask *task = g_task_new (self, NULL, callback, user_data);
  g_autoptr (VbSecret) gone = g_object_ref (secret);

  g_task_set_source_tag (task, vb_secret_store_undefine_async);
  if (!g_hash_table_remove (self->by_uuid, secret->def->uuid))
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_NOT_FOUND, "Secret %s is gone",
                               secret->def->uuid);
      g_object_unref (task);
      return;
    }
  g_signal_emit (self, signals[REMOVED], 0, gone);
  if (gone->def->ephemeral)
    {
      g_task_return_boolean (task, TRUE);
      g_object_unref (task);
      return;
    }
  vb_config_store_remove_async (self->store, KIND, gone->def->uuid, removed, task);
}

gboolean
vb_secret_store_finish (VbSecretStore *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
