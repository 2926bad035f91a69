/* How often one define parses its definition with the full parser (schema,
 * checks, canonical form), in process with the test driver: once for the
 * caller's XML, once more only when something changed it (the canonical form
 * differs, or the driver filled something in), since that parse is also the
 * check that what is stored loads again. And what is stored is that: the
 * file holds the definition's canonical XML, which parses back to itself. */
#include <glib/gstdio.h>
#include <string.h>

#include "domain-api.h"
#include "domain-kind.h"
#include "resource-api.h"
#include "test-driver.h"
#include "vb-error.h"

#define UUID "6f3c1c4e-2b9a-4d8e-9a51-3e0f6b7c8d21"

typedef struct {
  VbDriverHost *host;
  char *dir;
  VbResourceKind kind; /* the domains' kind, counting parses */
} Fixture;

static guint parses;

static gpointer
counted_parse (const char *xml, GError **error)
{
  parses++;
  return vb_domain_api_kind ()->parse (xml, error);
}

static void
store_result (GObject *source, GAsyncResult *result, gpointer user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/* Defines @xml, returns how many full parses it took. */
static guint
define (Fixture *f, const char *xml, VbDomain **domain)
{
  g_autoptr (GAsyncResult) result = NULL;
  g_autoptr (GError) error = NULL;
  VbResource *made;

  parses = 0;
  vb_resource_api_define_async (f->host, &f->kind, xml, NULL, store_result, &result);
  while (!result)
    g_main_context_iteration (NULL, TRUE);
  made = vb_resource_api_define_finish (result, &error);
  g_assert_no_error (error);
  g_clear_object (domain);
  *domain = VB_DOMAIN (made);
  return parses;
}

/* The stored file is the definition's XML, and parses back to itself. */
static void
assert_stored (Fixture *f, VbDomain *domain)
{
  g_autofree char *path = g_strdup_printf ("%s/domains/%s.xml", f->dir, UUID);
  g_autofree char *stored = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (VbDomainDef) again = NULL;

  /* Answered from the journal: the file follows. */
  vb_config_store_flush (vb_driver_host_get_store (f->host));
  g_assert_true (g_file_get_contents (path, &stored, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (stored, ==, vb_domain_get_def (domain)->xml);
  again = vb_domain_def_parse (stored, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again->xml, ==, stored);
}

static void
test_parses (void)
{
  Fixture fixture = { 0 }, *f = &fixture;
  g_autoptr (GError) error = NULL;
  g_autoptr (VbDomain) domain = NULL;
  g_autofree char *rm = NULL;
  g_autofree char *canonical = NULL;
  g_autofree char *reformatted = NULL;
  VbConfigStore *store; /* the host's from now on */
  /* No machine: the test driver fills it in. */
  const char *incomplete = "<domain type='test'><name>parsed</name><uuid>" UUID "</uuid>"
                           "<memory unit='MiB'>64</memory></domain>";

  f->dir = g_dir_make_tmp ("vbtest-parses-XXXXXX", &error);
  g_assert_no_error (error);
  store = vb_config_store_new (f->dir, &error);
  g_assert_no_error (error);
  f->host = vb_driver_host_new (vb_inventory_new (), store, f->dir, FALSE);
  vb_driver_host_add_domain_driver (f->host, &vb_test_domain_driver);
  f->kind = *vb_domain_api_kind ();
  f->kind.parse = counted_parse;

  /* The caller's XML, then the completed one (which proves itself: its
   * canonical form is what it parsed). */
  g_assert_cmpuint (define (f, incomplete, &domain), ==, 2);
  g_assert_nonnull (strstr (vb_domain_get_def (domain)->xml, "machine='pc-i440fx-7.2'"));
  assert_stored (f, domain);

  /* What was stored, defined again: canonical and complete already, one
   * parse. */
  canonical = g_strdup (vb_domain_get_def (domain)->xml);
  g_assert_cmpuint (define (f, canonical, &domain), ==, 1);
  g_assert_cmpstr (vb_domain_get_def (domain)->xml, ==, canonical);
  assert_stored (f, domain);

  /* Complete, but not in canonical form: its canonical form is parsed
   * once more, as the round trip of what is stored. */
  {
    g_auto (GStrv) lines = g_strsplit (canonical, "\n", -1);

    reformatted = g_strjoinv ("\n    ", lines);
  }
  g_assert_cmpstr (reformatted, !=, canonical);
  g_assert_cmpuint (define (f, reformatted, &domain), ==, 2);
  g_assert_cmpstr (vb_domain_get_def (domain)->xml, ==, canonical);
  assert_stored (f, domain);

  g_clear_object (&domain);
  rm = g_strdup_printf ("rm -rf '%s'", f->dir);
  g_assert_true (g_spawn_command_line_sync (rm, NULL, NULL, NULL, NULL));
  g_free (f->dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/define/parses", test_parses);
  return g_test_run ();
}
