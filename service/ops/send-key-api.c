/* Domain.SendKey. The keys are translated before the lock is taken: a code
 * no key has is the caller's mistake, whatever the domain's state. */
#include "send-key-api.h"

#include "domain-kind.h"
#include "vb-error.h"
#include "vb-keycodes.h"

typedef struct {
  VbDriverHost *host;
  VbDomain *domain;
  guint qnums[VB_SEND_KEY_MAX_KEYS];
  guint n_keys;
  guint holdtime_ms;
} SendKey;

static void
send_key_free (SendKey *k)
{
  g_clear_object (&k->domain);
  g_free (k);
}

static void
finish (GTask *task, GError *error)
{
  SendKey *k = g_task_get_task_data (task);

  vb_resource_api_release (k->host, vb_domain_api_kind (), VB_RESOURCE (k->domain));
  if (error)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
  g_object_unref (task);
}

static void
sent (GObject *source, GAsyncResult *result, gpointer user_data)
{
  GTask *task = user_data;
  SendKey *k = g_task_get_task_data (task);
  GError *error = NULL;

  vb_domain_api_driver (k->host, k->domain)->send_key_finish (k->domain, result, &error);
  finish (task, error);
}

static void
locked (GTask *task, VbResource *resource)
{
  SendKey *k = g_task_get_task_data (task);
  const VbDomainDriver *driver = vb_domain_api_driver (k->host, k->domain);
  GError *error = NULL;

  if (!vb_domain_api_require_active (k->domain, "send keys to", &error))
    {
      finish (task, error);
      return;
    }
  if (!driver->send_key_async)
    {
      finish (task, g_error_new (VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                                 "The %s driver has no keyboard to send keys to", driver->name));
      return;
    }
  driver->send_key_async (k->host, k->domain, k->qnums, k->n_keys, k->holdtime_ms, sent, task);
}

static gboolean
translate (SendKey *k, guint codeset, const guint *keycodes, gsize n_keycodes, GError **error)
{
  if (n_keycodes < 1 || n_keycodes > VB_SEND_KEY_MAX_KEYS)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                   "SendKey takes 1 to %u keys, not %" G_GSIZE_FORMAT, VB_SEND_KEY_MAX_KEYS,
                   n_keycodes);
      return FALSE;
    }
  for (gsize i = 0; i < n_keycodes; i++)
    if (!vb_keycode_to_qnum (codeset, keycodes[i], &k->qnums[i], error))
      return FALSE;
  k->n_keys = (guint) n_keycodes;
  return TRUE;
}

void
vb_send_key_api_send_async (VbDriverHost *host, VbDomain *domain, guint codeset, guint holdtime_ms,
                            const guint *keycodes, gsize n_keycodes, guint flags,
                            GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (domain, NULL, callback, user_data);
  SendKey *k = g_new0 (SendKey, 1);
  GError *error = NULL;

  g_task_set_source_tag (task, vb_send_key_api_send_async);
  k->host = host;
  k->domain = g_object_ref (domain);
  k->holdtime_ms = holdtime_ms;
  g_task_set_task_data (task, k, (GDestroyNotify) send_key_free);
  vb_resource_api_lock_or_refuse (task, VB_RESOURCE (domain), "send key",
                                  vb_check_flags (flags, 0, &error)
                                    && translate (k, codeset, keycodes, n_keycodes, &error),
                                  &error, locked);
}

gboolean
vb_send_key_api_send_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, vb_send_key_api_send_async), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
