/* The host's facts for the Manager: CPUs and memory, network interfaces
 * and node devices, read-only from the kernel. Each reads files in a worker
 * thread, never on the main loop; names a caller gives are looked up in a
 * listing, never used as paths. */
#pragma once

#include "driver.h"
#include "host-netif.h"

G_BEGIN_DECLS

/* Manager.GetNodeInfo: a{sv} with libvirt's virNodeInfo (model, memory,
 * cpus, mhz, nodes, sockets, cores, threads), cpu-model and cpu-map (ab:
 * libvirt's virNodeGetCPUMap, one entry per CPU number, TRUE when online). */
void vb_host_api_node_info_async (VbDriverHost *host, GAsyncReadyCallback callback,
                                  gpointer user_data);
GVariant *vb_host_api_node_info_finish (GAsyncResult *result, GError **error);

/* Manager.GetNodeMemoryStats: a{st} in KiB; @cell -1 for the host; @flags 0. */
void vb_host_api_memory_stats_async (VbDriverHost *host, int cell, guint flags,
                                     GAsyncReadyCallback callback, gpointer user_data);
GVariant *vb_host_api_memory_stats_finish (GAsyncResult *result, GError **error);

/* Manager.ListHostInterfaces: names, sorted; @flags libvirt's ACTIVE 2, INACTIVE 1. */
void vb_host_api_list_interfaces_async (VbDriverHost *host, guint flags,
                                        GAsyncReadyCallback callback, gpointer user_data);
GStrv vb_host_api_list_interfaces_finish (GAsyncResult *result, GError **error);

/* One interface with its addresses (Manager.GetHostInterface and
 * GetHostInterfaceXML); NotFound for a name the host does not list.
 * @flags: 0 or 1 (libvirt's INACTIVE: the same, nothing is configured). */
void vb_host_api_interface_async (VbDriverHost *host, const char *name, guint flags,
                                  GAsyncReadyCallback callback, gpointer user_data);
VbHostNetif *vb_host_api_interface_finish (GAsyncResult *result, GError **error);

/* Every interface of the host, sorted by name, as vb_host_api_interface_async
 * reads one but without its addresses (a GPtrArray of VbHostNetif): for a
 * front end that names interfaces by their MAC (org.libvirt's paths) and so
 * needs all of them to tell a unique MAC from a shared one. */
void vb_host_api_interfaces_async (VbDriverHost *host, GAsyncReadyCallback callback,
                                   gpointer user_data);
GPtrArray *vb_host_api_interfaces_finish (GAsyncResult *result, GError **error);

/* Manager.ListNodeDevices: libvirt's names; @capability "" for all; @flags 0. */
void vb_host_api_list_node_devices_async (VbDriverHost *host, const char *capability, guint flags,
                                          GAsyncReadyCallback callback, gpointer user_data);
GStrv vb_host_api_list_node_devices_finish (GAsyncResult *result, GError **error);

/* Manager.GetNodeDeviceXML; @flags 0. */
void vb_host_api_node_device_xml_async (VbDriverHost *host, const char *name, guint flags,
                                        GAsyncReadyCallback callback, gpointer user_data);
char *vb_host_api_node_device_xml_finish (GAsyncResult *result, GError **error);

G_END_DECLS
