/* What defining, undefining, autostarting, looking up and loading have in
 * common for domains, networks and pools. Each kind describes itself with a
 * VbResourceKind; domain-api.c, network-api.c and storage-api.c build on it. */
#pragma once

#include "driver.h"

G_BEGIN_DECLS

typedef struct {
  GType type;
  const char *noun;       /* "domain", "network", "storage pool": for messages */
  const char *store_kind; /* config store directory: "domains", ... */
  gpointer (*parse) (const char *xml, GError **error);
  void (*free_def) (gpointer def);
  const char *(*def_name) (gconstpointer def);
  const char *(*def_uuid) (gconstpointer def);
  const char *(*def_xml) (gconstpointer def);
  /* Picks the driver for @def and lets it validate; returns its name. */
  const char *(*select_driver) (VbDriverHost *host, gconstpointer def, GError **error);
  /* Optional, after select_driver at define and create: @def's XML with
   * what its driver fills in (the same text when it fills in nothing); NULL
   * with @error. The generic code parses it again only when it differs. */
  char *(*complete) (VbDriverHost *host, gconstpointer def, GError **error);
  VbResource *(*new_resource) (gpointer def, const char *driver, gboolean persistent);
  void (*set_def) (VbResource *resource, gpointer def);
  gboolean (*is_active) (VbResource *resource);
  /* Optional: told of defines and undefines (domains emit lifecycle events). */
  void (*defined) (VbResource *resource, gboolean is_new);
  void (*undefined) (VbResource *resource);
  /* Optional: refuses an undefine (called with the lock held). */
  gboolean (*check_undefine) (VbResource *resource, GError **error);
  /* Optional: refuses defining an object that exists already, e.g. making a
   * transient one persistent (called with the lock held). */
  gboolean (*check_define) (VbResource *resource, GError **error);
  /* Optional: after a persistent object is loaded at start-up. */
  void (*loaded) (VbDriverHost *host, VbResource *resource);
  /* Optional: the object leaves the inventory. */
  void (*removed) (VbDriverHost *host, VbResource *resource);
} VbResourceKind;

/* Parses @xml and defines or redefines a persistent object. */
void vb_resource_api_define_async (VbDriverHost *host, const VbResourceKind *kind,
                                   const char *xml, GCancellable *cancellable,
                                   GAsyncReadyCallback callback, gpointer user_data);
VbResource *vb_resource_api_define_finish (GAsyncResult *result, GError **error);

/* Parses @xml into a new transient object, added to the inventory with its
 * lock held: the caller starts it, then calls vb_resource_api_release(). */
void vb_resource_api_new_transient_async (VbDriverHost *host, const VbResourceKind *kind,
                                          const char *xml, GCancellable *cancellable,
                                          GAsyncReadyCallback callback, gpointer user_data);
VbResource *vb_resource_api_new_transient_finish (GAsyncResult *result, GError **error);

void vb_resource_api_undefine_async (VbDriverHost *host, const VbResourceKind *kind,
                                     VbResource *resource, GAsyncReadyCallback callback,
                                     gpointer user_data);
void vb_resource_api_set_autostart_async (VbDriverHost *host, const VbResourceKind *kind,
                                          VbResource *resource, gboolean autostart,
                                          GAsyncReadyCallback callback, gpointer user_data);
/* Finishes undefine and set_autostart. */
gboolean vb_resource_api_finish (GAsyncResult *result, GError **error);

/* Takes the object's lock for @what, then calls @locked; the holder must call
 * vb_resource_api_release() when done. */
typedef void (*VbLockedFunc) (GTask *task, VbResource *resource);
void vb_resource_api_with_lock (VbResource *resource, const char *what, GTask *task,
                                VbLockedFunc locked);
/* vb_resource_api_with_lock(), unless the call was refused already (@ok
 * FALSE: a check set *@error), which fails @task now. @error is a pointer so
 * that it is read after @ok has been evaluated. */
void vb_resource_api_lock_or_refuse (GTask *task, VbResource *resource, const char *what,
                                     gboolean ok, GError **error, VbLockedFunc locked);
/* Releases the lock and drops a transient object that became inactive. */
void vb_resource_api_release (VbDriverHost *host, const VbResourceKind *kind,
                              VbResource *resource);
/* For a VbLockedFunc that refuses after all: releases the lock and fails
 * @task (taken) with @error (taken). */
void vb_resource_api_release_and_fail (VbDriverHost *host, const VbResourceKind *kind,
                                       VbResource *resource, GTask *task, GError *error);

VbResource *vb_resource_api_lookup_name (VbDriverHost *host, const VbResourceKind *kind,
                                         const char *name, GError **error);
VbResource *vb_resource_api_lookup_uuid (VbDriverHost *host, const VbResourceKind *kind,
                                         const char *uuid, GError **error);

/* Adds @resource (transient, found running by its driver) to the inventory. */
void vb_resource_api_adopt (VbDriverHost *host, const VbResourceKind *kind, VbResource *resource);

/* Loads every stored configuration of @kind; one that does not load (corrupt,
 * refused by its driver, or a name defined again later) is kept aside and
 * reported (vb_config_store_reject). */
void vb_resource_api_load_all (VbDriverHost *host, const VbResourceKind *kind);
/* The stored files that did not load, kept aside (VbRejectedConfig), oldest first. */
GPtrArray *vb_resource_api_get_rejected (VbDriverHost *host);
/* Calls @func (@user_data) after each file kept aside from now on. */
void vb_resource_api_watch_rejected (VbDriverHost *host, VbRejectedFunc func, gpointer user_data);
/* Keeps the objects of @type whose active/persistent/autostart state matches
 * the VB_LIST_* @flags (networks and storage pools). */
GPtrArray *vb_list_resources (VbDriverHost *host, GType type, guint flags,
                              gboolean (*is_active) (VbResource *), GError **error);

/* Fails with VB_ERROR_INVALID_ARGUMENT when @flags has bits outside @allowed. */
gboolean vb_check_flags (guint flags, guint allowed, GError **error);
/* A parameter a call's a{sv} may carry, and its GVariant type. */
typedef struct {
  const char *name;
  const char *type;
} VbParamSpec;
/* Fails with VB_ERROR_INVALID_ARGUMENT when @params has a key outside @known
 * or one of another type; @what names them in messages ("Migration"). */
gboolean vb_check_params (GVariant *params, const VbParamSpec *known, guint n_known,
                          const char *what, GError **error);

G_END_DECLS
