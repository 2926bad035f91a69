/* Domain.FDAssociate's descriptors are open files of the service's: all
 * domains' groups together stay within VB_FDGROUPS_MAX_HELD, so that a
 * caller allowed domain.define cannot use up the table every guest, socket
 * and file of the root service shares (RLIMIT_NOFILE). Replacing a group
 * and forgetting a domain give their share back. */
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "domain-def.h"
#include "domain-fdgroups.h"
#include "fd-associate-api.h"
#include "vb-error.h"

static VbDomain *
domain_named (const char *name)
{
  g_autofree char *xml = g_strdup_printf (
    "<domain type='test'><name>%s</name><memory>1024</memory><os><type>hvm</type></os>"
    "</domain>",
    name);
  g_autoptr (GError) error = NULL;
  VbDomainDef *def = vb_domain_def_parse (xml, &error);

  g_assert_no_error (error);
  return vb_domain_new (def, "test", TRUE);
}

/* VB_FDGROUP_MAX_FDS descriptors of @file. */
static GArray *
group_of (const char *file)
{
  GArray *fds = g_array_new (FALSE, FALSE, sizeof (int));

  for (guint i = 0; i < VB_FDGROUP_MAX_FDS; i++)
    {
      int fd = open (file, O_RDONLY | O_CLOEXEC);

      g_assert_cmpint (fd, >=, 0);
      g_array_append_val (fds, fd);
    }
  return fds;
}

static void
test_held_limit (void)
{
  g_autofree char *dir = g_dir_make_tmp ("vb-fdassoc-XXXXXX", NULL);
  g_autofree char *file = g_build_filename (dir, "image", NULL);
  g_autoptr (VbDomain) a = domain_named ("a");
  g_autoptr (VbDomain) b = domain_named ("b");
  g_autoptr (GError) error = NULL;
  guint groups = VB_FDGROUPS_MAX_HELD / VB_FDGROUP_MAX_FDS;

  g_assert_true (g_file_set_contents (file, "x", 1, NULL));
  /* Up to the limit, over two domains. */
  for (guint i = 0; i < groups; i++)
    {
      g_autofree char *name = g_strdup_printf ("g%u", i);

      g_assert_true (vb_domain_api_fd_associate (i % 2 ? a : b, name, group_of (file), 0, &error));
      g_assert_no_error (error);
    }
  /* One more group, on either domain, is refused by name. */
  g_assert_false (vb_domain_api_fd_associate (a, "more", group_of (file), 0, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "at most"));
  g_clear_error (&error);
  /* A group replaced in place needs no more. */
  g_assert_true (vb_domain_api_fd_associate (a, "g1", group_of (file), 0, &error));
  /* A domain forgotten gives its descriptors back. */
  g_clear_object (&b);
  g_assert_true (vb_domain_api_fd_associate (a, "more", group_of (file), 0, &error));
  g_assert_no_error (error);
  g_clear_object (&a);
  g_unlink (file);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/fd-associate/held-limit", test_held_limit);
  return g_test_run ();
}
