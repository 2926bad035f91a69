/* The domain actions of the QEMU driver: keys and the balloon
 * (qemu-actions.c), vCPU hotplug (qemu-vcpus.c), CD-ROM media
 * (qemu-media.c), a virtio-mem's requested size (qemu-virtio-mem-update.c). */
#pragma once

#include "driver.h"

G_BEGIN_DECLS

void vb_qemu_send_key_async (VbDriverHost *host, VbDomain *domain, const guint *qnums, guint n_keys,
                             guint holdtime_ms, GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_qemu_send_key_finish (VbDomain *domain, GAsyncResult *result, GError **error);
void vb_qemu_set_memory_async (VbDriverHost *host, VbDomain *domain, const VbDomainDef *changed,
                               GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_qemu_set_memory_finish (VbDomain *domain, GAsyncResult *result, GError **error);
void vb_qemu_set_vcpus_async (VbDriverHost *host, VbDomain *domain, const VbDomainDef *changed,
                              GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_qemu_set_vcpus_finish (VbDomain *domain, GAsyncResult *result, GError **error);
void vb_qemu_change_media_async (VbDriverHost *host, VbDomain *domain, const char *target,
                                 const VbDomainDef *changed, gboolean force,
                                 GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_qemu_change_media_finish (VbDomain *domain, GAsyncResult *result, GError **error);
/* A running virtio-mem's requested size (qemu-virtio-mem-update.c). */
void vb_qemu_update_virtio_mem_async (VbDriverHost *host, VbDomain *domain, const char *alias,
                                      const VbDomainDef *changed, GAsyncReadyCallback callback,
                                      gpointer user_data);
gboolean vb_qemu_update_virtio_mem_finish (VbDomain *domain, GAsyncResult *result, GError **error);

G_END_DECLS
