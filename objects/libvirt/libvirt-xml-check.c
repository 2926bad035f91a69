#include "libvirt-xml-check.h"

#include "host-files.h"

#define ACTION_HOST_FILES "org.virtbus.Virt1.domain.host-files"

typedef struct {
  VbLvCall *call;
  VbLvMethodFunc next;
} Checking;

static void
paths_found (GObject *source, GAsyncResult *result, gpointer user_data)
{
  Checking *checking = user_data;
  VbLvCall *call = checking->call;
  VbLvMethodFunc next = checking->next;
  GError *error = NULL;
  g_auto (GStrv) outside = vb_host_files_outside_pools_finish (result, &call->xml, &error);

  g_free (checking);
  if (!outside)
    vb_lv_call_fail (call, error);
  else if (!outside[0])
    next (call);
  else
    vb_lv_call_authorize_also_detail (call, ACTION_HOST_FILES, "path", outside[0], next);
}

void
vb_lv_xml_check (VbLvCall *call, const char *xml, VbLvMethodFunc next)
{
  Checking *checking = g_new0 (Checking, 1);

  checking->call = call;
  checking->next = next;
  vb_host_files_outside_pools_async (call->connect->host, xml, paths_found, checking);
}
