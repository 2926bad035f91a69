/* The bridge driver's writers (dnsmasq's configuration and hosts file, the
 * nft ruleset) given hostile values directly, as if a definition had got past
 * vb_network_def_parse(): they must refuse or quote, never let a value end a
 * line, start a comment or become a wildcard. */
#include <string.h>

#include "dnsmasq.h"
#include "nft-rules.h"
#include "vb-error.h"

/* A NAT network on @bridge, read from @ip_xml without the definition's checks. */
static VbNetConfig *
config_new (const char *bridge, const char *ip_xml)
{
  g_autofree char *xml = g_strdup_printf ("<network><name>n</name>%s</network>", ip_xml);
  VbNetworkDef def = { .xml = xml,
                       .name = (char *) "n",
                       .uuid = (char *) "11111111-2222-4333-8444-555555555555",
                       .bridge = (char *) bridge,
                       .forward_mode = (char *) "nat" };
  g_autoptr (GError) error = NULL;
  VbNetConfig *config = vb_net_config_new (&def, &error);

  g_assert_no_error (error);
  return config;
}

#define SUBNET "<ip address='10.0.0.1' prefix='24'><dhcp><range start='10.0.0.2' end='10.0.0.9'/>"

/* No line of @text starts with @line. */
static void
assert_no_line (const char *text, const char *line)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);

  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], line))
      g_error ("the line \"%s\" was written:\n%s", lines[i], text);
}

/* A host name carrying a line of its own (the issue's injection). */
static void
test_hosts_line (void)
{
  g_autoptr (VbNetConfig) config =
    config_new ("virbr9", SUBNET "<host mac='52:54:00:00:00:01' ip='10.0.0.5' "
                                 "name='a&#10;52:54:00:00:00:02,10.0.0.6,evil'/></dhcp></ip>");
  g_autoptr (GError) error = NULL;
  g_autofree char *text = vb_dnsmasq_hosts_text (config, &error);

  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
  g_assert_null (text);
  g_assert_nonnull (strstr (error->message, "hosts file"));
}

/* A comma adds a field: 'ignore' would stop the host being served. */
static void
test_hosts_comma (void)
{
  g_autoptr (VbNetConfig) config =
    config_new ("virbr9", SUBNET "<host mac='52:54:00:00:00:01' name='pc,ignore'/></dhcp></ip>");
  g_autoptr (GError) error = NULL;
  g_autofree char *text = vb_dnsmasq_hosts_text (config, &error);

  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
  g_assert_null (text);
}

static void
test_hosts_plain (void)
{
  g_autoptr (VbNetConfig) config =
    config_new ("virbr9",
                SUBNET "<host mac='52:54:00:00:00:01' ip='10.0.0.5' name='fedora39'/></dhcp></ip>");
  g_autoptr (GError) error = NULL;
  g_autofree char *text = vb_dnsmasq_hosts_text (config, &error);

  g_assert_no_error (error);
  g_assert_cmpstr (text, ==, "52:54:00:00:00:01,10.0.0.5,fedora39\n");
}

/* dnsmasq's interface=u* serves every interface starting with 'u'. */
static void
test_conf_wildcard (void)
{
  const char *bridges[] = { "u*", "vb+", "br0\ninterface=eth0", "br\"0" };

  for (guint i = 0; i < G_N_ELEMENTS (bridges); i++)
    {
      g_autoptr (VbNetConfig) config = config_new (bridges[i], SUBNET "</dhcp></ip>");
      g_autoptr (GError) error = NULL;
      g_autofree char *text = vb_dnsmasq_config_text (config, "/run/virtbus/network/n", &error);

      g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
      g_assert_null (text);
    }
}

/* The run directory holds the network's name: dnsmasq would read " #" as the
 * start of a comment and write its pid file one directory up. */
static void
test_conf_path_comment (void)
{
  g_autoptr (VbNetConfig) config = config_new ("virbr9", SUBNET "</dhcp></ip>");
  g_autoptr (GError) error = NULL;
  g_autofree char *text = vb_dnsmasq_config_text (config, "/run/virtbus/network/x #\"y\\", &error);
  g_autofree char *newline = NULL;

  g_assert_no_error (error);
  assert_no_line (text, "pid-file=/");
  g_assert_nonnull (
    strstr (text, "\npid-file=\"/run/virtbus/network/x #\\\"y\\\\/dnsmasq.pid\"\n"));
  g_assert_nonnull (strstr (text, "\ninterface=virbr9\n"));
  g_assert_nonnull (strstr (text, "\ndhcp-hostsfile=\"/run/virtbus/network/x #\\\"y\\\\/"));
  newline = vb_dnsmasq_config_text (config, "/run/virtbus/network/x\ny", &error);
  g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
  g_assert_null (newline);
}

/* nft reads "u*" as every interface starting with 'u', and has no escape for
 * a '"' that would end the string. */
static void
test_nft_refuses (void)
{
  const char *bridges[] = { "u*", "vb+", "a\"accept", "br0\n", "" };

  for (guint i = 0; i < G_N_ELEMENTS (bridges); i++)
    {
      g_autoptr (VbNetConfig) config = config_new (bridges[i], SUBNET "</dhcp></ip>");
      g_autoptr (GError) error = NULL;
      g_autofree char *rules = vb_nft_ruleset (config, "virtbus_n", &error);

      g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_ARGUMENT);
      g_assert_null (rules);
    }
}

static void
test_nft_plain (void)
{
  g_autoptr (VbNetConfig) config = config_new ("virbr9", SUBNET "</dhcp></ip>");
  g_autoptr (GError) error = NULL;
  g_autofree char *rules = vb_nft_ruleset (config, "virtbus_n", &error);

  g_assert_no_error (error);
  g_assert_nonnull (strstr (rules, "    iifname \"virbr9\" oifname \"virbr9\" accept\n"));
  g_assert_nonnull (strstr (rules, "    iifname \"virbr9\" reject\n"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/net-files/hosts/line", test_hosts_line);
  g_test_add_func ("/net-files/hosts/comma", test_hosts_comma);
  g_test_add_func ("/net-files/hosts/plain", test_hosts_plain);
  g_test_add_func ("/net-files/conf/wildcard", test_conf_wildcard);
  g_test_add_func ("/net-files/conf/path-comment", test_conf_path_comment);
  g_test_add_func ("/net-files/nft/refuses", test_nft_refuses);
  g_test_add_func ("/net-files/nft/plain", test_nft_plain);
  return g_test_run ();
}
