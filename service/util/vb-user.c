/* Looking up the user QEMU runs as, and becoming it in a forked child. */
#define _GNU_SOURCE /* setresuid, setresgid */
#include "vb-user.h"

#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "vb-error.h"

void
vb_user_free (VbUser *user)
{
  if (!user)
    return;
  g_free (user->name);
  g_free (user->groups);
  g_free (user);
}

VbUser *
vb_user_lookup (const char *name, GError **error)
{
  g_autoptr (VbUser) user = g_new0 (VbUser, 1);
  struct passwd pw, *found = NULL;
  long size = sysconf (_SC_GETPW_R_SIZE_MAX);
  g_autofree char *buffer = NULL;
  int n = 16;
  int rc;

  size = size > 0 ? size : 16384;
  buffer = g_malloc (size);
  rc = getpwnam_r (name, &pw, buffer, size, &found);
  if (rc != 0 || !found)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED,
                   "The user '%s' that QEMU runs as does not exist (configure qemu_user)", name);
      return NULL;
    }
  user->name = g_strdup (name);
  user->uid = pw.pw_uid;
  user->gid = pw.pw_gid;
  user->groups = g_new (gid_t, n);
  while (getgrouplist (name, pw.pw_gid, user->groups, &n) < 0)
    user->groups = g_renew (gid_t, user->groups, n);
  user->n_groups = n;
  if (user->uid == 0 || user->gid == 0)
    {
      g_set_error (error, VB_ERROR, VB_ERROR_FAILED,
                   "The user '%s' that QEMU runs as is root or in group root: configure an "
                   "unprivileged qemu_user",
                   name);
      return NULL;
    }
  for (int i = 0; i < user->n_groups; i++)
    if (user->groups[i] == 0)
      {
        g_set_error (error, VB_ERROR, VB_ERROR_FAILED,
                     "The user '%s' that QEMU runs as is a member of group root: configure an "
                     "unprivileged qemu_user",
                     name);
        return NULL;
      }
  return g_steal_pointer (&user);
}

static void
fail (const char *what)
{
  const char *why = ": cannot drop to QEMU's user\n";

  /* write() is async-signal-safe; strerror() is not, hence no errno text. */
  if (write (2, what, strlen (what)) < 0 || write (2, why, strlen (why)) < 0)
    _exit (127);
  _exit (127);
}

void
vb_user_drop_to (const VbUser *user)
{
  /* Groups first: after setuid() there is no right left to change them. */
  if (setgroups ((size_t) user->n_groups, user->groups) < 0)
    fail ("setgroups");
  if (setresgid (user->gid, user->gid, user->gid) < 0)
    fail ("setresgid");
  if (setresuid (user->uid, user->uid, user->uid) < 0)
    fail ("setresuid");
  /* Neither set-uid binaries nor file capabilities give anything back. */
  if (prctl (PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
    fail ("PR_SET_NO_NEW_PRIVS");
}
