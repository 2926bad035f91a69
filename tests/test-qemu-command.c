/* The QEMU command line built from domain XML: what virt-install and
 * virt-manager write is turned into arguments a real QEMU accepts, and what
 * we cannot run is refused naming the element. */
#include <gio/gio.h>
#include <gio/gunixsocketaddress.h>
#include <json-glib/json-glib.h>
#include <glib/gstdio.h>
#include <unistd.h>
#include <signal.h>
#include <string.h>

#include "qemu-command.h"
#include "qemu-complete.h"
#include "xml-schema.h"
#include "qemu-host.h"
#include "qemu-pci-buses.h"
#include "qemu-vcpu-slots.h"
#include "vb-error.h"

static const char *const machines[] = { "pc", "q35", "pc-i440fx-7.2", "pc-q35-7.2", NULL };

static char *
read_sample (const char *name)
{
  g_autofree char *path = g_build_filename (g_getenv ("VB_TEST_XML_DIR"), name, NULL);
  char *xml = NULL;

  g_assert_true (g_file_get_contents (path, &xml, NULL, NULL));
  return xml;
}

static VbDomainDef *
parse (const char *xml)
{
  g_autoptr (GError) error = NULL;
  VbDomainDef *def = vb_domain_def_parse (xml, &error);

  g_assert_no_error (error);
  return def;
}

static VbQemuCommandContext
dry_context (gboolean kvm)
{
  VbQemuCommandContext context = {
    .qemu_binary = "qemu-system-x86_64",
    .domain_dir = "/run/virtbus/qemu/test",
    .nvram_dir = "/var/lib/virtbus/nvram",
    .kvm = kvm,
    .spice = TRUE,
    .virtio_net_failover = TRUE,
    .dry_run = TRUE,
  };
  return context;
}

/* A dry run must not depend on networks: it never asks for their bridges. */
static char *
fake_bridge (const char *network, gpointer data, GError **error)
{
  g_assert_not_reached ();
}

static gboolean
has_arg (VbQemuCommand *command, const char *option, const char *needle)
{
  for (guint i = 0; i + 1 < command->argv->len && command->argv->pdata[i + 1]; i++)
    if (g_str_equal (command->argv->pdata[i], option)
        && strstr (command->argv->pdata[i + 1], needle))
      return TRUE;
  return FALSE;
}

/* The value of id= in a -device option string, NULL without one. */
static char *
device_arg_id (const char *arg)
{
  const char *start = strstr (arg, ",id=");
  g_autoptr (GString) id = g_string_new (NULL);

  if (!start)
    return NULL;
  for (const char *p = start + 4; *p; p++)
    {
      if (*p == ',' && p[1] != ',')
        break;
      if (*p == ',')
        p++;
      g_string_append_c (id, *p);
    }
  return g_string_free (g_steal_pointer (&id), FALSE);
}

/* Like libvirt's, the live XML names each device by the id it has on the
 * command line: every -device id is some device's <alias>, and every alias
 * is an id (or a bus QEMU makes itself: the PCI root, the IDE controller). */
static void
test_live_aliases_are_ids (void)
{
  g_autofree char *xml = read_sample ("domain-kvm-q35.xml");
  g_autoptr (VbDomainDef) def = parse (xml);
  VbQemuCommandContext context = dry_context (TRUE);
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) command = NULL;
  g_autoptr (VbQemuCommand) again = NULL;
  g_autoptr (VbDomainDef) live = NULL;
  g_autoptr (xmlDoc) doc = NULL;
  g_autoptr (GHashTable) ids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GHashTable) aliases = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  GHashTableIter iter;
  const char *name;

  context.network_bridge = fake_bridge;
  command = vb_qemu_command_build (def, &context, &error);
  g_assert_no_error (error);
  for (guint i = 0; i + 1 < command->argv->len && command->argv->pdata[i + 1]; i++)
    if (g_str_equal (command->argv->pdata[i], "-device"))
      {
        char *id = device_arg_id (command->argv->pdata[i + 1]);
        /* The codec of a HDA card is part of the card. */
        if (id && !strstr (id, "-codec"))
          g_hash_table_add (ids, id);
        else
          g_free (id);
      }
  g_assert_cmpuint (g_hash_table_size (ids), >, 10);

  live = vb_domain_def_parse_live (command->xml, &error);
  g_assert_no_error (error);
  doc = vb_xml_parse (live->xml, "domain", &error);
  g_assert_no_error (error);
  for (xmlNode *device = vb_xml_child (xmlDocGetRootElement (doc), "devices")->children; device;
       device = device->next)
    {
      xmlNode *alias = device->type == XML_ELEMENT_NODE ? vb_xml_child (device, "alias") : NULL;
      if (alias)
        g_hash_table_add (aliases, vb_xml_attr (alias, "name"));
    }
  g_hash_table_iter_init (&iter, ids);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, NULL))
    if (!g_hash_table_contains (aliases, name))
      g_error ("-device id=%s has no <alias> in the live XML:\n%s", name, live->xml);
  g_hash_table_iter_init (&iter, aliases);
  while (g_hash_table_iter_next (&iter, (gpointer *) &name, NULL))
    if (!g_hash_table_contains (ids, name) && !g_str_equal (name, "pcie.0")
        && !g_str_equal (name, "ide"))
      g_error ("<alias name='%s'> is no -device id", name);

  /* A definition drops them; the live XML, started again (restore,
   * migration), gives the same ids. */
  g_assert_null (strstr (def->xml, "<alias"));
  again = vb_qemu_command_build (live, &context, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (again->argv->len, ==, command->argv->len);
  for (guint i = 0; i + 1 < command->argv->len; i++)
    g_assert_cmpstr (again->argv->pdata[i], ==, command->argv->pdata[i]);
}

static void
test_virt_install_q35 (void)
{
  g_autofree char *xml = read_sample ("domain-kvm-q35.xml");
  g_autoptr (VbDomainDef) def = parse (xml);
  VbQemuCommandContext context = dry_context (TRUE);
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) command = NULL;

  context.network_bridge = fake_bridge;
  command = vb_qemu_command_build (def, &context, &error);
  g_assert_no_error (error);
  g_assert_true (command->q35);
  g_assert_cmpstr (((VbQemuTap *) command->taps->pdata[0])->ifname, ==, "vb5e4fd3b2-0");
  g_assert_true (has_arg (command, "-machine", "pc-q35-8.1,"));
  g_assert_true (has_arg (command, "-accel", "kvm"));
  g_assert_true (has_arg (command, "-machine", "vmport=off"));
  g_assert_true (has_arg (command, "-machine", "hpet=off"));
  g_assert_true (has_arg (command, "-cpu", "host"));
  g_assert_true (has_arg (command, "-smp", "4,maxcpus=4,sockets=1,dies=1,cores=2,threads=2"));
  g_assert_true (has_arg (command, "-m", "size=4194304k"));
  g_assert_true (has_arg (command, "-device", "pcie-root-port,port=0x10,chassis=1,id=pci.1,bus=pcie.0,addr=0x2,multifunction=on"));
  g_assert_true (has_arg (command, "-device", "virtio-blk-pci,bus=pci.4,addr=0x0,drive=drive0,id=disk-vda"));
  g_assert_true (has_arg (command, "-blockdev", "\"driver\":\"qcow2\""));
  g_assert_true (has_arg (command, "-device", "ide-cd,bus=ide.0,drive=drive1,id=disk-sda"));
  g_assert_true (has_arg (command, "-device", "virtio-net-pci,netdev=hostnet0,id=net0,mac=52:54:00:3a:6b:1c"));
  g_assert_true (has_arg (command, "-netdev", "tap,id=hostnet0,fd=@TAPFD0@"));
  g_assert_cmpuint (command->taps->len, ==, 1);
  /* A dry run (define time) does not ask whether the network runs now. */
  g_assert_cmpstr (((VbQemuTap *) command->taps->pdata[0])->bridge, ==, "bridge-of-default");
  g_assert_true (has_arg (command, "-spice", "addr=127.0.0.1"));
  g_assert_true (has_arg (command, "-device", "qxl-vga,ram_size=67108864"));
  g_assert_true (has_arg (command, "-device", "usb-redir,chardev=charredir0"));
  g_assert_true (has_arg (command, "-device", "virtserialport,bus=virtio-serial0.0,chardev=charchannel0,id=channel0,nr=1,name=org.qemu.guest_agent.0"));
  g_assert_true (has_arg (command, "-device", "hda-duplex"));
  g_assert_true (has_arg (command, "-audiodev", "spice,id=audio1"));
  g_assert_true (has_arg (command, "-device", "virtio-rng-pci"));
  g_assert_true (has_arg (command, "-device", "usb-tablet,id=input0,bus=usb.0,port=1"));
  g_assert_true (has_arg (command, "-device", "isa-serial,chardev=charserial0"));
  g_assert_nonnull (command->console_path);
  g_assert_nonnull (command->agent_path);
  g_assert_true (has_arg (command, "-global", "ICH9-LPC.disable_s3=1"));
}

static void
test_pc_kernel_boot (void)
{
  g_autofree char *xml = read_sample ("domain-qemu-pc-kernel.xml");
  g_autoptr (VbDomainDef) def = parse (xml);
  VbQemuCommandContext context = dry_context (FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) command = vb_qemu_command_build (def, &context, &error);
  gboolean volume_seen = FALSE;

  /* The second disk is a pool volume: a dry run (define time) does not ask
   * the pool, which need not run now; a start resolves it (test-qemu-storage). */
  g_assert_no_error (error);
  for (guint i = 0; i < command->argv->len && command->argv->pdata[i]; i++)
    volume_seen |= strstr (command->argv->pdata[i], "volume-of-default/data.qcow2") != NULL;
  g_assert_true (volume_seen);
}

/* libvirt reads a <disk> without type= as a file disk; so does the builder
 * (it used to crash the service on it). */
static void
test_disk_without_type (void)
{
  const char *xml = "<domain type='qemu'>\n  <name>untyped</name>\n"
                    "  <memory unit='MiB'>128</memory>\n  <vcpu>1</vcpu>\n"
                    "  <os>\n    <type arch='x86_64' machine='pc'>hvm</type>\n  </os>\n"
                    "  <devices>\n"
                    "    <disk device='disk'>\n"
                    "      <source file='/var/lib/virtbus/untyped.img'/>\n"
                    "      <target dev='vda' bus='virtio'/>\n"
                    "    </disk>\n"
                    "  </devices>\n</domain>\n";
  g_autoptr (VbDomainDef) def = parse (xml);
  VbQemuCommandContext context = dry_context (FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) command = vb_qemu_command_build (def, &context, &error);

  g_assert_no_error (error);
  g_assert_true (has_arg (command, "-blockdev", "\"filename\":\"/var/lib/virtbus/untyped.img\""));
  g_assert_true (has_arg (command, "-device", "virtio-blk-pci"));
}

/* A domain XML with @devices, run under TCG on a pc or q35 machine. */
static char *
domain_with (const char *machine, const char *devices)
{
  return g_strdup_printf ("<domain type='qemu'>\n  <name>cmd</name>\n"
                          "  <memory unit='MiB'>128</memory>\n  <vcpu>1</vcpu>\n"
                          "  <os>\n    <type arch='x86_64' machine='%s'>hvm</type>\n  </os>\n"
                          "  <features>\n    <acpi/>\n  </features>\n"
                          "  <devices>\n%s  </devices>\n</domain>\n",
                          machine, devices);
}

static void
expect_refusal (const char *machine, const char *devices, const char *needle)
{
  g_autofree char *xml = domain_with (machine, devices);
  g_autoptr (VbDomainDef) def = parse (xml);
  VbQemuCommandContext context = dry_context (FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) command = NULL;

  context.machines = machines;
  context.spice = FALSE;
  context.virtio_net_failover = FALSE;
  command = vb_qemu_command_build (def, &context, &error);
  g_assert_null (command);
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
  if (!strstr (error->message, needle))
    g_error ("expected '%s' in: %s", needle, error->message);
}

/* A failover pair whose transient member is an emulated NIC (no VF needed). */
static VbQemuCommand *
build_failover (const char *machine, const char *transient_model, const char *bus,
                GError **error)
{
  g_autofree char *devices = g_strdup_printf (
    "    <interface type='user'>\n      <mac address='52:54:00:6e:00:01'/>\n"
    "      <model type='virtio'/>\n      <alias name='ua-standby'/>\n"
    "      <teaming type='persistent'/>\n    </interface>\n"
    "    <interface type='user'>\n      <mac address='52:54:00:6e:00:01'/>\n"
    "      <model type='%s'/>\n      <alias name='ua-primary'/>\n"
    "      <teaming type='transient' persistent='ua-standby'/>\n"
    "      <address type='pci' domain='0x0000' bus='%s' slot='0x00' function='0x0'/>\n"
    "    </interface>\n",
    transient_model, bus);
  g_autofree char *xml = domain_with (machine, devices);
  g_autoptr (VbDomainDef) def = parse (xml);
  VbQemuCommandContext context = dry_context (FALSE);

  context.machines = machines;
  return vb_qemu_command_build (def, &context, error);
}

static void
test_failover_emulated_primary (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) command = build_failover ("q35", "e1000e", "0x02", &error);

  g_assert_no_error (error);
  g_assert_true (has_arg (command, "-device", "virtio-net-pci,netdev=hostnet0,id=ua-standby,"
                                              "mac=52:54:00:6e:00:01,failover=on"));
  g_assert_true (has_arg (command, "-device", "e1000e,netdev=hostnet1,id=ua-primary,"
                                              "mac=52:54:00:6e:00:01,failover_pair_id=ua-standby,"
                                              "romfile=,bus=pci.2,addr=0x0"));
  /* The root port the address asks for is made. */
  g_assert_true (has_arg (command, "-device", "pcie-root-port,port=0x11,chassis=2,id=pci.2"));
  {
    struct {
      const char *machine, *model, *bus, *needle;
    } refused[] = {
      { "q35", "virtio", "0x02", "not virtio" },
      { "pc", "e1000", "0x02", "pcie-root-port" },
      { "q35", "e1000e", "0x00", "pcie-root-port" },
    };
    for (guint i = 0; i < G_N_ELEMENTS (refused); i++)
      {
        g_autoptr (GError) refusal = NULL;
        g_autoptr (VbQemuCommand) none =
          build_failover (refused[i].machine, refused[i].model, refused[i].bus, &refusal);

        g_assert_null (none);
        g_assert_error (refusal, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
        if (!strstr (refusal->message, refused[i].needle))
          g_error ("expected '%s' in: %s", refused[i].needle, refusal->message);
      }
  }
}

/* Every display is locked (its password comes over QMP later), a password
 * from the XML never reaches the command line, and <listen type='none'/>
 * opens no port. */
static void
test_graphics_locked (void)
{
  g_autofree char *xml =
    domain_with ("pc", "    <graphics type='vnc' passwd='Top,Secret'>\n"
                       "      <listen type='none'/>\n    </graphics>\n"
                       "    <graphics type='spice' port='5999' passwd='Spice,Secret'/>\n");
  g_autoptr (VbDomainDef) def = parse (xml);
  VbQemuCommandContext context = dry_context (FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) command = vb_qemu_command_build (def, &context, &error);
  g_autofree char *line = NULL;

  g_assert_no_error (error);
  g_assert_true (has_arg (command, "-vnc", "none,password=on"));
  g_assert_true (has_arg (command, "-spice", "port=5999,addr=127.0.0.1,seamless-migration=on"));
  line = vb_qemu_command_to_string (command);
  g_assert_null (strstr (line, "disable-ticketing"));
  g_assert_null (strstr (line, "Secret"));
  g_assert_cmpint (command->spice_port, ==, 5999);

  /* The default listens on this host only, still locked; SPICE without a port. */
  {
    g_autofree char *xml2 =
      domain_with ("pc", "    <graphics type='vnc' autoport='yes'/>\n"
                         "    <graphics type='spice'>\n      <listen type='none'/>\n"
                         "    </graphics>\n");
    g_autoptr (VbDomainDef) def2 = parse (xml2);
    g_autoptr (VbQemuCommand) command2 = vb_qemu_command_build (def2, &context, &error);

    g_assert_no_error (error);
    g_assert_true (has_arg (command2, "-vnc", "127.0.0.1:0,to=1000,password=on"));
    g_assert_true (has_arg (command2, "-spice", "seamless-migration=on"));
    g_assert_false (has_arg (command2, "-spice", "port="));
    g_assert_cmpint (command2->spice_port, ==, -1);
  }
  expect_refusal ("pc", "    <graphics type='vnc' passwd=''/>\n", "empty passwd");
}

/* GetXMLDesc without SECURE, and a snapshot's XML: no graphics password. */
static void
test_graphics_secrets_hidden (void)
{
  g_autofree char *xml =
    domain_with ("pc", "    <graphics type='vnc' passwd='s3cret' port='5901'/>\n"
                       "    <graphics type='spice' autoport='yes' passwd='other'/>\n");
  g_autoptr (VbDomainDef) def = parse (xml);
  g_autofree char *hidden = vb_domain_xml_without_secrets (def->xml);
  g_autofree char *snapshot =
    g_strdup_printf ("<domainsnapshot>\n  <name>s</name>\n%s</domainsnapshot>\n", def->xml);
  g_autofree char *snapshot_hidden = vb_domain_xml_without_secrets (snapshot);
  g_autofree char *plain = domain_with ("pc", "");
  g_autoptr (VbDomainDef) plain_def = parse (plain);
  g_autofree char *plain_hidden = vb_domain_xml_without_secrets (plain_def->xml);

  g_assert_nonnull (strstr (def->xml, "passwd='s3cret'"));
  g_assert_null (strstr (hidden, "passwd"));
  g_assert_nonnull (strstr (hidden, "<graphics type='vnc' port='5901'/>"));
  g_assert_nonnull (strstr (hidden, "<graphics type='spice' autoport='yes'/>"));
  g_assert_null (strstr (snapshot_hidden, "passwd"));
  g_assert_nonnull (strstr (snapshot_hidden, "<graphics type='vnc' port='5901'/>"));
  /* Nothing else changes. */
  g_assert_cmpstr (plain_hidden, ==, plain_def->xml);
}

/* GetXMLDesc without SECURE: no HTTP cookies of a network disk, as libvirt. */
static void
test_cookies_hidden (void)
{
  g_autofree char *xml =
    domain_with ("pc", "    <disk type='network' device='cdrom'>\n"
                       "      <source protocol='https' name='a.iso'>\n"
                       "        <host name='example.org'/>\n"
                       "        <cookies>\n"
                       "          <cookie name='session'>c00kieVal</cookie>\n"
                       "        </cookies>\n"
                       "      </source>\n"
                       "      <target dev='sda' bus='sata'/>\n"
                       "    </disk>\n");
  g_autoptr (VbDomainDef) def = parse (xml);
  g_autofree char *hidden = vb_domain_xml_without_secrets (def->xml);

  g_assert_nonnull (strstr (def->xml, "c00kieVal"));
  g_assert_null (strstr (hidden, "c00kieVal"));
  g_assert_null (strstr (hidden, "<cookies>"));
  g_assert_nonnull (strstr (hidden, "<source protocol='https' name='a.iso'>"));
}

/* A versioned machine this QEMU lacks, or a distribution's own name in a
 * family (Ubuntu's pc-i440fx-wily, RHEL's pc-q35-rhel9.2.0), is defined (the
 * dry run) and refused at Start, naming the closest one it has. */
static void
expect_machine_lacking (const char *machine, const char *closest)
{
  g_autofree char *xml = domain_with (machine, "");
  g_autoptr (VbDomainDef) def = parse (xml);
  VbQemuCommandContext context = dry_context (FALSE);
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) defined = NULL;
  g_autoptr (VbQemuCommand) started = NULL;
  g_autofree char *words = g_strdup_printf ("'%s' is not known to this QEMU; the closest one it "
                                            "has is '%s'",
                                            machine, closest);

  context.machines = machines;
  defined = vb_qemu_command_build (def, &context, &error);
  g_assert_no_error (error);
  context.dry_run = FALSE;
  started = vb_qemu_command_build (def, &context, &error);
  g_assert_null (started);
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
  g_assert_nonnull (strstr (error->message, words));
}

static void
test_machine_lacking (void)
{
  expect_machine_lacking ("pc-q35-9.9", "pc-q35-7.2");
  expect_machine_lacking ("pc-i440fx-wily", "pc");
  expect_machine_lacking ("pc-q35-rhel9.2.0", "q35");
}

static void
test_refusals (void)
{
  expect_refusal ("bogus-machine", "", "'bogus-machine' is not known");
  test_machine_lacking ();
  expect_refusal ("pc", "    <disk type='file' device='floppy'>\n      <source file='/x'/>\n"
                        "      <target dev='fda' bus='sata'/>\n    </disk>\n",
                  "a floppy disk sits on bus 'fdc'");
  expect_refusal ("q35", "    <disk type='file' device='disk'>\n      <source file='/x'/>\n"
                         "      <target dev='hda' bus='ide'/>\n    </disk>\n", "sata");
  expect_refusal ("pc", "    <interface type='user'>\n      <model type='igb'/>\n"
                        "    </interface>\n", "'igb' is not in QEMU 7.2");
  expect_refusal ("pc", "    <graphics type='spice' autoport='yes'/>\n", "SPICE");
  expect_refusal ("pc", "    <disk type='file' device='disk'>\n      <source file='/x'/>\n"
                        "      <target dev='sda' bus='sata'/>\n      <readonly/>\n    </disk>\n",
                  "read-only");
  expect_refusal ("pc", "    <interface type='user'>\n      <model type='virtio'/>\n"
                        "      <teaming type='persistent'/>\n    </interface>\n", "failover");
  /* A USB device on a domain whose USB controller is 'none' (libvirt refuses it too). */
  expect_refusal ("pc", "    <controller type='usb' index='0' model='none'/>\n"
                        "    <input type='tablet' bus='usb'/>\n", "needs a USB controller");
  /* What a guest's power-off, reboot or crash does: only what the driver carries out. */
  {
    const char *xml = "<domain type='qemu'>\n  <name>c</name>\n  <memory>65536</memory>\n"
                      "  <on_poweroff>rename-restart</on_poweroff>\n</domain>\n";
    g_autoptr (VbDomainDef) def = parse (xml);
    VbQemuCommandContext context = dry_context (FALSE);
    g_autoptr (GError) error = NULL;
    g_autoptr (VbQemuCommand) command = vb_qemu_command_build (def, &context, &error);
    g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
    g_assert_nonnull (strstr (error->message, "<on_poweroff>"));
  }
  /* host-passthrough needs KVM */
  {
    const char *xml = "<domain type='qemu'>\n  <name>c</name>\n  <memory>65536</memory>\n"
                      "  <cpu mode='host-passthrough'/>\n</domain>\n";
    g_autoptr (VbDomainDef) def = parse (xml);
    VbQemuCommandContext context = dry_context (FALSE);
    g_autoptr (GError) error = NULL;
    g_autoptr (VbQemuCommand) command = vb_qemu_command_build (def, &context, &error);
    g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
    g_assert_nonnull (strstr (error->message, "KVM"));
  }
}

/* <clock offset='timezone'> with this host's time zone database, at define
 * (a dry run) as at Start: a zone of it is TZ, a directory of it or a name
 * it lacks is refused. */
static void
test_clock_timezone_host (void)
{
  const char *const cases[][2] = {
    { "Europe/Paris", NULL },
    { "Europe", "is not one of this host's" },
    { "Mars/Olympus_Mons", "is not one of this host's" },
    { "Europe//Paris", "is not a time zone name" },
    { "Europe/Paris/", "is not a time zone name" },
    { ":Europe/Paris", "is not a time zone name" },
  };

  if (!g_file_test ("/usr/share/zoneinfo/Europe/Paris", G_FILE_TEST_IS_REGULAR))
    {
      g_test_skip ("this host has no time zone database");
      return;
    }
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    for (guint dry = 0; dry < 2; dry++)
      {
        g_autofree char *xml =
          g_strdup_printf ("<domain type='qemu'>\n  <name>c</name>\n  <memory>65536</memory>\n"
                           "  <clock offset='timezone' timezone='%s'/>\n</domain>\n",
                           cases[i][0]);
        g_autoptr (VbDomainDef) def = parse (xml);
        VbQemuCommandContext context = dry_context (FALSE);
        g_autoptr (GError) error = NULL;
        g_autoptr (VbQemuCommand) command = NULL;
        g_autofree char *tz = g_strconcat ("TZ=", cases[i][0], NULL);

        context.dry_run = dry;
        context.path_exists = vb_qemu_host_path_exists;
        command = vb_qemu_command_build (def, &context, &error);
        if (!cases[i][1])
          {
            g_assert_no_error (error);
            g_assert_true (has_arg (command, "-rtc", "base=localtime"));
            g_assert_true (g_ptr_array_find_with_equal_func (command->env, tz, g_str_equal, NULL));
            continue;
          }
        g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
        if (!strstr (error->message, cases[i][1]))
          g_error ("expected '%s' in: %s", cases[i][1], error->message);
      }
}

/* Runs the command for real: QEMU must accept every argument and wait in -S. */
static void
assert_qemu_accepts (VbQemuCommand *command, const char *dir)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) qemu = NULL;
  g_autofree char *log = NULL;
  g_autoptr (GSubprocessLauncher) launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDERR_MERGE);
  gint64 end;

  g_subprocess_launcher_set_stdout_file_path (launcher, command->log_path);
  qemu = g_subprocess_launcher_spawnv (launcher, (const char *const *) command->argv->pdata, &error);
  g_assert_no_error (error);
  end = g_get_monotonic_time () + 3 * G_USEC_PER_SEC;
  while (g_get_monotonic_time () < end && g_subprocess_get_identifier (qemu)
         && !g_file_test (command->monitor_path, G_FILE_TEST_EXISTS))
    g_usleep (20000);
  g_usleep (500000);
  g_file_get_contents (command->log_path, &log, NULL, NULL);
  if (!g_subprocess_get_identifier (qemu) || !g_file_test (command->monitor_path, G_FILE_TEST_EXISTS))
    {
      g_autofree char *line = vb_qemu_command_to_string (command);
      g_error ("QEMU refused the command line:\n%s\nits log:\n%s", line, log);
    }
  g_subprocess_force_exit (qemu);
  g_subprocess_wait (qemu, NULL, NULL);
}

static void
test_qemu_accepts_virt_manager_xml (void)
{
  g_autofree char *xml = read_sample ("domain-kvm-q35.xml");
  g_autofree char *dir = g_dir_make_tmp ("vbcmd-XXXXXX", NULL);
  g_autofree char *disk = g_build_filename (dir, "disk.qcow2", NULL);
  g_autofree char *iso = g_build_filename (dir, "boot.iso", NULL);
  g_autofree char *create = g_strdup_printf ("qemu-img create -q -f qcow2 %s 64M", disk);
  g_autoptr (GString) adapted = g_string_new (xml);
  g_autoptr (VbDomainDef) def = NULL;
  g_autoptr (VbQemuCommand) command = NULL;
  g_autoptr (GError) error = NULL;
  VbQemuCommandContext context = dry_context (FALSE);
  g_autofree char *rm = g_strdup_printf ("rm -rf %s", dir);
  const char *qemu = g_getenv ("VB_QEMU_BINARY") ? g_getenv ("VB_QEMU_BINARY") : "qemu-system-x86_64";

  if (!g_find_program_in_path (qemu))
    {
      g_test_skip ("no QEMU");
      return;
    }
  g_assert_true (g_spawn_command_line_sync (create, NULL, NULL, NULL, NULL));
  g_assert_true (g_file_set_contents (iso, "not really an iso", -1, NULL));
  /* Adapt to this host: TCG, QEMU 7.2's machine, our files, user networking. */
  g_string_replace (adapted, "<domain type='kvm'>", "<domain type='qemu'>", 1);
  g_string_replace (adapted, "machine='pc-q35-8.1'", "machine='q35'", 1);
  g_string_replace (adapted, "mode='host-passthrough' check='none' migratable='on'", "mode='host-model'", 1);
  g_string_replace (adapted, "/var/lib/libvirt/images/fedora39.qcow2", disk, 1);
  g_string_replace (adapted, "/var/lib/libvirt/boot/Fedora-Workstation-Live-x86_64-39.iso", iso, 1);
  g_string_replace (adapted, "<interface type='network'>", "<interface type='user'>", 1);
  g_string_replace (adapted, "      <source network='default'/>\n", "", 1);
  g_string_replace (adapted, "<memory unit='KiB'>4194304</memory>", "<memory unit='KiB'>262144</memory>", 1);
  g_string_replace (adapted, "<currentMemory unit='KiB'>4194304</currentMemory>", "<currentMemory unit='KiB'>262144</currentMemory>", 1);
  def = parse (adapted->str);
  context.domain_dir = dir;
  context.nvram_dir = dir;
  context.dry_run = FALSE;
  /* The builder asks the host through the context, as the driver's does. */
  context.path_exists = vb_qemu_host_path_exists;
  context.free_tcp_port = vb_qemu_host_free_tcp_port;
  context.qemu_binary = qemu;
  command = vb_qemu_command_build (def, &context, &error);
  g_assert_no_error (error);
  g_free (command->binary);
  command->binary = g_strdup (qemu);
  g_free (command->argv->pdata[0]);
  command->argv->pdata[0] = g_strdup (qemu);
  assert_qemu_accepts (command, dir);
  g_spawn_command_line_sync (rm, NULL, NULL, NULL, NULL);
}

static void
test_qemu_accepts_pc_guest (void)
{
  g_autofree char *dir = g_dir_make_tmp ("vbcmd-XXXXXX", NULL);
  g_autofree char *disk = g_build_filename (dir, "disk.img", NULL);
  g_autofree char *disk2 = g_build_filename (dir, "disk2.img", NULL);
  g_autofree char *disk3 = g_build_filename (dir, "disk3.img", NULL);
  g_autofree char *devices = NULL;
  g_autofree char *xml = NULL;
  g_autoptr (VbDomainDef) def = NULL;
  g_autoptr (VbQemuCommand) command = NULL;
  g_autoptr (GError) error = NULL;
  VbQemuCommandContext context = dry_context (FALSE);
  g_autofree char *rm = g_strdup_printf ("rm -rf %s", dir);

  if (!g_find_program_in_path ("qemu-system-x86_64"))
    {
      g_test_skip ("no QEMU");
      return;
    }
  g_assert_true (g_file_set_contents (disk, "", 0, NULL));
  g_assert_cmpint (truncate (disk, 16 << 20), ==, 0);
  g_assert_true (g_file_set_contents (disk2, "", 0, NULL));
  g_assert_cmpint (truncate (disk2, 16 << 20), ==, 0);
  g_assert_true (g_file_set_contents (disk3, "", 0, NULL));
  g_assert_cmpint (truncate (disk3, 16 << 20), ==, 0);
  devices = g_strdup_printf (
    "    <disk type='file' device='disk'>\n      <driver name='qemu' type='raw' cache='none' io='native'/>\n"
    "      <source file='%s'/>\n      <target dev='hda' bus='ide'/>\n      <serial>DISK-1</serial>\n"
    "    </disk>\n"
    "    <disk type='file' device='cdrom'>\n      <target dev='hdc' bus='ide'/>\n      <readonly/>\n    </disk>\n"
    "    <disk type='file' device='disk'>\n      <source file='%s'/>\n      <target dev='sda' bus='scsi'/>\n"
    "      <shareable/>\n    </disk>\n"
    "    <disk type='file' device='disk'>\n      <source file='%s'/>\n      <target dev='sdb' bus='sata'/>\n"
    "    </disk>\n"
    "    <interface type='user'>\n      <mac address='52:54:00:00:00:01'/>\n      <model type='e1000'/>\n"
    "      <link state='down'/>\n    </interface>\n"
    "    <serial type='pty'>\n      <target port='0'/>\n    </serial>\n"
    "    <console type='pty'>\n      <target type='serial' port='0'/>\n    </console>\n"
    "    <input type='tablet' bus='usb'/>\n"
    "    <graphics type='vnc' port='-1' autoport='yes'/>\n"
    "    <video>\n      <model type='cirrus' vram='16384' heads='1' primary='yes'/>\n    </video>\n"
    "    <sound model='ac97'/>\n"
    "    <watchdog model='i6300esb' action='reset'/>\n"
    "    <panic model='isa'/>\n"
    "    <memballoon model='virtio'/>\n",
    disk, disk2, disk3);
  xml = domain_with ("pc", devices);
  def = parse (xml);
  context.domain_dir = dir;
  context.dry_run = FALSE;
  context.path_exists = vb_qemu_host_path_exists;
  context.free_tcp_port = vb_qemu_host_free_tcp_port;
  command = vb_qemu_command_build (def, &context, &error);
  g_assert_no_error (error);
  g_assert_cmpint (command->vnc_display, ==, 0);
  g_assert_true (command->vnc_autoport);
  g_assert_cmpuint (command->link_down->len, ==, 1);
  g_assert_true (has_arg (command, "-device", "ide-hd,bus=ide.0,unit=0,drive=drive0,id=disk-hda,write-cache=on,serial=DISK-1"));
  g_assert_true (has_arg (command, "-device", "ide-cd,bus=ide.1,unit=0,id=disk-hdc"));
  g_assert_true (has_arg (command, "-device", "scsi-hd,bus=scsi0.0"));
  g_assert_true (has_arg (command, "-device", "ide-hd,bus=sata0.1"));
  assert_qemu_accepts (command, dir);
  g_spawn_command_line_sync (rm, NULL, NULL, NULL, NULL);
}


static void assert_qemu_accepts (VbQemuCommand *command, const char *dir);

/* Every device of the XML whose -device is a PCI device. */
static const char *const pci_drivers[] = {
  "virtio-", "e1000", "rtl8139", "vfio-pci", "qemu-xhci", "nec-usb-xhci", "piix3-usb-uhci",
  "ich9-", "ich9-ahci", "intel-hda", "AC97", "ES1370", "i6300esb", "VGA", "cirrus-vga",
  "qxl", "bochs-display", "pcie-root-port", "pci-bridge", "vmxnet3", "ne2k_pci", "pcnet",
  "vmware-svga", "piix4-usb-uhci", "usb-ehci", "ivshmem-", "vhost-vsock-pci", NULL,
};

static gboolean
is_pci_device (const char *arg)
{
  for (guint i = 0; pci_drivers[i]; i++)
    if (g_str_has_prefix (arg, pci_drivers[i]))
      return TRUE;
  return FALSE;
}

/* Define fills in an address for every PCI device and the controllers the
 * command line has; the command line then names exactly those places, and
 * the XML define returns defines the same again. */
static void
check_completion (const char *machine, const char *devices, const char *const *expected)
{
  g_autofree char *xml = domain_with (machine, devices);
  g_autoptr (VbDomainDef) def = parse (xml);
  g_autoptr (GError) error = NULL;
  g_autofree char *completed = vb_qemu_complete_xml (def, NULL, &error);
  g_autoptr (VbDomainDef) completed_def = NULL;
  g_autofree char *again = NULL;
  g_autoptr (VbQemuCommand) command = NULL;
  g_autoptr (VbQemuCommand) command_raw = NULL;
  g_autoptr (xmlDoc) doc = NULL;
  VbQemuCommandContext context = dry_context (FALSE);
  gboolean q35 = g_str_equal (machine, "q35");
  guint placed = 0, with_addr = 0;

  g_assert_no_error (error);
  for (guint i = 0; expected[i]; i++)
    if (!g_regex_match_simple (expected[i], completed, 0, 0))
      g_error ("expected /%s/ in:\n%s", expected[i], completed);
  completed_def = parse (completed);
  again = vb_qemu_complete_xml (completed_def, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again, ==, completed);

  /* Every PCI device of the completed XML has its address; the command line
   * puts it there. */
  context.machines = machines;
  command = vb_qemu_command_build (completed_def, &context, &error);
  g_assert_no_error (error);
  /* The command line adds only the devices' ids, as <alias>, which a
   * definition drops. */
  {
    g_autoptr (VbDomainDef) ran = parse (command->xml);

    g_assert_cmpstr (ran->xml, ==, completed);
  }
  doc = xmlReadMemory (completed, (int) strlen (completed), NULL, NULL, 0);
  for (xmlNode *node = xmlDocGetRootElement (doc)->children; node; node = node->next)
    if (node->type == XML_ELEMENT_NODE && xmlStrEqual (node->name, BAD_CAST "devices"))
      for (xmlNode *dev = node->children; dev; dev = dev->next)
        for (xmlNode *addr = dev->children; addr; addr = addr->next)
          if (addr->type == XML_ELEMENT_NODE && xmlStrEqual (addr->name, BAD_CAST "address"))
            {
              g_autofree char *type = (char *) xmlGetProp (addr, BAD_CAST "type");
              g_autofree char *bus = (char *) xmlGetProp (addr, BAD_CAST "bus");
              g_autofree char *slot = (char *) xmlGetProp (addr, BAD_CAST "slot");
              g_autofree char *function = (char *) xmlGetProp (addr, BAD_CAST "function");
              g_autofree char *model = (char *) xmlGetProp (dev, BAD_CAST "type");
              guint bus_n = (guint) g_ascii_strtoull (bus ? bus : "0", NULL, 0);
              guint slot_n = (guint) g_ascii_strtoull (slot ? slot : "0", NULL, 0);
              guint function_n = (guint) g_ascii_strtoull (function ? function : "0", NULL, 0);
              g_autofree char *where = NULL;

              if (g_strcmp0 (type, "pci") != 0)
                continue;
              /* Built into the machine: no -device. */
              if (xmlStrEqual (dev->name, BAD_CAST "controller")
                  && (g_str_equal (model, "ide") || (q35 && g_str_equal (model, "sata"))))
                continue;
              placed++;
              where = bus_n ? g_strdup_printf ("bus=pci.%u,addr=0x%x", bus_n, slot_n)
                            : g_strdup_printf ("bus=%s,addr=0x%x", q35 ? "pcie.0" : "pci.0", slot_n);
              if (function_n)
                {
                  g_autofree char *with_function = g_strdup_printf ("%s.0x%x", where, function_n);
                  g_free (where);
                  where = g_steal_pointer (&with_function);
                }
              if (!has_arg (command, "-device", where))
                g_error ("no -device at %s for <%s>:\n%s", where, dev->name,
                         vb_qemu_command_to_string (command));
            }
  for (guint i = 0; i + 1 < command->argv->len && command->argv->pdata[i + 1]; i++)
    if (g_str_equal (command->argv->pdata[i], "-device") && is_pci_device (command->argv->pdata[i + 1]))
      {
        if (!strstr (command->argv->pdata[i + 1], ",addr=0x"))
          g_error ("a PCI device left to QEMU's choice: %s", (char *) command->argv->pdata[i + 1]);
        with_addr++;
      }
  g_assert_cmpuint (placed, ==, with_addr);
  g_assert_cmpuint (placed, >, 3);

  /* A definition stored before define filled these in runs the same. */
  command_raw = vb_qemu_command_build (def, &context, &error);
  g_assert_no_error (error);
  {
    g_autofree char *a = vb_qemu_command_to_string (command);
    g_autofree char *b = vb_qemu_command_to_string (command_raw);
    g_assert_cmpstr (a, ==, b);
  }

  /* And QEMU takes every device on the place define chose. */
  if (g_find_program_in_path ("qemu-system-x86_64"))
    {
      g_autofree char *dir = g_dir_make_tmp ("vbcmd-XXXXXX", NULL);
      g_autofree char *a = g_build_filename (dir, "a.img", NULL);
      g_autofree char *b = g_build_filename (dir, "b.img", NULL);
      g_autofree char *rm = g_strdup_printf ("rm -rf %s", dir);
      g_autoptr (GString) local = g_string_new (completed);
      g_autoptr (VbDomainDef) local_def = NULL;
      g_autoptr (VbQemuCommand) real = NULL;

      g_assert_true (g_file_set_contents (a, "", 0, NULL));
      g_assert_cmpint (truncate (a, 16 << 20), ==, 0);
      g_assert_true (g_file_set_contents (b, "", 0, NULL));
      g_assert_cmpint (truncate (b, 16 << 20), ==, 0);
      g_string_replace (local, "'/a.img'", a, 1);
      g_string_replace (local, "'/b.img'", b, 1);
      g_string_replace (local, "file=/", "file='/", 0);
      g_string_replace (local, ".img/>", ".img'/>", 0);
      local_def = parse (local->str);
      context.domain_dir = dir;
      context.dry_run = FALSE;
      context.path_exists = vb_qemu_host_path_exists;
      context.free_tcp_port = vb_qemu_host_free_tcp_port;
      real = vb_qemu_command_build (local_def, &context, &error);
      g_assert_no_error (error);
      assert_qemu_accepts (real, dir);
      g_spawn_command_line_sync (rm, NULL, NULL, NULL, NULL);
    }
}

#define ADDR(bus, slot) "<address type='pci' domain='0x0000' bus='" bus "' slot='" slot "' function='0x0'/>"

static const char completion_devices[] =
  "    <disk type='file' device='disk'>\n      <source file='/a.img'/>\n"
  "      <target dev='vda' bus='virtio'/>\n    </disk>\n"
  "    <disk type='file' device='disk'>\n      <source file='/b.img'/>\n"
  "      <target dev='sda' bus='scsi'/>\n    </disk>\n"
  "    <disk type='file' device='cdrom'>\n      <target dev='sdb' bus='sata'/>\n"
  "      <readonly/>\n    </disk>\n"
  "    <interface type='user'>\n      <mac address='52:54:00:00:00:01'/>\n    </interface>\n"
  "    <interface type='user'>\n      <mac address='52:54:00:00:00:02'/>\n"
  "      <model type='e1000'/>\n    </interface>\n"
  "    <channel type='unix'>\n      <target type='virtio' name='org.qemu.guest_agent.0'/>\n"
  "    </channel>\n"
  "    <input type='tablet' bus='usb'/>\n"
  "    <input type='keyboard' bus='virtio'/>\n"
  "    <video>\n      <model type='vga'/>\n    </video>\n"
  "    <sound model='ich9'/>\n"
  "    <watchdog model='i6300esb'/>\n"
  "    <memballoon model='virtio'/>\n"
  "    <rng model='virtio'>\n      <backend model='random'>/dev/urandom</backend>\n    </rng>\n";

static void
test_complete_pc (void)
{
  const char *const expected[] = {
    "<controller type='pci' index='0' model='pci-root'/>",
    "<controller type='ide' index='0'>\\s*"
    "<address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x1'/>",
    "<controller type='usb' index='0' model='piix3-uhci'>\\s*"
    "<address type='pci' domain='0x0000' bus='0x00' slot='0x01' function='0x2'/>",
    "<controller type='virtio-serial' index='0'>\\s*<address type='pci'",
    "<controller type='scsi' index='0' model='virtio-scsi'>\\s*<address type='pci'",
    "<controller type='sata' index='0'>\\s*<address type='pci'",
    /* The controllers from slot 2 on, then the devices in the XML's order,
     * as QEMU placed them when the command line left it the choice. */
    "<controller type='virtio-serial' index='0'>\\s*" ADDR ("0x00", "0x02"),
    "<target dev='vda' bus='virtio'/>\\s*" ADDR ("0x00", "0x05"),
    "<mac address='52:54:00:00:00:01'/>\\s*" ADDR ("0x00", "0x06"),
    "<model type='vga'/>\\s*" ADDR ("0x00", "0x09"),
    "<memballoon model='virtio'>\\s*<address type='pci'",
    NULL,
  };

  check_completion ("pc", completion_devices, expected);
}

/* The value of @option (the first one) on the command line. */
static const char *
arg_of (VbQemuCommand *command, const char *option)
{
  for (guint i = 0; i + 1 < command->argv->len && command->argv->pdata[i + 1]; i++)
    if (g_str_equal (command->argv->pdata[i], option))
      return command->argv->pdata[i + 1];
  return NULL;
}

/* Define writes out the CPU the command line gives, as libvirt writes its
 * default (Cockpit shows "CPU type" from <cpu mode=>); the -cpu stays what
 * the definition without it gave. */
static void
check_cpu_completion (const char *type, const char *cpu, const char *expected)
{
  g_autofree char *xml =
    g_strdup_printf ("<domain type='%s'>\n  <name>cpu</name>\n"
                     "  <memory unit='MiB'>128</memory>\n  <vcpu>2</vcpu>\n"
                     "  <os>\n    <type arch='x86_64' machine='pc'>hvm</type>\n"
                     "  </os>\n%s  <devices>\n  </devices>\n</domain>\n",
                     type, cpu);
  g_autoptr (VbDomainDef) def = parse (xml);
  g_autoptr (GError) error = NULL;
  g_autofree char *completed = vb_qemu_complete_xml (def, NULL, &error);
  g_autoptr (VbDomainDef) completed_def = NULL;
  g_autofree char *again = NULL;
  g_autoptr (VbQemuCommand) before = NULL;
  g_autoptr (VbQemuCommand) after = NULL;
  VbQemuCommandContext context = dry_context (g_str_equal (type, "kvm"));

  g_assert_no_error (error);
  if (!g_regex_match_simple (expected, completed, 0, 0))
    g_error ("expected /%s/ in:\n%s", expected, completed);
  completed_def = parse (completed);
  again = vb_qemu_complete_xml (completed_def, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again, ==, completed);
  context.machines = machines;
  before = vb_qemu_command_build (def, &context, &error);
  g_assert_no_error (error);
  after = vb_qemu_command_build (completed_def, &context, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (arg_of (after, "-cpu"), ==, arg_of (before, "-cpu"));
  g_assert_cmpstr (arg_of (after, "-smp"), ==, arg_of (before, "-smp"));
  /* A definition stored before define wrote the CPU: the live XML has it. */
  if (!g_regex_match_simple (expected, before->xml, 0, 0))
    g_error ("expected /%s/ in the live XML:\n%s", expected, before->xml);
}

static void
test_complete_cpu (void)
{
  /* None: QEMU's qemu64 under TCG, after <os> (or <features>). */
  check_cpu_completion ("qemu", "",
                        "</os>\\s*<cpu mode='custom' match='exact' check='none'>\\s*"
                        "<model fallback='forbid'>qemu64</model>\\s*</cpu>");
  check_cpu_completion ("qemu", "  <features>\n    <acpi/>\n  </features>\n",
                        "</features>\\s*<cpu mode='custom'");
  /* None under KVM: the host's CPU. */
  check_cpu_completion ("kvm", "", "<cpu mode='host-passthrough' check='none' migratable='on'/>");
  /* A <cpu> without a mode is custom; under TCG its model qemu64, its
   * topology and features kept. */
  check_cpu_completion (
    "qemu",
    "  <cpu>\n    <topology sockets='1' cores='2' threads='1'/>\n"
    "    <feature policy='disable' name='svm'/>\n  </cpu>\n",
    "<cpu mode='custom'>\\s*<model fallback='forbid'>qemu64</model>\\s*"
    "<topology sockets='1' cores='2' threads='1'/>\\s*<feature policy='disable' name='svm'/>");
  check_cpu_completion ("kvm",
                        "  <cpu>\n    <topology sockets='1' cores='2' threads='1'/>\n  </cpu>\n",
                        "<cpu mode='custom'>\\s*<topology");
  /* What the definition says stays. */
  check_cpu_completion ("qemu", "  <cpu mode='custom'>\n    <model>Nehalem</model>\n  </cpu>\n",
                        "<cpu mode='custom'>\\s*<model>Nehalem</model>\\s*</cpu>");
  check_cpu_completion ("qemu", "  <cpu mode='host-model'/>\n", "<cpu mode='host-model'/>");
}

static void
test_complete_q35 (void)
{
  const char *const expected[] = {
    "<controller type='pci' index='0' model='pcie-root'/>",
    "<controller type='sata' index='0'>\\s*"
    "<address type='pci' domain='0x0000' bus='0x00' slot='0x1f' function='0x2'/>",
    /* The spare root port, numbered 1, is the first a device takes. */
    "<controller type='pci' model='pcie-root-port' index='1'>\\s*" ADDR ("0x00", "0x05"),
    "<controller type='usb' index='0' model='qemu-xhci'>\\s*" ADDR ("0x01", "0x00"),
    "<controller type='pci' index='2' model='pcie-root-port'>\\s*" ADDR ("0x00", "0x02"),
    "<model type='vga'/>\\s*" ADDR ("0x00", "0x01"),
    "<target dev='vda' bus='virtio'/>\\s*" ADDR ("0x0[0-9a-f]", "0x00"),
    /* Legacy PCI devices sit on the root bus. */
    "<model type='e1000'/>\\s*<address type='pci' domain='0x0000' bus='0x00'",
    "<sound model='ich9'>\\s*<address type='pci' domain='0x0000' bus='0x00'",
    NULL,
  };
  g_autofree char *devices = g_strconcat (
    completion_devices,
    "    <controller type='pci' model='pcie-root-port'>\n      " ADDR ("0x00", "0x05") "\n"
    "    </controller>\n", NULL);

  check_completion ("q35", devices, expected);
}

/* A passed-through device's <source><address> is the host's: it names no
 * bus of the guest, which must get no controller for it. */
static void
test_host_address_is_no_guest_bus (void)
{
  static const char devices[] =
    "<devices>"
    "<hostdev mode='subsystem' type='pci' managed='yes'><source>"
    "<address type='pci' domain='0x0000' bus='0x03' slot='0x00' function='0x0'/></source>"
    "<address type='pci' domain='0x0000' bus='0x02' slot='0x00' function='0x0'/></hostdev>"
    "</devices>";
  g_autoptr (xmlDoc) doc = xmlReadMemory (devices, sizeof devices - 1, NULL, NULL, XML_PARSE_NONET);
  g_autoptr (GArray) buses = vb_qemu_pci_implicit_buses (xmlDocGetRootElement (doc));

  g_assert_cmpuint (buses->len, ==, 1);
  g_assert_cmpuint (g_array_index (buses, VbQemuImplicitBus, 0).index, ==, 2);
}

/* ---- hotplugged vCPUs ---- */

/* A TCG guest of 8 vCPUs (2 sockets of 2 dies of 1 core of 2 threads): vCPU
 * 0 from boot, then 5 and 2 plugged in, in that order. */
static const char vcpus_guest[] =
  "<domain type='qemu'>\n  <name>cmd</name>\n  <memory unit='MiB'>128</memory>\n"
  "  <vcpu current='3'>8</vcpu>\n"
  "  <vcpus>\n"
  "    <vcpu id='0' enabled='yes' hotpluggable='no' order='1'/>\n"
  "    <vcpu id='1' enabled='no' hotpluggable='yes'/>\n"
  "    <vcpu id='2' enabled='yes' hotpluggable='yes' order='3'/>\n"
  "    <vcpu id='3' enabled='no' hotpluggable='yes'/>\n"
  "    <vcpu id='4' enabled='no' hotpluggable='yes'/>\n"
  "    <vcpu id='5' enabled='yes' hotpluggable='yes' order='2'/>\n"
  "    <vcpu id='6' enabled='no' hotpluggable='yes'/>\n"
  "    <vcpu id='7' enabled='no' hotpluggable='yes'/>\n"
  "  </vcpus>\n"
  "  <os>\n    <type arch='x86_64' machine='pc'>hvm</type>\n  </os>\n"
  "  <features>\n    <acpi/>\n  </features>\n"
  "  <cpu mode='host-model'>\n    <topology sockets='2' dies='2' cores='1' threads='2'/>\n"
  "  </cpu>\n"
  "  <devices>\n  </devices>\n</domain>\n";

/* The index in argv of "-device" @value, -1 without it. */
static int
device_index (VbQemuCommand *command, const char *value)
{
  for (guint i = 0; i + 1 < command->argv->len && command->argv->pdata[i + 1]; i++)
    if (g_str_equal (command->argv->pdata[i], "-device")
        && g_str_equal (command->argv->pdata[i + 1], value))
      return (int) i;
  return -1;
}

static guint
count_arg (VbQemuCommand *command, const char *option, const char *prefix)
{
  guint n = 0;

  for (guint i = 0; i + 1 < command->argv->len && command->argv->pdata[i + 1]; i++)
    n += g_str_equal (command->argv->pdata[i], option)
         && g_str_has_prefix (command->argv->pdata[i + 1], prefix);
  return n;
}

static VbQemuCommand *
build_xml (const char *xml, gboolean kvm)
{
  g_autoptr (VbDomainDef) def = parse (xml);
  VbQemuCommandContext context = dry_context (kvm);
  g_autoptr (GError) error = NULL;
  VbQemuCommand *command;

  context.machines = machines;
  command = vb_qemu_command_build (def, &context, &error);
  g_assert_no_error (error);
  return command;
}

/* -smp has the vCPUs the machine boots with; each hotplugged one is a
 * -device of the -cpu model's type in its slot, in the order they came. */
static void
test_hotplugged_vcpus (void)
{
  g_autoptr (VbQemuCommand) command = build_xml (vcpus_guest, FALSE);
  g_autoptr (VbQemuCommand) kvm = build_xml (vcpus_guest, TRUE);
  g_autoptr (GString) custom = g_string_new (vcpus_guest);
  g_autoptr (GString) plain = g_string_new (vcpus_guest);
  g_autoptr (VbQemuCommand) custom_command = NULL;
  g_autoptr (VbQemuCommand) plain_command = NULL;
  const char *five = "max-x86_64-cpu,id=vcpu5,socket-id=1,die-id=0,core-id=0,thread-id=1";
  const char *two = "max-x86_64-cpu,id=vcpu2,socket-id=0,die-id=1,core-id=0,thread-id=0";

  g_assert_true (has_arg (command, "-smp", "1,maxcpus=8,sockets=2,dies=2,cores=1,threads=2"));
  g_assert_cmpint (device_index (command, five), >=, 0);
  g_assert_cmpint (device_index (command, two), >, device_index (command, five));
  g_assert_cmpuint (count_arg (command, "-device", "max-x86_64-cpu"), ==, 2);
  /* Under KVM host-model is -cpu host. */
  g_assert_true (has_arg (kvm, "-device", "host-x86_64-cpu,id=vcpu5,"));
  /* A named model with features: its type is the model's. */
  g_string_replace (custom, "<cpu mode='host-model'>",
                    "<cpu mode='custom'>\n    <model>Nehalem</model>\n"
                    "    <feature policy='disable' name='sse4.2'/>",
                    1);
  custom_command = build_xml (custom->str, FALSE);
  g_assert_true (has_arg (custom_command, "-cpu", "Nehalem,sse4.2=off"));
  g_assert_true (has_arg (custom_command, "-device", "Nehalem-x86_64-cpu,id=vcpu2,"));
  /* Without <vcpus> -smp boots them all, as before. */
  g_string_replace (plain, "  <vcpus>", "  <!--", 1);
  g_string_replace (plain, "  </vcpus>", "  -->", 1);
  plain_command = build_xml (plain->str, FALSE);
  g_assert_true (has_arg (plain_command, "-smp", "3,maxcpus=8,"));
  g_assert_cmpuint (count_arg (plain_command, "-device", "max-x86_64-cpu"), ==, 0);
}

/* One QMP command on a monitor connection; its "return". */
static JsonNode *
qmp_call (GDataInputStream *in, GOutputStream *out, const char *command)
{
  g_autofree char *line = g_strdup_printf ("{\"execute\": \"%s\"}\n", command);

  g_assert_true (g_output_stream_write_all (out, line, strlen (line), NULL, NULL, NULL));
  for (;;)
    {
      g_autofree char *reply = g_data_input_stream_read_line (in, NULL, NULL, NULL);
      g_autoptr (JsonParser) parser = json_parser_new ();
      JsonObject *object;

      g_assert_nonnull (reply);
      g_assert_true (json_parser_load_from_data (parser, reply, -1, NULL));
      object = json_node_get_object (json_parser_get_root (parser));
      if (json_object_has_member (object, "error"))
        g_error ("QEMU refused %s: %s", command, reply);
      if (json_object_has_member (object, "return"))
        return json_node_copy (json_object_get_member (object, "return"));
    }
}

/* What the command line says is what a real QEMU has: the slot of each vCPU
 * id (vb_qemu_vcpu_slot) is the one query-hotpluggable-cpus lists for it,
 * with the cpu-index of the id, and the hotplugged ones are there under
 * their ids, of the type QEMU lists. */
static void
test_qemu_has_hotplugged_vcpus (void)
{
  g_autoptr (VbDomainDef) def = parse (vcpus_guest);
  g_autofree char *dir = g_dir_make_tmp ("vbcmd-XXXXXX", NULL);
  g_autofree char *rm = g_strdup_printf ("rm -rf %s", dir);
  VbQemuCommandContext context = dry_context (FALSE);
  g_autoptr (VbQemuCommand) command = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GSubprocess) qemu = NULL;
  g_autoptr (GSocketClient) client = g_socket_client_new ();
  g_autoptr (GSocketConnection) connection = NULL;
  g_autoptr (GSocketAddress) address = NULL;
  g_autoptr (GDataInputStream) in = NULL;
  g_autoptr (JsonNode) slots = NULL;
  g_autoptr (JsonNode) cpus = NULL;
  g_autofree char *greeting = NULL;
  JsonArray *list;
  guint taken = 0;

  if (!g_find_program_in_path ("qemu-system-x86_64"))
    {
      g_test_skip ("no QEMU");
      return;
    }
  context.machines = machines;
  context.domain_dir = dir;
  context.dry_run = FALSE;
  context.path_exists = vb_qemu_host_path_exists;
  context.free_tcp_port = vb_qemu_host_free_tcp_port;
  command = vb_qemu_command_build (def, &context, &error);
  g_assert_no_error (error);
  qemu = g_subprocess_newv ((const char *const *) command->argv->pdata,
                            G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < 250 && !g_file_test (command->monitor_path, G_FILE_TEST_EXISTS); i++)
    g_usleep (20000);
  address = g_unix_socket_address_new (command->monitor_path);
  connection = g_socket_client_connect (client, G_SOCKET_CONNECTABLE (address), NULL, &error);
  g_assert_no_error (error);
  in = g_data_input_stream_new (g_io_stream_get_input_stream (G_IO_STREAM (connection)));
  greeting = g_data_input_stream_read_line (in, NULL, NULL, &error);
  g_assert_no_error (error);
  json_node_unref (
    qmp_call (in, g_io_stream_get_output_stream (G_IO_STREAM (connection)), "qmp_capabilities"));
  slots = qmp_call (in, g_io_stream_get_output_stream (G_IO_STREAM (connection)),
                    "query-hotpluggable-cpus");
  cpus = qmp_call (in, g_io_stream_get_output_stream (G_IO_STREAM (connection)), "query-cpus-fast");
  g_subprocess_force_exit (qemu);
  g_subprocess_wait (qemu, NULL, NULL);
  g_spawn_command_line_sync (rm, NULL, NULL, NULL, NULL);

  list = json_node_get_array (slots);
  g_assert_cmpuint (json_array_get_length (list), ==, 8);
  for (guint id = 0; id < 8; id++)
    {
      VbQemuVcpuSlot slot = vb_qemu_vcpu_slot (def, id);
      JsonObject *found = NULL;

      for (guint i = 0; i < json_array_get_length (list); i++)
        {
          JsonObject *entry = json_array_get_object_element (list, i);

          if (vb_qemu_vcpu_slot_is (json_object_get_object_member (entry, "props"), &slot))
            {
              g_assert_null (found);
              found = entry;
            }
        }
      g_assert_nonnull (found);
      g_assert_cmpstr (json_object_get_string_member (found, "type"), ==, "max-x86_64-cpu");
      if (id == 2 || id == 5)
        {
          g_autofree char *path = g_strdup_printf ("/machine/peripheral/vcpu%u", id);

          g_assert_cmpstr (json_object_get_string_member_with_default (found, "qom-path", NULL), ==,
                           path);
        }
      else if (id == 0)
        g_assert_true (json_object_has_member (found, "qom-path"));
      else
        g_assert_false (json_object_has_member (found, "qom-path"));
      taken += json_object_has_member (found, "qom-path");
    }
  g_assert_cmpuint (taken, ==, 3);
  /* QEMU's cpu-index of each is its id. */
  list = json_node_get_array (cpus);
  g_assert_cmpuint (json_array_get_length (list), ==, 3);
  for (guint i = 0; i < 3; i++)
    {
      JsonObject *cpu = json_array_get_object_element (list, i);
      guint index = (guint) json_object_get_int_member (cpu, "cpu-index");
      VbQemuVcpuSlot slot = vb_qemu_vcpu_slot (def, index);

      g_assert_true (index == 0 || index == 2 || index == 5);
      g_assert_true (vb_qemu_vcpu_slot_is (json_object_get_object_member (cpu, "props"), &slot));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/qemu-command/host-address-is-no-guest-bus", test_host_address_is_no_guest_bus);
  g_test_add_func ("/qemu-command/virt-install-q35", test_virt_install_q35);
  g_test_add_func ("/qemu-command/pc-kernel-boot", test_pc_kernel_boot);
  g_test_add_func ("/qemu-command/complete-pc", test_complete_pc);
  g_test_add_func ("/qemu-command/complete-q35", test_complete_q35);
  g_test_add_func ("/qemu-command/complete-cpu", test_complete_cpu);
  g_test_add_func ("/qemu-command/refusals", test_refusals);
  g_test_add_func ("/qemu-command/clock-timezone-host", test_clock_timezone_host);
  g_test_add_func ("/qemu-command/hotplugged-vcpus", test_hotplugged_vcpus);
  g_test_add_func ("/qemu-command/qemu-has-hotplugged-vcpus", test_qemu_has_hotplugged_vcpus);
  g_test_add_func ("/qemu-command/graphics-locked", test_graphics_locked);
  g_test_add_func ("/qemu-command/graphics-secrets-hidden", test_graphics_secrets_hidden);
  g_test_add_func ("/qemu-command/cookies-hidden", test_cookies_hidden);
  g_test_add_func ("/qemu-command/disk-without-type", test_disk_without_type);
  g_test_add_func ("/qemu-command/failover-emulated-primary", test_failover_emulated_primary);
  g_test_add_func ("/qemu-command/live-aliases-are-ids", test_live_aliases_are_ids);
  g_test_add_func ("/qemu-command/qemu-accepts-virt-manager-xml", test_qemu_accepts_virt_manager_xml);
  g_test_add_func ("/qemu-command/qemu-accepts-pc-guest", test_qemu_accepts_pc_guest);
  return g_test_run ();
}
