/* This process's cgroup v1 directories: see qemu-cgroup.h. */
#include "qemu-cgroup.h"

VbCgroupLookup
vb_qemu_own_cgroup (const char *controller, char **dir)
{
  g_autofree char *mounts = NULL;
  g_autofree char *groups = NULL;
  g_auto (GStrv) mount_lines = NULL;
  g_auto (GStrv) group_lines = NULL;
  g_autofree char *mount = NULL;
  gboolean v2 = FALSE;

  if (!g_file_get_contents ("/proc/self/mounts", &mounts, NULL, NULL)
      || !g_file_get_contents ("/proc/self/cgroup", &groups, NULL, NULL))
    return VB_CGROUP_UNREADABLE;
  mount_lines = g_strsplit (mounts, "\n", -1);
  for (char **line = mount_lines; *line && !mount; line++)
    {
      g_auto (GStrv) fields = g_strsplit (*line, " ", -1);
      g_auto (GStrv) options = NULL;

      if (g_strv_length (fields) < 4)
        continue;
      v2 |= g_str_equal (fields[2], "cgroup2");
      if (!g_str_equal (fields[2], "cgroup"))
        continue;
      options = g_strsplit (fields[3], ",", -1);
      if (g_strv_contains ((const char *const *) options, controller))
        mount = g_strdup (fields[1]);
    }
  if (!mount)
    return v2 ? VB_CGROUP_V2_ONLY : VB_CGROUP_NO_CONTROLLER;
  group_lines = g_strsplit (groups, "\n", -1);
  for (char **line = group_lines; *line; line++)
    {
      g_auto (GStrv) fields = g_strsplit (*line, ":", 3);
      g_auto (GStrv) controllers = NULL;

      if (g_strv_length (fields) < 3)
        continue;
      controllers = g_strsplit (fields[1], ",", -1);
      if (g_strv_contains ((const char *const *) controllers, controller))
        {
          *dir = g_build_filename (mount, fields[2], NULL);
          return VB_CGROUP_FOUND;
        }
    }
  return VB_CGROUP_NOT_IN_ONE;
}
