#include "qemu-tap-ip.h"

#include <errno.h>
#include <gio/gio.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "qemu-rtnl.h"
#include "vb-error.h"

typedef struct {
  struct nlmsghdr header;
  union {
    struct ifaddrmsg addr;
    struct rtmsg route;
  };
  char attrs[128];
} Request;

static void
put_attr (Request *request, unsigned short type, const void *data, gsize length)
{
  struct rtattr *attr =
    (struct rtattr *) ((char *) request + NLMSG_ALIGN (request->header.nlmsg_len));

  g_assert (NLMSG_ALIGN (request->header.nlmsg_len) + RTA_SPACE (length) <= sizeof *request);
  attr->rta_type = type;
  attr->rta_len = RTA_LENGTH (length);
  memcpy (RTA_DATA (attr), data, length);
  request->header.nlmsg_len = NLMSG_ALIGN (request->header.nlmsg_len) + RTA_SPACE (length);
}

/* @text's bytes as the kernel takes them; its family through @family. */
static gsize
address_bytes (const char *text, guint8 bytes[16], int *family)
{
  g_autoptr (GInetAddress) address = g_inet_address_new_from_string (text);
  gsize size;

  g_assert (address);
  size = g_inet_address_get_native_size (address);
  memcpy (bytes, g_inet_address_to_bytes (address), size);
  *family = g_inet_address_get_family (address) == G_SOCKET_FAMILY_IPV6 ? AF_INET6 : AF_INET;
  return size;
}

/* Sends @request and reads the kernel's acknowledgement. */
static gboolean
talk (Request *request, const char *what, GError **error)
{
  int saved = vb_qemu_rtnl_talk (&request->header);

  if (saved)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot add %s: %s", what, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

static gboolean
interface_index (const char *ifname, int *index, GError **error)
{
  *index = (int) if_nametoindex (ifname);
  if (*index == 0)
    {
      int saved = errno;

      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot find tap %s: %s", ifname,
                   g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

gboolean
vb_tap_add_address (const char *ifname, const char *local, const char *peer, guint prefix,
                    GError **error)
{
  Request request = { 0 };
  guint8 bytes[16];
  int family;
  int index;
  gsize size = address_bytes (local, bytes, &family);
  g_autofree char *what = g_strdup_printf ("address %s%s%s/%u to tap %s", local,
                                           peer ? " peer " : "", peer ? peer : "", prefix, ifname);

  if (!interface_index (ifname, &index, error))
    return FALSE;
  request.header.nlmsg_len = NLMSG_LENGTH (sizeof (struct ifaddrmsg));
  request.header.nlmsg_type = RTM_NEWADDR;
  request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
  request.addr.ifa_family = (unsigned char) family;
  request.addr.ifa_prefixlen = (unsigned char) prefix;
  request.addr.ifa_scope = RT_SCOPE_UNIVERSE;
  request.addr.ifa_index = (unsigned) index;
  put_attr (&request, IFA_LOCAL, bytes, size);
  /* IFA_ADDRESS is the other end of a point-to-point link, else the same. */
  if (peer)
    size = address_bytes (peer, bytes, &family);
  put_attr (&request, IFA_ADDRESS, bytes, size);
  return talk (&request, what, error);
}

gboolean
vb_tap_add_route (const char *ifname, const char *network, guint prefix, const char *gateway,
                  GError **error)
{
  Request request = { 0 };
  guint8 bytes[16];
  int family;
  int index;
  gsize size = address_bytes (network, bytes, &family);
  g_autofree char *what =
    g_strdup_printf ("route to %s/%u via %s on tap %s", network, prefix, gateway, ifname);

  if (!interface_index (ifname, &index, error))
    return FALSE;
  request.header.nlmsg_len = NLMSG_LENGTH (sizeof (struct rtmsg));
  request.header.nlmsg_type = RTM_NEWROUTE;
  request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;
  request.route.rtm_family = (unsigned char) family;
  request.route.rtm_dst_len = (unsigned char) prefix;
  request.route.rtm_table = RT_TABLE_MAIN;
  request.route.rtm_protocol = RTPROT_BOOT;
  request.route.rtm_scope = RT_SCOPE_UNIVERSE;
  request.route.rtm_type = RTN_UNICAST;
  put_attr (&request, RTA_DST, bytes, size);
  size = address_bytes (gateway, bytes, &family);
  put_attr (&request, RTA_GATEWAY, bytes, size);
  put_attr (&request, RTA_OIF, &index, sizeof index);
  return talk (&request, what, error);
}
