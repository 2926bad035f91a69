/* VirtbusClient: one connection to virtbus. It follows every object the
 * service publishes (an ObjectManagerClient with typed proxies) and holds
 * the proxy of its Manager. */
#pragma once

#include <gio/gio.h>

#include "virtbus-generated.h"

G_BEGIN_DECLS

/**
 * VIRTBUS_BUS_NAME:
 *
 * The bus name virtbusd owns.
 */
#define VIRTBUS_BUS_NAME "org.virtbus.Virt1"
/**
 * VIRTBUS_MANAGER_PATH:
 *
 * The object path of the Manager and of the ObjectManager of virtbus.
 */
#define VIRTBUS_MANAGER_PATH "/org/virtbus/Virt1"

#define VIRTBUS_TYPE_CLIENT (virtbus_client_get_type ())
G_DECLARE_FINAL_TYPE (VirtbusClient, virtbus_client, VIRTBUS, CLIENT, GObject)

VirtbusClient *virtbus_client_new_sync (GCancellable *cancellable, GError **error);
void virtbus_client_new_async (GCancellable *cancellable, GAsyncReadyCallback callback,
                               gpointer user_data);
VirtbusClient *virtbus_client_new_finish (GAsyncResult *result, GError **error);

VirtbusClient *virtbus_client_new_for_bus_sync (GBusType bus_type, GCancellable *cancellable,
                                                GError **error);
void virtbus_client_new_for_bus_async (GBusType bus_type, GCancellable *cancellable,
                                       GAsyncReadyCallback callback, gpointer user_data);
VirtbusClient *virtbus_client_new_for_bus_finish (GAsyncResult *result, GError **error);

VirtbusClient *virtbus_client_new_for_address_sync (const char *address, GCancellable *cancellable,
                                                    GError **error);
void virtbus_client_new_for_address_async (const char *address, GCancellable *cancellable,
                                           GAsyncReadyCallback callback, gpointer user_data);
VirtbusClient *virtbus_client_new_for_address_finish (GAsyncResult *result, GError **error);

VirtbusClient *virtbus_client_new_for_connection_sync (GDBusConnection *connection,
                                                       GCancellable *cancellable, GError **error);
void virtbus_client_new_for_connection_async (GDBusConnection *connection,
                                              GCancellable *cancellable,
                                              GAsyncReadyCallback callback, gpointer user_data);
VirtbusClient *virtbus_client_new_for_connection_finish (GAsyncResult *result, GError **error);

GDBusConnection *virtbus_client_get_connection (VirtbusClient *client);
GDBusObjectManager *virtbus_client_get_object_manager (VirtbusClient *client);
VirtbusManager *virtbus_client_get_manager (VirtbusClient *client);
VirtbusObject *virtbus_client_get_object (VirtbusClient *client, const char *object_path);

G_END_DECLS
