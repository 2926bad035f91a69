#include "libvirt-xml-check.h"

#include "domain-host-root.h"
#include "domain-passthrough.h"
#include "host-files.h"
#include "secret-api.h"

#define ACTION_HOST_FILES "org.virtbus.Virt1.domain.host-files"
#define ACTION_HOST_ROOT "org.virtbus.Virt1.domain.host-root"
#define ACTION_PASSTHROUGH "org.virtbus.Virt1.domain.qemu-passthrough"
#define ACTION_SECRETS "org.virtbus.Virt1.secret.manage"

typedef struct {
  VbLvCall *call;
  VbLvMethodFunc next;
} Checking;

/* As objects/virt1/domain-xml-check.c: each secret the XML names needs
 * secret.manage; after host-files, as there. Called again once each is
 * granted. */
static void
check_secrets (VbLvCall *call)
{
  g_auto (GStrv) named = vb_secret_api_named_in (call->xml);
  guint asked = call->secrets_asked;

  if (!named || !named[asked])
    {
      call->checked_next (call);
      return;
    }
  call->secrets_asked++;
  vb_lv_call_authorize_also_detail (call, ACTION_SECRETS, "secret", named[asked], check_secrets);
}

static void
paths_found (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Checking *checking = user_data;
  VbLvCall *call = checking->call;
  VbLvMethodFunc next = checking->next;
  GError *error = NULL;
  g_auto (GStrv) outside = vb_host_files_outside_pools_finish (result, &call->xml, &error);

  g_free (checking);
  call->checked_next = next;
  if (!outside)
    vb_lv_call_fail (call, error);
  else if (!outside[0])
    check_secrets (call);
  else
    vb_lv_call_authorize_also_detail (call, ACTION_HOST_FILES, "path", outside[0], check_secrets);
}

static void
find_paths (VbLvCall *call, const char *xml, VbLvMethodFunc next)
{
  Checking *checking = g_new0 (Checking, 1);

  checking->call = call;
  checking->next = next;
  vb_host_files_outside_pools_async (call->connect->host, xml, NULL, paths_found, checking);
}

/* Granted (or not needed): the XML waited in call->xml, @next in
 * call->checked_next. */
static void
host_root_granted (VbLvCall *call)
{
  g_autofree char *xml = g_steal_pointer (&call->xml);

  find_paths (call, xml, call->checked_next);
}

/* As objects/virt1/domain-xml-check.c: a script run as root or rawio='yes'
 * needs host-root, after qemu-passthrough. */
static void
check_host_root (VbLvCall *call)
{
  g_autofree char *what = vb_domain_host_root_in (call->xml);

  if (what)
    vb_lv_call_authorize_also (call, ACTION_HOST_ROOT, host_root_granted);
  else
    host_root_granted (call);
}

void
vb_lv_xml_check (VbLvCall *call, const char *xml, VbLvMethodFunc next)
{
  g_free (call->xml);
  call->xml = g_strdup (xml);
  call->checked_next = next;
  /* As objects/virt1/domain-xml-check.c: libvirt's QEMU namespace needs
   * qemu-passthrough, before anything else is looked at. */
  if (vb_domain_passthrough_in (xml))
    {
      vb_lv_call_authorize_also (call, ACTION_PASSTHROUGH, check_host_root);
      return;
    }
  check_host_root (call);
}
