/* Domain.InterfaceAddresses. The service knows a guest's addresses from the
 * outside only: the leases the DHCP servers of its own networks handed to
 * the guest's MACs, or the host's neighbour table (ARP). Asking the guest
 * needs its agent. Interfaces are listed in the order of the definition,
 * those without an address left out, as libvirt does. */
#include "interface-addresses.h"

#include "domain-kind.h"
#include "network-api.h"
#include "resource-api.h"
#include "vb-error.h"

typedef struct {
  VbDriverHost *host;
  VbDomain *domain;
  GPtrArray *nics;     /* VbStatNic of the live definition */
  GHashTable *found;   /* MAC → GPtrArray of "type prefix address" entries, see add_address */
  GPtrArray *networks; /* VbNetwork still to ask for leases (LEASE) */
} AddressCall;

static void
address_call_free (AddressCall *call)
{
  g_clear_object (&call->domain);
  g_clear_pointer (&call->nics, g_ptr_array_unref);
  g_clear_pointer (&call->found, g_hash_table_unref);
  g_clear_pointer (&call->networks, g_ptr_array_unref);
  g_free (call);
}

/* An address as its GVariant (isu), kept per MAC in the order found. */
static void
add_address (GHashTable *found, const char *mac, int type, const char *address, guint prefix)
{
  g_autofree char *key = g_ascii_strdown (mac, -1);
  GPtrArray *list = g_hash_table_lookup (found, key);

  if (!list)
    {
      list = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
      g_hash_table_insert (found, g_steal_pointer (&key), list);
    }
  g_ptr_array_add (list, g_variant_ref_sink (g_variant_new ("(isu)", type, address, prefix)));
}

static GVariant *
build_reply (AddressCall *call)
{
  const VbDomainDriver *driver = vb_domain_api_driver (call->host, call->domain);
  GVariantBuilder reply;

  g_variant_builder_init (&reply, G_VARIANT_TYPE ("a(ssa(isu))"));
  for (guint i = 0; i < call->nics->len; i++)
    {
      VbStatNic *nic = call->nics->pdata[i];
      GPtrArray *list = nic->mac ? g_hash_table_lookup (call->found, nic->mac) : NULL;
      g_autofree char *device = NULL;
      GVariantBuilder addresses;

      if (!list)
        continue;
      if (!nic->target && driver->interface_device && vb_domain_is_active (call->domain))
        device = driver->interface_device (call->host, call->domain, nic->mac);
      g_variant_builder_init (&addresses, G_VARIANT_TYPE ("a(isu)"));
      for (guint k = 0; k < list->len; k++)
        g_variant_builder_add_value (&addresses, list->pdata[k]);
      g_variant_builder_add (&reply, "(ssa(isu))",
                             nic->target ? nic->target
                             : device    ? device
                                         : "",
                             nic->mac, &addresses);
    }
  return g_variant_ref_sink (g_variant_builder_end (&reply));
}

static void
return_reply (GTask *task)
{
  g_task_return_pointer (task, build_reply (g_task_get_task_data (task)),
                         (GDestroyNotify) g_variant_unref);
}

/* ---- LEASE ---- */

static void ask_next_network (GTask *task);

static void
leases_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  AddressCall *call = g_task_get_task_data (task);
  g_autoptr (GError) error = NULL;
  g_autoptr (GVariant) leases = vb_network_api_get_dhcp_leases_finish (result, &error);

  /* A network that stopped meanwhile, or whose driver keeps no leases,
   * simply has none for the guest. */
  for (gsize i = 0; leases && i < g_variant_n_children (leases); i++)
    {
      g_autoptr (GVariant) lease = g_variant_get_child_value (leases, i);
      const char *mac = NULL, *ipaddr = NULL;
      int type = 0;
      guint32 prefix = 0;

      if (!g_variant_lookup (lease, "mac", "&s", &mac)
          || !g_variant_lookup (lease, "ipaddr", "&s", &ipaddr))
        continue;
      g_variant_lookup (lease, "type", "i", &type);
      g_variant_lookup (lease, "prefix", "u", &prefix);
      add_address (call->found, mac, type, ipaddr, prefix);
    }
  ask_next_network (g_steal_pointer (&task));
}

static void
ask_next_network (GTask *task)
{
  AddressCall *call = g_task_get_task_data (task);
  g_autoptr (VbNetwork) network = NULL;

  if (call->networks->len == 0)
    {
      return_reply (task);
      g_object_unref (task);
      return;
    }
  network = g_ptr_array_steal_index (call->networks, 0);
  vb_network_api_get_dhcp_leases_async (call->host, network, 0, leases_read, task);
}

static void
from_leases (GTask *task)
{
  AddressCall *call = g_task_get_task_data (task);
  VbInventory *inventory = vb_driver_host_get_inventory (call->host);

  call->networks = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint i = 0; i < call->nics->len; i++)
    {
      VbStatNic *nic = call->nics->pdata[i];
      VbResource *network =
        nic->network ? vb_inventory_lookup_name (inventory, VB_TYPE_NETWORK, nic->network) : NULL;

      /* Each network once, however many of the guest's interfaces are on it. */
      if (network && vb_network_get_active (VB_NETWORK (network))
          && !g_ptr_array_find (call->networks, network, NULL))
        g_ptr_array_add (call->networks, g_object_ref (network));
    }
  ask_next_network (task);
}

/* ---- ARP ---- */

GHashTable *
vb_arp_table_parse (const char *text)
{
  g_auto (GStrv) lines = g_strsplit (text ? text : "", "\n", 0);
  GHashTable *table =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);

  /* "IP address  HW type  Flags  HW address  Mask  Device", a header first. */
  for (guint i = 1; lines[i]; i++)
    {
      g_auto (GStrv) f = g_regex_split_simple ("\\s+", g_strstrip (lines[i]), 0, 0);
      GPtrArray *list;
      char *mac;

      /* Flags 0x0: an entry being resolved, without a MAC yet. */
      if (g_strv_length (f) < 4 || g_str_equal (f[2], "0x0")
          || g_str_equal (f[3], "00:00:00:00:00:00"))
        continue;
      mac = g_ascii_strdown (f[3], -1);
      list = g_hash_table_lookup (table, mac);
      if (!list)
        {
          list = g_ptr_array_new_with_free_func (g_free);
          g_hash_table_insert (table, mac, list);
        }
      else
        g_free (mac);
      if (!g_ptr_array_find_with_equal_func (list, f[0], g_str_equal, NULL))
        g_ptr_array_add (list, g_strdup (f[0]));
    }
  return table;
}

static void
read_arp (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;

  /* The neighbours of the service's own network namespace. */
  if (!g_file_get_contents ("/proc/net/arp", &text, NULL, &error))
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_FAILED,
                               "Cannot read the neighbour table: %s", error->message);
      return;
    }
  g_task_return_pointer (task, vb_arp_table_parse (text), (GDestroyNotify) g_hash_table_unref);
}

static void
arp_read (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  AddressCall *call = g_task_get_task_data (task);
  GError *error = NULL;
  g_autoptr (GHashTable) table = g_task_propagate_pointer (G_TASK (result), &error);

  if (!table)
    {
      g_task_return_error (task, error);
      return;
    }
  for (guint i = 0; i < call->nics->len; i++)
    {
      VbStatNic *nic = call->nics->pdata[i];
      GPtrArray *list = nic->mac ? g_hash_table_lookup (table, nic->mac) : NULL;

      /* ARP knows IPv4 addresses only, and no prefix: 0, as libvirt says. */
      for (guint k = 0; list && k < list->len; k++)
        add_address (call->found, nic->mac, 0, list->pdata[k], 0);
    }
  return_reply (task);
}

static void
from_arp (GTask *task)
{
  g_autoptr (GTask) worker = g_task_new (NULL, NULL, arp_read, task);

  g_task_set_source_tag (worker, read_arp);
  g_task_run_in_thread (worker, read_arp);
}

void
vb_domain_api_interface_addresses_async (VbDriverHost *host, VbDomain *domain, guint source,
                                         guint flags, GAsyncReadyCallback callback,
                                         gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (domain, NULL, callback, user_data);
  const VbDomainDef *live = vb_domain_get_live_def (domain);
  AddressCall *call;
  GError *error = NULL;

  g_task_set_source_tag (task, vb_domain_api_interface_addresses_async);
  if (!vb_check_flags (flags, 0, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  if (source != VB_ADDRESSES_SOURCE_LEASE && source != VB_ADDRESSES_SOURCE_AGENT
      && source != VB_ADDRESSES_SOURCE_ARP)
    {
      g_task_return_new_error (task, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                               "Unknown source of interface addresses %u", source);
      return;
    }
  if (!vb_domain_api_require_active (domain, NULL, &error) || !live)
    {
      if (!error)
        error = g_error_new (VB_ERROR, VB_ERROR_OPERATION_INVALID, "Domain '%s' is not running",
                             vb_resource_get_name (VB_RESOURCE (domain)));
      g_task_return_error (task, error);
      return;
    }
  if (source == VB_ADDRESSES_SOURCE_AGENT)
    {
      /* libvirt's words, which clients show. */
      if (!vb_domain_has_guest_agent (live->xml))
        g_task_return_new_error (task, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                                 "QEMU guest agent is not configured");
      else
        g_task_return_new_error (task, VB_ERROR, VB_ERROR_NOT_SUPPORTED,
                                 "Guest agent is not responding: virtbus does not talk to "
                                 "the QEMU guest agent");
      return;
    }
  call = g_new0 (AddressCall, 1);
  call->host = host;
  call->domain = g_object_ref (domain);
  call->nics = vb_domain_stat_nics (live->xml);
  call->found =
    g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) g_ptr_array_unref);
  g_task_set_task_data (task, call, (GDestroyNotify) address_call_free);
  if (source == VB_ADDRESSES_SOURCE_LEASE)
    from_leases (g_steal_pointer (&task));
  else
    from_arp (g_steal_pointer (&task));
}

GVariant *
vb_domain_api_interface_addresses_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_async_result_is_tagged (result, vb_domain_api_interface_addresses_async),
                        NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
