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

/* Simulated counters (test-stats.c). The driver calls vb_test_clock_note
 * after every change of a domain's state: the counters grow while it runs. */
void vb_test_clock_note (VbDomain *domain);
void vb_test_get_stats_async (VbDriverHost *host, VbDomain *domain, guint groups,
                              GCancellable *cancellable, GAsyncReadyCallback callback,
                              gpointer user_data);
GVariant *vb_test_get_stats_finish (VbDomain *domain, GAsyncResult *result, GError **error);
/* "vb" + the UUID's first 8 digits + "-" + the interface's index, as the
 * QEMU driver names its taps, or the definition's <target dev>. */
char *vb_test_interface_device (VbDriverHost *host, VbDomain *domain, const char *mac);
/* Machine types, completion and domain capabilities (test-caps.c). */
gboolean vb_test_validate (VbDriverHost *host, const VbDomainDef *def, GError **error);
char *vb_test_complete (VbDriverHost *host, const VbDomainDef *def, GError **error);
void vb_test_domain_capabilities_async (VbDriverHost *host, const char *emulator, const char *arch,
                                        const char *machine, const char *virttype,
                                        GAsyncReadyCallback callback, gpointer user_data);
char *vb_test_domain_capabilities_finish (GAsyncResult *result, GError **error);
/* Simulated domain actions (test-actions.c). */
void vb_test_send_key_async (VbDriverHost *host, VbDomain *domain, const guint *qnums, guint n_keys,
                             guint holdtime_ms, GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_test_send_key_finish (VbDomain *domain, GAsyncResult *result, GError **error);
void vb_test_set_memory_async (VbDriverHost *host, VbDomain *domain, const VbDomainDef *changed,
                               GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_test_set_memory_finish (VbDomain *domain, GAsyncResult *result, GError **error);
void vb_test_set_block_iotune_async (VbDriverHost *host, VbDomain *domain, const char *target,
                                     const VbDomainDef *changed, GAsyncReadyCallback callback,
                                     gpointer user_data);
gboolean vb_test_set_block_iotune_finish (VbDomain *domain, GAsyncResult *result,
                                          GError **error);
void vb_test_set_vcpus_async (VbDriverHost *host, VbDomain *domain, const VbDomainDef *changed,
                              GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_test_set_vcpus_finish (VbDomain *domain, GAsyncResult *result, GError **error);
void vb_test_change_media_async (VbDriverHost *host, VbDomain *domain, const char *target,
                                 const VbDomainDef *changed, gboolean force,
                                 GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_test_change_media_finish (VbDomain *domain, GAsyncResult *result, GError **error);

G_END_DECLS
