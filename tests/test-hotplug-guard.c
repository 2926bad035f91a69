/* The block-copy guard of DetachDevice, in process: a disk that a block copy
 * mirrors cannot be detached (the guard is set here directly, as the block
 * copy code sets it); other disks can, and so can that one once the mirror
 * is gone. The test driver stands in for a hypervisor. */
#include <glib/gstdio.h>
#include <string.h>

#include "device-api.h"
#include "domain-api.h"
#include "test-driver.h"
#include "vb-error.h"

typedef struct {
  VbDriverHost *host;
  char *dir;
  VbDomain *domain;
} Fixture;

static void
store_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
detach (Fixture *f, const char *target, GError **error)
{
  g_autofree char *xml = g_strdup_printf ("<disk><target dev='%s'/></disk>", target);
  g_autoptr (GAsyncResult) result = NULL;

  vb_device_api_detach_async (f->host, f->domain, xml, 2 /* CONFIG */, store_result, &result);
  while (!result)
    g_main_context_iteration (NULL, TRUE);
  return vb_device_api_finish (result, error);
}

static gboolean
config_has (Fixture *f, const char *target)
{
  g_autofree char *needle = g_strdup_printf ("<target dev='%s'", target);

  return strstr (vb_domain_get_def (f->domain)->xml, needle) != NULL;
}

static void
test_guard (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  g_autoptr (GError) error = NULL;
  g_autoptr (GAsyncResult) defined = NULL;
  VbConfigStore *store; /* the host's from now on */
  g_autofree char *rm = NULL;
  const char *xml = "<domain type='test'><name>guarded</name><memory unit='MiB'>64</memory>"
                    "<devices>"
                    "<disk type='file'><source file='/a.img'/><target dev='vda'/></disk>"
                    "<disk type='file'><source file='/b.img'/><target dev='vdb'/></disk>"
                    "<disk type='file'><source file='/c.img'/><target dev='vdc'/></disk>"
                    "</devices></domain>";

  f->dir = g_dir_make_tmp ("vbtest-guard-XXXXXX", &error);
  g_assert_no_error (error);
  store = vb_config_store_new (f->dir, &error);
  g_assert_no_error (error);
  f->host = vb_driver_host_new (vb_inventory_new (), store, f->dir, FALSE);
  vb_driver_host_add_domain_driver (f->host, &vb_test_domain_driver);
  vb_domain_api_define_async (f->host, xml, 0, store_result, &defined);
  while (!defined)
    g_main_context_iteration (NULL, TRUE);
  f->domain = vb_domain_api_define_finish (defined, &error);
  g_assert_no_error (error);

  vb_domain_set_block_copy (f->domain, "vdb");
  g_assert_false (detach (f, "vdb", &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_OPERATION_INVALID);
  g_assert_nonnull (strstr (error->message, "Detaching disk"));
  g_assert_nonnull (strstr (error->message, "vdb"));
  g_clear_error (&error);
  g_assert_true (config_has (f, "vdb"));

  /* Only that disk is held. */
  g_assert_true (detach (f, "vda", &error));
  g_assert_no_error (error);
  g_assert_false (config_has (f, "vda"));

  /* After the pivot or cancel the mirror is gone, and so is the refusal. */
  vb_domain_set_block_copy (f->domain, NULL);
  g_assert_true (detach (f, "vdb", &error));
  g_assert_no_error (error);
  g_assert_false (config_has (f, "vdb"));
  g_assert_true (config_has (f, "vdc"));

  g_object_unref (f->domain);
  rm = g_strdup_printf ("rm -rf '%s'", f->dir);
  g_assert_true (g_spawn_command_line_sync (rm, NULL, NULL, NULL, NULL));
  g_free (f->dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/hotplug-guard/block-copy", test_guard);
  return g_test_run ();
}
