/* Authorization of callers through polkit.
 *
 * On the system bus every call is checked with polkit, with the caller's bus
 * name as subject; when polkit cannot be reached, the call is refused. On a
 * session or private bus the service's own user is allowed without polkit,
 * as for any per-user service; every other caller is checked with polkit on
 * the system bus (DBUS_SYSTEM_BUS_ADDRESS) and refused when it can't be
 * reached. Decisions on the read action are remembered per connection, so
 * reads cost one polkit round trip per client, not one per call. */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

#define VB_ACTION_READ "org.virtbus.Virt1.read"

typedef struct _VbAuthz VbAuthz;

typedef enum {
  VB_AUTHZ_SYSTEM,   /* the service is on the system bus: polkit decides for everyone */
  VB_AUTHZ_PER_USER, /* session or private bus: the service's own user is trusted */
} VbAuthzMode;

/* @bus is the connection callers reach the service on. @polkit_on_same_bus says
 * whether polkitd listens on that bus too, so a bus name is a valid subject;
 * otherwise the subject is the caller's process: pid and uid from the bus, and
 * the start time read when its first call arrived (see authz-subject.h). */
VbAuthz *vb_authz_new (GDBusConnection *bus, VbAuthzMode mode, gboolean polkit_on_same_bus);
void vb_authz_free (VbAuthz *authz);

/* Checks that @sender may do @action_id. @details (string → string, may be
 * NULL) are passed to polkit rules. Fails with VB_ERROR_NOT_AUTHORIZED. */
void vb_authz_check_async (VbAuthz *authz, const char *sender, const char *action_id,
                           GHashTable *details, gboolean allow_interaction,
                           GCancellable *cancellable, GAsyncReadyCallback callback,
                           gpointer user_data);
/* Whether @sender may do @action_id on what is already known, without asking
 * anyone: a remembered read decision, the service's own user on a per-user
 * bus, or root (whom polkitd authorizes for everything). FALSE means "ask",
 * not "refused". */
gboolean vb_authz_allowed_now (VbAuthz *authz, const char *sender, const char *action_id);
gboolean vb_authz_check_finish (VbAuthz *authz, GAsyncResult *result, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbAuthz, vb_authz_free)

G_END_DECLS
