/* A client of Chromium's DevTools protocol. The browser runs headless with
 * --remote-debugging-pipe: commands go to its fd 3 and replies and events
 * come from its fd 4, each a JSON text ended by a NUL byte. No port is
 * opened, so nothing else on the machine can drive it. */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _VbCdp VbCdp;

/* Called for every event (a message without "id"); @session is NULL for the
 * browser's own events. It must not call vb_cdp_call(). */
typedef void (*VbCdpEventFunc) (const char *method, JsonObject *params, const char *session,
                                gpointer user_data);

/* Starts Chromium headless with a throw-away profile in @profile_dir, its
 * stderr in @log_path, in its own process group (killed by ID when freed or
 * when the test aborts). */
VbCdp *vb_cdp_launch (const char *profile_dir, const char *log_path, VbCdpEventFunc on_event,
                      gpointer user_data, GError **error);
/* Sends @method with @params_json (a JSON object, or NULL for none) to
 * @session (NULL: the browser) and iterates the default main context until
 * the reply comes, @timeout_ms pass or the browser ends. Returns the reply's
 * "result" object, or NULL with @error. */
JsonObject *vb_cdp_call (VbCdp *cdp, const char *session, const char *method,
                         const char *params_json, guint timeout_ms, GError **error);
/* Whether the browser still runs and its pipe is open. */
gboolean vb_cdp_alive (VbCdp *cdp);
void vb_cdp_free (VbCdp *cdp);

/* @text as a JSON string literal, quotes included: also a JavaScript string
 * literal, which is how a test's text reaches the page's scripts. */
char *vb_json_quote (const char *text);

/* The object or array member @name of @object, NULL when it has none of
 * that type (json-glib 1.6 has no _with_default for these). */
JsonObject *vb_json_object_member (JsonObject *object, const char *name);
JsonArray *vb_json_array_member (JsonObject *object, const char *name);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbCdp, vb_cdp_free)

G_END_DECLS
