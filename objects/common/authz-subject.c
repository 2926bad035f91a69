#include "authz-subject.h"

#include <stdio.h>
#include <string.h>

#include "vb-process.h"

static gboolean
process_has_uid (guint32 pid, guint32 uid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%u/status", pid);
  g_autofree char *contents = NULL;
  const char *line;
  guint real, effective;

  if (pid == 0 || !g_file_get_contents (path, &contents, NULL, NULL))
    return FALSE;
  line = strstr (contents, "\nUid:");
  if (!line || sscanf (line, "\nUid: %u %u", &real, &effective) != 2)
    return FALSE;
  return effective == uid;
}

guint64
vb_authz_caller_start_time (guint32 pid, guint32 uid)
{
  guint64 start_time = vb_process_start_time ((int) pid);

  /* The pid the bus reported is the caller's only if the process there
   * still runs as the caller's uid; reading the start time again after the
   * uid makes sure both were read from the same process. */
  if (start_time == 0 || !process_has_uid (pid, uid)
      || vb_process_start_time ((int) pid) != start_time)
    return 0;
  return start_time;
}

PolkitSubject *
vb_authz_subject_new (const char *sender, gboolean polkit_on_same_bus, guint32 pid,
                      guint64 start_time, guint32 uid)
{
  if (polkit_on_same_bus)
    return polkit_system_bus_name_new (sender);
  /* polkitd tells processes apart by pid and start time: it finds the
   * session of the pid, and keeps auth_admin_keep grants for that pair. A
   * start time of 0 makes the polkit library read it itself, when the
   * subject is built, after the caller's call arrived: by then the caller
   * may have exited and its pid been reused by another, perhaps more
   * privileged, process, which polkit would judge in the caller's stead (the
   * pid-reuse race of CVE-2013-4288). So the start time is read once, when
   * the caller's first call arrives (vb_authz_caller_start_time()), and a
   * caller whose start time could not be read is refused. */
  if (pid == 0 || start_time == 0)
    return NULL;
  return polkit_unix_process_new_for_owner ((gint) pid, start_time, (gint) uid);
}
