#include "libvirt-xml-check.h"

#include "host-files.h"
#include "secret-api.h"

#define ACTION_HOST_FILES "org.virtbus.Virt1.domain.host-files"
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

void
vb_lv_xml_check (VbLvCall *call, const char *xml, VbLvMethodFunc next)
{
  Checking *checking = g_new0 (Checking, 1);

  checking->call = call;
  checking->next = next;
  vb_host_files_outside_pools_async (call->connect->host, xml, paths_found, checking);
}
