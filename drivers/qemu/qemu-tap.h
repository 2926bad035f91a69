/* Tap devices for guests on a bridge: created by the service (it has the
 * privileges QEMU does not) and handed to QEMU as file descriptors. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Creates tap @ifname through @tun_path (<backend tap>; NULL:
 * /dev/net/tun, else it must be the tun device: vb_tap_open_device()), sets
 * its MAC (the guest's, with the first byte made 0xfe so the bridge never
 * takes the guest's address), attaches it to @bridge (to none when NULL:
 * <interface type='ethernet'>) and brings it up. Refuses a name the host
 * already has. With @multi_queue, a tap of several queues (IFF_MULTI_QUEUE)
 * whose first queue the fd is. Returns the tap's fd, or -1 with @error. */
int vb_tap_create_via (const char *tun_path, const char *ifname, const char *bridge,
                       const char *guest_mac, gboolean multi_queue, GError **error);
/* Opens the persistent tap @ifname the host's administrator made
 * (managed='no'), as it is: no MAC, bridge or link state is changed. With
 * @multi_queue, the first queue of a tap made multi_queue (refused
 * otherwise: the kernel does not change it). */
int vb_tap_open_existing (const char *ifname, const char *tun_path, gboolean multi_queue,
                          GError **error);
/* Opens one more queue of the multiqueue tap @ifname, whose first queue the
 * caller holds open (@existing: it is the administrator's persistent tap).
 * The kernel takes at most VB_TAP_MAX_QUEUES per tap. */
int vb_tap_open_queue (const char *tun_path, const char *ifname, gboolean existing, GError **error);
/* The kernel's MAX_TAP_QUEUES (drivers/net/tun.c), not in its UAPI headers. */
#define VB_TAP_MAX_QUEUES 256
/* Opens @path read-write for a guest's tap when it is the character device
 * @kind names ("tun": misc 10:200, "vhost-net": misc 10:238, the numbers
 * the kernel gives /dev/net/tun and /dev/vhost-net): <backend tap vhost>
 * may name another node of the same device, never another device or a
 * file. Checked before opening (opening some devices acts) and again on
 * the descriptor. NotSupported naming @what otherwise. */
int vb_tap_open_device (const char *path, const char *kind, const char *what, GError **error);
/* Sets the tap's rx-max-coalesced-frames (<coalesce><rx><frames max>)
 * with ETHTOOL_SCOALESCE, which the tun driver takes; NotSupported when
 * the kernel refuses it. */
gboolean vb_tap_set_rx_frames (const char *ifname, guint frames, GError **error);
/* Reads it back (ETHTOOL_GCOALESCE): for tests and the live state. */
gboolean vb_tap_get_rx_frames (const char *ifname, guint *frames, GError **error);
/* Sets the MTU of tap @ifname (the guest's <mtu size>, so the host side
 * carries the frames the guest was told it may send). */
gboolean vb_tap_set_mtu (const char *ifname, guint mtu, GError **error);
/* A host's tap (managed='no') keeps its MTU: the guest is told @mtu only
 * when the tap has it; else NotSupported naming <mtu>. */
gboolean vb_tap_check_mtu (const char *ifname, guint mtu, GError **error);
/* There is no delete: a tap made here is not persistent, so it goes away
 * with the last descriptor, when QEMU ends. */

G_END_DECLS
