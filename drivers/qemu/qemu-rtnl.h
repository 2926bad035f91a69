/* One request to the kernel's rtnetlink (NETLINK_ROUTE) and its
 * acknowledgement: what the taps' host addresses, isolated bridge ports
 * and macvtap links are made with (no `ip` run for them). */
#pragma once

#include <linux/netlink.h>

/* Sends @request (a whole message of @request->nlmsg_len bytes, which asks
 * for NLM_F_ACK) on a socket of its own and reads the answer: 0, or the
 * errno the kernel refused it with (EPROTO for an answer that is none). */
int vb_qemu_rtnl_talk (const struct nlmsghdr *request);
