#include "config-rejects.h"

#include <errno.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "vb-log.h"

struct _VbConfigRejects {
  GPtrArray *list; /* VbRejectedConfig */
  VbRejectedFunc func;
  gpointer user_data;
};

static void
rejected_config_free (VbRejectedConfig *rejected)
{
  g_free (rejected->kind);
  g_free (rejected->path);
  g_free (rejected->reason);
  g_free (rejected);
}

VbConfigRejects *
vb_config_rejects_new (void)
{
  VbConfigRejects *rejects = g_new0 (VbConfigRejects, 1);

  rejects->list = g_ptr_array_new_with_free_func ((GDestroyNotify) rejected_config_free);
  return rejects;
}

void
vb_config_rejects_free (VbConfigRejects *rejects)
{
  if (!rejects)
    return;
  g_ptr_array_unref (rejects->list);
  g_free (rejects);
}

GPtrArray *
vb_config_rejects_list (VbConfigRejects *rejects)
{
  return rejects->list;
}

void
vb_config_rejects_watch (VbConfigRejects *rejects, VbRejectedFunc func, gpointer user_data)
{
  rejects->func = func;
  rejects->user_data = user_data;
}

static void
add (VbConfigRejects *rejects, const char *kind, const char *path, const char *reason)
{
  VbRejectedConfig *rejected;
  const char *slash = strchr (kind, '/');

  /* A kind may be loaded again (snapshots of a domain defined anew). */
  for (guint i = 0; i < rejects->list->len; i++)
    if (g_str_equal (((VbRejectedConfig *) rejects->list->pdata[i])->path, path))
      return;
  rejected = g_new0 (VbRejectedConfig, 1);
  /* "snapshots/<uuid>" is reported as "snapshots": the folder says the kind. */
  rejected->kind = slash ? g_strndup (kind, slash - kind) : g_strdup (kind);
  rejected->path = g_strdup (path);
  rejected->reason = g_strdup (reason);
  g_ptr_array_add (rejects->list, rejected);
  if (rejects->func)
    rejects->func (rejects->user_data);
}

/* "<dir>/rejected/<uuid>.xml" -> "<dir>/rejected/<uuid>.reason" */
static char *
reason_path_of (const char *kept)
{
  g_autofree char *stem = g_strndup (kept, strlen (kept) - strlen (".xml"));

  return g_strconcat (stem, ".reason", NULL);
}

/* A free name in @dir for @base + @suffix: "<uuid>.xml", else "<uuid>.1.xml", ... */
static char *
free_name_in (const char *dir, const char *base, const char *suffix)
{
  for (guint n = 0;; n++)
    {
      g_autofree char *name =
        n == 0 ? g_strconcat (base, suffix, NULL) : g_strdup_printf ("%s.%u%s", base, n, suffix);
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (!g_file_test (path, G_FILE_TEST_EXISTS))
        return g_steal_pointer (&path);
    }
}

/* Moves @path into @rejected_dir as @base + @suffix (or a free variant);
 * returns where it went, or NULL (logged). No fsync: should a crash undo the
 * rename, the file is where it was and the next start rejects it again. */
static char *
move_aside (const char *path, const char *rejected_dir, const char *base, const char *suffix)
{
  g_autofree char *target = NULL;

  if (g_mkdir_with_parents (rejected_dir, 0700) < 0)
    {
      vb_log_warning (NULL, "Cannot create %s: %s", rejected_dir, g_strerror (errno));
      return NULL;
    }
  target = free_name_in (rejected_dir, base, suffix);
  if (rename (path, target) < 0)
    {
      vb_log_warning (NULL, "Cannot move %s to %s: %s", path, target, g_strerror (errno));
      return NULL;
    }
  return g_steal_pointer (&target);
}

void
vb_config_rejects_keep_aside (VbConfigRejects *rejects, const char *kind, const char *path,
                              const char *id, const char *marker, const char *reason)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *rejected_dir = g_build_filename (dir, "rejected", NULL);
  g_autofree char *kept = move_aside (path, rejected_dir, id, ".xml");

  if (kept)
    {
      g_autofree char *reason_path = reason_path_of (kept);
      g_autofree char *line = g_strconcat (reason, "\n", NULL);

      /* The marker goes along: left behind, it would autostart a later object
       * that takes the UUID. It is named after the kept file, whose it is. */
      if (marker && g_file_test (marker, G_FILE_TEST_EXISTS))
        {
          g_autofree char *kept_name = g_path_get_basename (kept);
          g_autofree char *base = g_strndup (kept_name, strlen (kept_name) - strlen (".xml"));

          g_free (move_aside (marker, rejected_dir, base, ".autostart"));
        }
      /* Beside the file, so later starts still report why. */
      g_file_set_contents (reason_path, line, -1, NULL);
    }
  vb_log_warning (NULL, "Rejected %s: %s; kept as %s", path, reason, kept ? kept : path);
  add (rejects, kind, kept ? kept : path, reason);
}

void
vb_config_rejects_report (VbConfigRejects *rejects, const char *kind, const char *path,
                          const char *reason)
{
  vb_log_warning (NULL, "Not loaded: %s: %s; left in place for the next start", path, reason);
  add (rejects, kind, path, reason);
}

static gint
compare_names (const char *const *a, const char *const *b)
{
  return strcmp (*a, *b);
}

void
vb_config_rejects_scan (VbConfigRejects *rejects, const char *kind, const char *dir)
{
  g_autofree char *rejected_dir = g_build_filename (dir, "rejected", NULL);
  g_autoptr (GDir) listing = g_dir_open (rejected_dir, 0, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *entry;

  while (listing && (entry = g_dir_read_name (listing)))
    if (g_str_has_suffix (entry, ".xml"))
      g_ptr_array_add (names, g_strdup (entry));
  /* Stable, whatever the directory's order. */
  g_ptr_array_sort (names, (GCompareFunc) compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_build_filename (rejected_dir, names->pdata[i], NULL);
      g_autofree char *reason_path = reason_path_of (path);
      g_autofree char *reason = NULL;

      if (!g_file_get_contents (reason_path, &reason, NULL, NULL))
        reason = g_strdup ("kept aside by an earlier start");
      add (rejects, kind, path, g_strchomp (reason));
    }
}
