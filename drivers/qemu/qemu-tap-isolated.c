#include "qemu-tap-isolated.h"

#include <errno.h>
#include <linux/if_bridge.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "qemu-rtnl.h"
#include "vb-error.h"

/* RTM_SETLINK on the bridge family: the port's flags go in a nested
 * IFLA_PROTINFO, as `bridge link set dev TAP isolated on` sends them. */
typedef struct {
  struct nlmsghdr header;
  struct ifinfomsg link;
  struct rtattr protinfo;
  struct rtattr isolated;
  guint8 on;
  guint8 pad[3];
} Request;

gboolean
vb_tap_set_isolated (const char *ifname, GError **error)
{
  Request request;
  int index = (int) if_nametoindex (ifname);
  int saved;

  if (index == 0)
    {
      saved = errno;
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED, "Cannot find tap %s: %s", ifname,
                   g_strerror (saved));
      return FALSE;
    }
  memset (&request, 0, sizeof request);
  request.header.nlmsg_len = sizeof request;
  request.header.nlmsg_type = RTM_SETLINK;
  request.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
  request.link.ifi_family = AF_BRIDGE;
  request.link.ifi_index = index;
  request.protinfo.rta_type = IFLA_PROTINFO | NLA_F_NESTED;
  request.protinfo.rta_len = RTA_LENGTH (RTA_SPACE (sizeof (guint8)));
  request.isolated.rta_type = IFLA_BRPORT_ISOLATED;
  request.isolated.rta_len = RTA_LENGTH (sizeof (guint8));
  request.on = 1;
  saved = vb_qemu_rtnl_talk (&request.header);
  if (saved)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED,
                   "Cannot isolate tap %s on its bridge (<port isolated='yes'>): %s", ifname,
                   g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}
