/* Authorization before dispatch: every D-Bus method call and property write
 * on our interface skeletons is checked against the polkit action that the
 * introspection XML names in the org.virtbus.Virt1.Authorization annotation,
 * before the member's handler runs. A member without the annotation is refused. */
#pragma once

#include <gio/gio.h>

#include "authz.h"

G_BEGIN_DECLS

#define VB_AUTHORIZATION_ANNOTATION "org.virtbus.Virt1.Authorization"
/* Further actions (separated by spaces) a member needs only in some cases
 * (its documentation says which); the handler asks for each it needs with
 * vb_dispatch_authorize_also_async(). */
#define VB_AUTHORIZATION_ALSO_ANNOTATION "org.virtbus.Virt1.Authorization.Also"

/* Handles a Properties.Set that was authorized; must complete @invocation. */
typedef void (*VbSetPropertyFunc) (GDBusInterfaceSkeleton *skeleton,
                                   GDBusMethodInvocation *invocation, const char *property,
                                   GVariant *value);

/* The authorizer all skeletons use; set once at start-up. */
void vb_dispatch_set_authz (VbAuthz *authz);

/* For a skeleton subclass's class_init: installs the checking vtable.
 * @set_property may be NULL when the interface has no writable property. */
void vb_dispatch_class_init (GDBusInterfaceSkeletonClass *klass, VbSetPropertyFunc set_property);

/* From a handler: checks that the caller of @invocation may also do @action_id,
 * which must be one its VB_AUTHORIZATION_ALSO_ANNOTATION names (a programming
 * error otherwise). Fails with VB_ERROR_NOT_AUTHORIZED; the handler then
 * returns that error. */
void vb_dispatch_authorize_also_async (GDBusInterfaceSkeleton *skeleton,
                                       GDBusMethodInvocation *invocation, const char *action_id,
                                       GCancellable *cancellable, GAsyncReadyCallback callback,
                                       gpointer user_data);
gboolean vb_dispatch_authorize_also_finish (GAsyncResult *result, GError **error);
/* The same with one more polkit detail @key (a static string) = @value for
 * rules to look up (e.g. "path" for org.virtbus.Virt1.domain.host-files). */
void vb_dispatch_authorize_also_detail_async (GDBusInterfaceSkeleton *skeleton,
                                              GDBusMethodInvocation *invocation,
                                              const char *action_id, const char *key,
                                              const char *value, GCancellable *cancellable,
                                              GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_dispatch_authorize_also_detail_finish (GAsyncResult *result, GError **error);

/* For a front end that registers its objects itself (objects/libvirt) and
 * reads each member's action from its own interface info: whether the caller
 * of @invocation may do @action_id on what is known already (a remembered
 * read, the service's own user), without asking polkit. FALSE means "ask". */
gboolean vb_dispatch_caller_allowed_now (GDBusMethodInvocation *invocation, const char *action_id);
/* The same check as the skeletons' dispatch makes, asking polkit: @details
 * (may be NULL) for rules. Fails with VB_ERROR_NOT_AUTHORIZED. */
void vb_dispatch_check_caller_async (GDBusMethodInvocation *invocation, const char *action_id,
                                     GHashTable *details, GCancellable *cancellable,
                                     GAsyncReadyCallback callback, gpointer user_data);
gboolean vb_dispatch_check_caller_finish (GAsyncResult *result, GError **error);

G_END_DECLS
