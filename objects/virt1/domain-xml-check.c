#include "domain-xml-check.h"

#include "authorized-dispatch.h"
#include "domain-host-root.h"
#include "domain-passthrough.h"
#include "host-files.h"
#include "secret-api.h"
#include "xml-schema.h"

#define ACTION_DEFINE "org.virtbus.Virt1.domain.define"
#define ACTION_HOST_FILES "org.virtbus.Virt1.domain.host-files"
#define ACTION_HOST_ROOT "org.virtbus.Virt1.domain.host-root"
#define ACTION_PASSTHROUGH "org.virtbus.Virt1.domain.qemu-passthrough"
#define ACTION_SECRETS "org.virtbus.Virt1.secret.manage"

typedef struct {
  GDBusMethodInvocation *invocation;
  VbDriverHost *host;
  char *xml;        /* a definition, or */
  xmlDoc *doc;      /* @xml parsed, until its paths are found; NULL if it does not parse */
  char *file;       /* one file the call names itself */
  char *first_path; /* outside the pools, once known */
  char *host_root;  /* what asks for host-root, once known */
  char *checked_xml; /* @xml with its disks' backing chains recorded */
  GStrv secrets;     /* the secrets @xml names, once known */
  gboolean secrets_listed;
  guint secrets_asked; /* how many of them were granted */
} Check;

static void
check_free (Check *check)
{
  g_object_unref (check->invocation);
  g_free (check->xml);
  g_clear_pointer (&check->doc, xmlFreeDoc);
  g_free (check->file);
  g_free (check->first_path);
  g_free (check->host_root);
  g_free (check->checked_xml);
  g_strfreev (check->secrets);
  g_free (check);
}

static void check_secrets (GTask *task);

static void
secrets_granted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  Check *check = g_task_get_task_data (task);
  GError *error = NULL;

  if (!vb_dispatch_authorize_also_detail_finish (result, &error))
    {
      g_prefix_error (&error, "the XML names the secret %s, whose value QEMU would use: ",
                      check->secrets[check->secrets_asked]);
      g_task_return_error (task, error);
      return;
    }
  check->secrets_asked++;
  check_secrets (task);
}

/* A domain that names a secret has QEMU use its value, and send it to the
 * server its disk names: only for those who may manage secrets
 * (docs/authorization.md). Each secret is asked for, since a polkit rule may
 * allow one and not another. */
static void
check_secrets (GTask *task)
{
  Check *check = g_task_get_task_data (task);

  if (check->xml && !check->secrets_listed)
    check->secrets = vb_secret_api_named_in (check->checked_xml ? check->checked_xml : check->xml);
  check->secrets_listed = TRUE;
  if (!check->secrets || !check->secrets[check->secrets_asked])
    {
      g_task_return_boolean (task, TRUE);
      return;
    }
  vb_dispatch_authorize_also_detail_async (g_task_get_source_object (task), check->invocation,
                                           ACTION_SECRETS, "secret",
                                           check->secrets[check->secrets_asked], NULL,
                                           secrets_granted, g_object_ref (task));
}

static void
host_files_granted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  Check *check = g_task_get_task_data (task);
  GError *error = NULL;

  if (!vb_dispatch_authorize_also_detail_finish (result, &error))
    {
      g_prefix_error (&error, "%s is outside every active storage pool: ", check->first_path);
      g_task_return_error (task, error);
      return;
    }
  check_secrets (task);
}

static void
paths_found (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  Check *check = g_task_get_task_data (task);
  GError *error = NULL;
  g_auto (GStrv) outside =
    check->file ? vb_host_file_outside_pools_finish (result, &error)
                : vb_host_files_outside_pools_finish (result, &check->checked_xml, &error);

  if (!outside)
    {
      g_task_return_error (task, error);
      return;
    }
  if (!outside[0])
    {
      check_secrets (task);
      return;
    }
  check->first_path = g_strdup (outside[0]);
  vb_dispatch_authorize_also_detail_async (g_task_get_source_object (task), check->invocation,
                                           ACTION_HOST_FILES, "path", check->first_path, NULL,
                                           host_files_granted, g_object_ref (task));
}

static void
find_paths (GTask *task)
{
  Check *check = g_task_get_task_data (task);

  if (check->file)
    vb_host_file_outside_pools_async (check->host, check->file, paths_found, g_object_ref (task));
  else
    vb_host_files_outside_pools_async (check->host, check->xml, check->doc, paths_found,
                                       g_object_ref (task));
  g_clear_pointer (&check->doc, xmlFreeDoc);
}

static void
host_root_granted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  Check *check = g_task_get_task_data (task);
  GError *error = NULL;

  if (!vb_dispatch_authorize_also_finish (result, &error))
    {
      g_prefix_error (&error, "the XML has the host run %s as root: ", check->host_root);
      g_task_return_error (task, error);
      return;
    }
  find_paths (task);
}

/* A script the service runs as root, or QEMU left CAP_SYS_RAWIO: only for
 * those polkit allows org.virtbus.Virt1.domain.host-root. */
static void
check_host_root (GTask *task)
{
  Check *check = g_task_get_task_data (task);

  if (check->xml)
    check->host_root = vb_domain_host_root_in_doc (check->doc);
  if (!check->host_root)
    {
      find_paths (task);
      return;
    }
  vb_dispatch_authorize_also_async (g_task_get_source_object (task), check->invocation,
                                    ACTION_HOST_ROOT, NULL, host_root_granted, g_object_ref (task));
}

static void
passthrough_granted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (!vb_dispatch_authorize_also_finish (result, &error))
    {
      g_prefix_error (&error, "the XML passes arguments to QEMU past the driver "
                              "(libvirt's QEMU namespace): ");
      g_task_return_error (task, error);
      return;
    }
  check_host_root (task);
}

/* libvirt's QEMU namespace hands QEMU what the driver never checked: only
 * for those polkit allows org.virtbus.Virt1.domain.qemu-passthrough. */
static void
check_passthrough (GTask *task)
{
  Check *check = g_task_get_task_data (task);

  if (!check->xml || !vb_domain_passthrough_in_doc (check->doc))
    {
      check_host_root (task);
      return;
    }
  vb_dispatch_authorize_also_async (g_task_get_source_object (task), check->invocation,
                                    ACTION_PASSTHROUGH, NULL, passthrough_granted,
                                    g_object_ref (task));
}

static void
define_granted (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  GError *error = NULL;

  if (!vb_dispatch_authorize_also_finish (result, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  check_passthrough (task);
}

void
vb_domain_xml_check_async (GDBusInterfaceSkeleton *skeleton, GDBusMethodInvocation *invocation,
                           VbDriverHost *host, const char *xml, gboolean define_too,
                           GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (skeleton, NULL, callback, user_data);
  Check *check = g_new0 (Check, 1);

  g_task_set_source_tag (task, vb_domain_xml_check_async);
  check->invocation = g_object_ref (invocation);
  check->host = host;
  check->xml = g_strdup (xml);
  /* Parsed once for the three looks below (a define parsed it three times);
   * one that does not parse is refused by name where its paths are sought. */
  check->doc = vb_xml_parse (xml, NULL, NULL);
  g_task_set_task_data (task, check, (GDestroyNotify) check_free);
  if (define_too)
    vb_dispatch_authorize_also_async (skeleton, invocation, ACTION_DEFINE, NULL, define_granted,
                                      g_object_ref (task));
  else
    check_passthrough (task);
}

char *
vb_domain_xml_check_finish (GAsyncResult *result, GError **error)
{
  Check *check;

  g_return_val_if_fail (g_async_result_is_tagged (result, vb_domain_xml_check_async), NULL);
  if (!g_task_propagate_boolean (G_TASK (result), error))
    return NULL;
  check = g_task_get_task_data (G_TASK (result));
  return g_steal_pointer (&check->checked_xml);
}

void
vb_domain_file_check_async (GDBusInterfaceSkeleton *skeleton, GDBusMethodInvocation *invocation,
                            VbDriverHost *host, const char *path, GAsyncReadyCallback callback,
                            gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (skeleton, NULL, callback, user_data);
  Check *check = g_new0 (Check, 1);

  g_task_set_source_tag (task, vb_domain_file_check_async);
  check->invocation = g_object_ref (invocation);
  check->host = host;
  check->file = g_strdup (path);
  g_task_set_task_data (task, check, (GDestroyNotify) check_free);
  find_paths (task);
}

gboolean
vb_domain_file_check_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, vb_domain_file_check_async), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
