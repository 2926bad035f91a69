/* The shared guest-test fixture: see vb-test-guest-fixture.h. */
#include "vb-test-guest-fixture.h"

#include "vb-test-calls.h"
#include "vb-test-domains.h"
#include "vb-test-names.h"
#include "vb-test-netns.h"

void
vb_guest_fixture_set_up (VbGuestFixture *f, gconstpointer data)
{
  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  vb_test_env_start_daemon (f->env, NULL);
}

void
vb_guest_fixture_set_up_in_netns (VbGuestFixture *f, gconstpointer data)
{
  f->env = vb_test_env_new (VB_TEST_ENV_NONE);
  f->netns = vb_test_netns_add (data, NULL);
  vb_test_env_start_daemon_in_netns (f->env, f->netns, NULL);
}

void
vb_guest_fixture_tear_down (VbGuestFixture *f, gconstpointer data)
{
  g_clear_pointer (&f->console, vb_test_console_free);
  if (f->path)
    vb_test_call (f->env, f->path, IFACE_DOMAIN, "Destroy", g_variant_new ("(u)", 0), NULL);
  g_assert_true (vb_test_env_daemon_alive (f->env));
  vb_test_env_free (f->env);
  if (f->netns)
    {
      vb_test_netns_wait_empty (f->netns, 10000);
      vb_test_netns_del (f->netns);
    }
  g_free (f->netns);
  g_free (f->path);
}

void
vb_guest_fixture_boot (VbGuestFixture *f, const char *xml, guint timeout_ms)
{
  g_assert_null (f->path);
  f->path = vb_test_boot_guest (f->env, xml, TRUE, timeout_ms);
  f->console = vb_test_console_open (f->env, f->path);
}

void
vb_test_expect_start_refused (VbTestEnv *env, const char *xml, const char *words)
{
  g_autofree char *path =
    vb_test_call_path (env, MANAGER, IFACE_MANAGER, "DefineDomain", g_variant_new ("(su)", xml, 0));
  g_autofree char *state = NULL;

  vb_test_call_expect_error_saying (env, path, IFACE_DOMAIN, "Start", g_variant_new ("(u)", 0),
                                    "org.virtbus.Virt1.Error.NotSupported", words);
  state = vb_test_get_string (env, path, IFACE_DOMAIN, "State");
  g_assert_cmpstr (state, ==, "shutoff");
  vb_test_call_void (env, path, IFACE_DOMAIN, "Undefine", g_variant_new ("(u)", 0));
}

char *
vb_test_guest_pci_ids (VbTestConsole *console)
{
  return vb_test_console_output (
    console,
    "for d in /sys/bus/pci/devices/*; do echo \"id=$(cat $d/vendor):$(cat $d/device)\"; done",
    60000);
}
