/* What virtbusd --stdio-bridge lets through between its ssh peer and the
 * bus: calls to org.virtbus.Virt1 and the few bus-driver calls a client
 * of it needs, and back only what virtbus and the bus driver say to it. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define VB_BRIDGE_SERVICE "org.virtbus.Virt1"

typedef struct _VbBridgeFilter VbBridgeFilter;

VbBridgeFilter *vb_bridge_filter_new (void);
void vb_bridge_filter_free (VbBridgeFilter *filter);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbBridgeFilter, vb_bridge_filter_free)

/* Takes @length bytes the peer (ssh's side) sent. Appends to @to_bus what
 * may go on, and to @to_peer the refusals the bridge answers itself. The
 * authentication lines pass as they are (the bus checks them against the
 * bridge's credentials); after BEGIN, messages are checked one by one.
 * FALSE when the peer broke the protocol: the bridge ends. */
gboolean vb_bridge_filter_from_peer (VbBridgeFilter *filter, const guint8 *data, gsize length,
                                     GByteArray *to_bus, GByteArray *to_peer);

/* Takes @length bytes from the bus. Appends to @to_peer the authentication
 * answers and the messages the peer may see: replies to its calls, signals
 * of virtbus, and the bus driver's about virtbus's name or its own. (The
 * bridge follows who owns org.virtbus.Virt1 with calls of its own, which it
 * sends after the peer's Hello, and keeps their answers.) FALSE on a
 * message that cannot be read. */
gboolean vb_bridge_filter_from_bus (VbBridgeFilter *filter, const guint8 *data, gsize length,
                                    GByteArray *to_peer);

G_END_DECLS
