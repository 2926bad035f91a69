/* The identity of an unprivileged user the service hands work to (the user
 * QEMU runs as), looked up before any fork: a forked child may only use
 * async-signal-safe calls, and getpwnam() is none. */
#pragma once

#include <glib.h>
#include <sys/types.h>

G_BEGIN_DECLS

typedef struct {
  char *name;
  uid_t uid;
  gid_t gid;
  gid_t *groups; /* the user's supplementary groups (as initgroups() would set them) */
  int n_groups;
} VbUser;

/* @name's uid, primary gid and supplementary groups. Thread-safe. Fails
 * with VB_ERROR_FAILED naming @name when there is no such user, or when it
 * is root or in group 0: handing work "down" to root confines nothing. */
VbUser *vb_user_lookup (const char *name, GError **error);
void vb_user_free (VbUser *user);

/* In a forked child, before exec: drops every privilege to @user's
 * (supplementary groups, gid, uid) and sets no_new_privs, so nothing the
 * child execs can gain any back. Only async-signal-safe calls; on failure
 * it writes why to fd 2 and _exit()s with 127. */
void vb_user_drop_to (const VbUser *user);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbUser, vb_user_free)

G_END_DECLS
