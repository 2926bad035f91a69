/* Save and restore of domains (Domain.ManagedSave, Domain.Save,
 * Manager.Restore, and Start from a managed save image): the state checks,
 * the domain's lock, the Job, and the durable image; the driver moves the
 * guest's state. */
#pragma once

#include "driver.h"
#include "vb-flags.h"

G_BEGIN_DECLS

/* Saves a running or paused domain to @path, or to its managed save image
 * when @path is NULL; completes with the Job at once, the save goes on. */
void vb_save_api_save_async (VbDriverHost *host, VbDomain *domain, const char *path, guint flags,
                             GAsyncReadyCallback callback, gpointer user_data);
VbJob *vb_save_api_save_finish (GAsyncResult *result, GError **error);

/* Start-up: reads (or makes) the key that authenticates the save images
 * this service writes; without it images carry no authenticator. */
void vb_save_api_load_key (VbDriverHost *host);

/* An image opened for Manager.Restore, checked, not yet restored. */
typedef struct _VbRestoreImage VbRestoreImage;
void vb_restore_image_free (VbRestoreImage *image);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbRestoreImage, vb_restore_image_free)
/* The domain XML the image holds (valid, parsed already). */
const char *vb_restore_image_get_xml (VbRestoreImage *image);
/* Whether this service wrote it (its authenticator is valid): only then is
 * its XML one that was checked when its domain was defined. */
gboolean vb_restore_image_is_authenticated (VbRestoreImage *image);
/* The name of the domain driver that would run it ("qemu", "test"); NULL
 * when none of this service's drivers runs its <domain type>. */
const char *vb_restore_image_get_driver (VbRestoreImage *image);

/* Opens the image at @path (a symlink there is refused) and checks its
 * header and XML; nothing is restored yet. */
void vb_save_api_restore_open_async (VbDriverHost *host, const char *path, guint flags,
                                     GAsyncReadyCallback callback, gpointer user_data);
VbRestoreImage *vb_save_api_restore_open_finish (GAsyncResult *result, GError **error);
/* Finds or makes @image's domain (takes @image) and completes with the
 * restore's Job, whose Object is the domain. The very file opened is
 * restored: nothing is read from its path again. */
void vb_save_api_restore_async (VbDriverHost *host, VbRestoreImage *image,
                                GAsyncReadyCallback callback, gpointer user_data);
VbJob *vb_save_api_restore_finish (GAsyncResult *result, GError **error);

/* Domain.ManagedSaveRemove. */
void vb_save_api_managed_save_remove_async (VbDriverHost *host, VbDomain *domain, guint flags,
                                            GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_save_api_finish (GAsyncResult *result, GError **error);

/* Domain.Start of a domain with a managed save image, its lock held: the
 * guest continues from the image, which goes only once that worked. */
void vb_save_api_start_managed_async (VbDriverHost *host, VbDomain *domain, guint flags,
                                      GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_save_api_start_managed_finish (GAsyncResult *result, GError **error);

/* Undefine with VB_DOMAIN_UNDEFINE_MANAGED_SAVE removes the image first;
 * without it a domain with an image is refused. Completes with the image
 * gone (or none there). */
void vb_save_api_prepare_undefine_async (VbDriverHost *host, VbDomain *domain, guint flags,
                                         GAsyncReadyCallback callback, gpointer user_data);

/* Start-up: notes the managed save image of a persistent domain. */
void vb_save_api_domain_loaded (VbDriverHost *host, VbDomain *domain);

/* For save-on-stop.c: a managed save that leaves the marker next to the
 * image, the marker's path, and whether the domain's driver can save. */
void vb_save_api_managed_save_marked_async (VbDriverHost *host, VbDomain *domain,
                                            GAsyncReadyCallback callback, gpointer user_data);
char *vb_save_api_autosave_marker (VbDriverHost *host, VbDomain *domain);
gboolean vb_save_api_can_save (VbDriverHost *host, VbDomain *domain);

G_END_DECLS
