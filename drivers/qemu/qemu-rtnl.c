#include "qemu-rtnl.h"

#include <errno.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

int
vb_qemu_rtnl_talk (const struct nlmsghdr *request)
{
  struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
  char reply[1024];
  int sock = socket (AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  int saved = 0;
  ssize_t n;

  if (sock < 0)
    return errno;
  if (sendto (sock, request, request->nlmsg_len, 0, (struct sockaddr *) &kernel, sizeof kernel) < 0)
    saved = errno;
  else if ((n = recv (sock, reply, sizeof reply, 0))
           < (ssize_t) NLMSG_LENGTH (sizeof (struct nlmsgerr)))
    saved = n < 0 ? errno : EPROTO;
  else
    {
      struct nlmsghdr *header = (struct nlmsghdr *) reply;
      struct nlmsgerr *answer = NLMSG_DATA (header);

      if (header->nlmsg_type != NLMSG_ERROR)
        saved = EPROTO;
      else if (answer->error < 0)
        saved = -answer->error;
    }
  close (sock);
  return saved;
}
