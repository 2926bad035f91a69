/* The test driver: an in-process simulated hypervisor, network and storage
 * backend, like libvirt's test:///default. Selected by <domain type='test'>,
 * <pool type='test'>, and for networks by virtbusd --network-driver=test. */
#pragma once

#include "driver.h"

G_BEGIN_DECLS

extern const VbDomainDriver vb_test_domain_driver;
extern const VbNetworkDriver vb_test_network_driver;
extern const VbStorageDriver vb_test_storage_driver;

/* Simulated device hotplug (test-hotplug.c). */
void vb_test_attach_device_async (VbDriverHost *host, VbDomain *domain,
                                  const VbDomainDevice *device, GAsyncReadyCallback callback,
                                  gpointer user_data);
void vb_test_detach_device_async (VbDriverHost *host, VbDomain *domain,
                                  const VbDomainDevice *device, GAsyncReadyCallback callback,
                                  gpointer user_data);
gboolean vb_test_device_finish (VbDomain *domain, GAsyncResult *result, GError **error);

/* Simulated domain actions (test-actions.c). */
void vb_test_send_key_async (VbDriverHost *host, VbDomain *domain, const guint *qnums, guint n_keys,
                             guint holdtime_ms, GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_test_send_key_finish (VbDomain *domain, GAsyncResult *result, GError **error);
void vb_test_set_memory_async (VbDriverHost *host, VbDomain *domain, const VbDomainDef *changed,
                               GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_test_set_memory_finish (VbDomain *domain, GAsyncResult *result, GError **error);
void vb_test_set_vcpus_async (VbDriverHost *host, VbDomain *domain, const VbDomainDef *changed,
                              GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_test_set_vcpus_finish (VbDomain *domain, GAsyncResult *result, GError **error);
void vb_test_change_media_async (VbDriverHost *host, VbDomain *domain, const char *target,
                                 const VbDomainDef *changed, gboolean force,
                                 GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_test_change_media_finish (VbDomain *domain, GAsyncResult *result, GError **error);

G_END_DECLS
