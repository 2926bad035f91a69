/* <interface type='ethernet'><source><ip>/<route>: what the builder keeps
 * for the tap (set on it at Start, qemu-host.c), and its refusals. */
#include <glib.h>
#include <string.h>

#include "domain-def.h"
#include "qemu-command.h"
#include "vb-error.h"

static const char *const machines[] = { "pc", NULL };

static VbQemuCommand *
build (const char *iface, GError **error)
{
  VbQemuCommandContext context = {
    .qemu_binary = "qemu-system-x86_64",
    .domain_dir = "/run/virtbus/qemu/test",
    .nvram_dir = "/var/lib/virtbus/nvram",
    .machines = machines,
    .dry_run = TRUE,
  };
  g_autofree char *xml =
    g_strdup_printf ("<domain type='qemu'><name>d</name>"
                     "<uuid>c7a5fdbd-edaf-9455-926a-d65c16db1809</uuid>"
                     "<memory unit='MiB'>128</memory><vcpu>1</vcpu>"
                     "<os><type arch='x86_64' machine='pc'>hvm</type></os>"
                     "<devices>%s<memballoon model='none'/></devices></domain>",
                     iface);
  g_autoptr (VbDomainDef) def = vb_domain_def_parse (xml, error);

  if (!def)
    return NULL;
  return vb_qemu_command_build (def, &context, error);
}

#define ETH(source, target)                                                      \
  "<interface type='ethernet'><mac address='52:54:00:00:00:01'/><source>" source \
  "</source>" target "<model type='virtio'/></interface>"

static void
expect_refused (const char *iface, int code, const char *words)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) command = build (iface, &error);

  g_assert_null (command);
  g_assert_error (error, VB_ERROR, code);
  if (!strstr (error->message, words))
    g_error ("unexpected refusal: %s", error->message);
}

static void
test_kept (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) command =
    build (ETH ("<ip address='192.168.125.1' family='ipv4' prefix='24' peer='192.168.125.2'/>"
                "<ip address='fd00:0:0:0::1' family='ipv6'/>"
                "<ip address='172.16.0.1'/>"
                "<route family='ipv4' address='10.20.0.0' prefix='16' gateway='192.168.125.2'/>",
                ""),
           &error);
  VbQemuTap *tap;
  VbQemuTapIp *ip;

  g_assert_no_error (error);
  g_assert_cmpuint (command->taps->len, ==, 1);
  tap = command->taps->pdata[0];
  g_assert_nonnull (tap->host_ips);
  g_assert_cmpuint (tap->host_ips->len, ==, 4);
  ip = tap->host_ips->pdata[0];
  g_assert_cmpstr (ip->address, ==, "192.168.125.1");
  g_assert_cmpstr (ip->peer, ==, "192.168.125.2");
  g_assert_cmpuint (ip->prefix, ==, 24);
  g_assert_null (ip->gateway);
  ip = tap->host_ips->pdata[1];
  /* As GInetAddress writes it: what reaches the kernel was parsed. */
  g_assert_cmpstr (ip->address, ==, "fd00::1");
  g_assert_cmpuint (ip->prefix, ==, 64);
  ip = tap->host_ips->pdata[2];
  g_assert_cmpuint (ip->prefix, ==, 16); /* class B without prefix= */
  ip = tap->host_ips->pdata[3];
  g_assert_cmpstr (ip->address, ==, "10.20.0.0");
  g_assert_cmpuint (ip->prefix, ==, 16);
  g_assert_cmpstr (ip->gateway, ==, "192.168.125.2");
}

static void
test_refused (void)
{
  expect_refused (ETH ("<ip address='10.0.0.1' prefix='24'/>", "<target dev='tap7' managed='no'/>"),
                  VB_ERROR_NOT_SUPPORTED,
                  "tap tap7 is the host's (managed='no'); the service does not change");
  expect_refused ("<interface type='user'><source><ip address='10.0.0.1'/></source>"
                  "<model type='virtio'/></interface>",
                  VB_ERROR_NOT_SUPPORTED,
                  "<source><ip> sets the host side of a tap the service makes: type='ethernet' "
                  "only");
  expect_refused ("<interface type='bridge'><source bridge='br0'>"
                  "<route address='10.1.0.0' prefix='16' gateway='10.0.0.2'/></source>"
                  "<model type='virtio'/></interface>",
                  VB_ERROR_NOT_SUPPORTED, "<source><route> sets the host side");
  expect_refused (ETH ("<ip address='10.0.0.1; rm -rf /' prefix='24'/>", ""),
                  VB_ERROR_NOT_SUPPORTED, "address='10.0.0.1; rm -rf /' is not an IP address");
  expect_refused (ETH ("<ip address='10.0.0.1' family='ipv6'/>", ""), VB_ERROR_NOT_SUPPORTED,
                  "address='10.0.0.1' is not an IPv6 address");
  expect_refused (ETH ("<ip address='10.0.0.1' prefix='33'/>", ""), VB_ERROR_NOT_SUPPORTED,
                  "prefix= is at most 32 for 10.0.0.1");
  expect_refused (ETH ("<ip address='10.0.0.1' peer='fd00::2'/>", ""), VB_ERROR_NOT_SUPPORTED,
                  "peer='fd00::2' is not an IPv4 address");
  expect_refused (ETH ("<route address='10.1.0.0' prefix='16' gateway='fd00::2'/>", ""),
                  VB_ERROR_NOT_SUPPORTED, "gateway='fd00::2' is not an IPv4 address");
  expect_refused (ETH ("<route address='10.1.0.0' prefix='16'/>", ""), VB_ERROR_INVALID_XML,
                  "gateway");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/qemu-net-hostip/kept", test_kept);
  g_test_add_func ("/qemu-net-hostip/refused", test_refused);
  return g_test_run ();
}
