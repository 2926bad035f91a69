/* The exit summary: see exit-summary.h. Domains of drivers whose guests
 * end with the service (the test driver's) are not listed: nothing of them
 * is left. */
#include "exit-summary.h"

#include "vb-log.h"

static gboolean
domain_stays (VbDriverHost *host, VbDomain *domain)
{
  const VbDomainDriver *driver =
    vb_driver_host_get_domain_driver (host, vb_resource_get_driver (VB_RESOURCE (domain)));

  return vb_domain_is_active (domain) && driver && driver->outlives_service;
}

void
vb_exit_summary_log (VbDriverHost *host)
{
  VbInventory *inventory = vb_driver_host_get_inventory (host);
  const VbNetworkDriver *network_driver = vb_driver_host_get_network_driver (host);
  g_autoptr (GPtrArray) domains = vb_inventory_list (inventory, VB_TYPE_DOMAIN);
  g_autoptr (GPtrArray) networks = vb_inventory_list (inventory, VB_TYPE_NETWORK);
  g_autoptr (GPtrArray) staying_domains = g_ptr_array_new ();
  g_autoptr (GPtrArray) staying_networks = g_ptr_array_new ();

  for (guint i = 0; i < domains->len; i++)
    if (domain_stays (host, domains->pdata[i]))
      g_ptr_array_add (staying_domains, domains->pdata[i]);
  for (guint i = 0; network_driver && network_driver->outlives_service && i < networks->len; i++)
    if (vb_network_get_active (networks->pdata[i]))
      g_ptr_array_add (staying_networks, networks->pdata[i]);

  if (!staying_domains->len && !staying_networks->len)
    {
      vb_log_message (NULL, "Exiting: no guest or network keeps running");
      return;
    }
  vb_log_message (NULL,
                  "Exiting: %u domain%s and %u network%s keep running (they outlive the "
                  "service; the next virtbusd on the run directory %s takes them over)",
                  staying_domains->len, staying_domains->len == 1 ? "" : "s", staying_networks->len,
                  staying_networks->len == 1 ? "" : "s", vb_driver_host_get_run_dir (host));
  for (guint i = 0; i < staying_domains->len; i++)
    {
      VbDomain *domain = staying_domains->pdata[i];

      vb_log_message (vb_resource_get_log_name (VB_RESOURCE (domain)), "keeps running (%s, %s%s)",
                      vb_resource_get_driver (VB_RESOURCE (domain)),
                      vb_domain_state_to_string (vb_domain_get_state (domain)),
                      vb_resource_get_persistent (VB_RESOURCE (domain)) ? "" : ", transient");
    }
  for (guint i = 0; i < staying_networks->len; i++)
    {
      VbNetwork *network = staying_networks->pdata[i];

      vb_log_message (vb_resource_get_log_name (VB_RESOURCE (network)),
                      "keeps running (bridge %s%s)", vb_network_get_bridge (network),
                      vb_resource_get_persistent (VB_RESOURCE (network)) ? "" : ", transient");
    }
}
