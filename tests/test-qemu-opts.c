/* A caller who writes "x,romfile=/etc/shadow" into a field of the domain XML
 * must not add options to QEMU's command line (the service runs QEMU as
 * root). Every field that reaches an option string gets such a value, one
 * domain each; the command line is read back the way QEMU reads it, and no
 * option of the caller's may appear. A field the schema or the builder
 * refuses is safe too, and the test says which it expects. */
#include <json-glib/json-glib.h>
#include <string.h>

#include "qemu-command.h"
#include "vb-error.h"

#define HOSTILE "ua-x,romfile=/etc/shadow,pcap=/tmp/x,id=evil"

#define HEAD "<name>opts</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>"
#define PC "<os><type arch='x86_64' machine='pc'>hvm</type></os>"
#define Q35 "<os><type arch='x86_64' machine='q35'>hvm</type></os>"
#define OS_PC(x) "<os><type arch='x86_64' machine='pc'>hvm</type>" x "</os>"
#define MAC1 "<mac address='52:54:00:00:00:01'/>"
#define MAC2 "<mac address='52:54:00:00:00:02'/>"
#define DISK(x) "<disk type='file' device='disk'>" x "</disk>"
#define VDA "<source file='/var/lib/virtbus/a.img'/><target dev='vda' bus='virtio'/>"
#define KERNEL "<kernel>/boot/vmlinuz</kernel>"

typedef enum {
  ESCAPED, /* built, and the value reaches QEMU whole */
  SCHEMA,  /* refused by the schema: InvalidXML */
  REFUSED, /* refused by the builder: NotSupported */
} Expect;

typedef struct {
  const char *field;
  Expect expect;
  const char *benign;  /* in place of @V@, builds and reaches the command line;
                       * NULL: the schema refuses the element itself */
  const char *hostile; /* in place of @V@; NULL: HOSTILE */
  const char *xml;     /* the inside of <domain> */
  const char *seen;    /* what the benign value becomes; NULL: itself */
} Case;

static const Case cases[] = {
  { "domain name", ESCAPED, "opts", "x,romfile=shadow,pcap=x,id=evil",
    "<name>@V@</name><memory unit='MiB'>128</memory><vcpu>1</vcpu>" PC },
  { "machine type", REFUSED, "pc", NULL,
    HEAD "<os><type arch='x86_64' machine='@V@'>hvm</type></os>" },
  { "vmport state", SCHEMA, "off", NULL, HEAD PC "<features><vmport state='@V@'/></features>" },
  { "smm state", SCHEMA, "on", NULL, HEAD PC "<features><smm state='@V@'/></features>" },
  { "CPU model", REFUSED, "qemu64", NULL, HEAD PC "<cpu mode='custom'><model>@V@</model></cpu>" },
  { "CPU feature", REFUSED, "avx", NULL,
    HEAD PC
    "<cpu mode='custom'><model>qemu64</model><feature policy='require' name='@V@'/></cpu>" },
  { "loader", ESCAPED, "/tmp/OVMF_CODE.fd", "/tmp/" HOSTILE,
    HEAD OS_PC ("<loader type='pflash'>@V@</loader>") },
  { "nvram", ESCAPED, "/tmp/VARS.fd", "/tmp/" HOSTILE,
    HEAD OS_PC ("<loader type='pflash'>/tmp/OVMF_CODE.fd</loader><nvram>@V@</nvram>") },
  { "kernel", ESCAPED, "/boot/vmlinuz", "/tmp/" HOSTILE, HEAD OS_PC ("<kernel>@V@</kernel>") },
  { "initrd", ESCAPED, "/boot/initrd.img", "/tmp/" HOSTILE,
    HEAD OS_PC (KERNEL "<initrd>@V@</initrd>") },
  { "kernel cmdline", ESCAPED, "console=ttyS0", NULL,
    HEAD OS_PC (KERNEL "<cmdline>@V@</cmdline>") },
  { "disk target dev", ESCAPED, "vda", NULL,
    HEAD PC "<devices>" DISK (
      "<source file='/var/lib/virtbus/a.img'/><target dev='@V@' bus='virtio'/>") "</devices>" },
  { "disk alias", ESCAPED, "ua-disk0", NULL,
    HEAD PC "<devices>" DISK (VDA "<alias name='@V@'/>") "</devices>" },
  { "disk serial", ESCAPED, "S123", NULL,
    HEAD PC "<devices>" DISK (VDA "<serial>@V@</serial>") "</devices>" },
  { "disk source (-blockdev JSON)", ESCAPED, "/var/lib/virtbus/a.img", "/tmp/" HOSTILE,
    HEAD PC
    "<devices>" DISK ("<source file='@V@'/><target dev='vda' bus='virtio'/>") "</devices>" },
  { "disk USB port", ESCAPED, "1", NULL,
    HEAD PC "<devices>" DISK ("<source file='/var/lib/virtbus/a.img'/><target dev='sda' bus='usb'/>"
                              "<address type='usb' bus='0' port='@V@'/>") "</devices>" },
  { "disk boot order", SCHEMA, "1", NULL,
    HEAD PC "<devices>" DISK (VDA "<boot order='@V@'/>") "</devices>" },
  { "interface alias", ESCAPED, "ua-net0", NULL,
    HEAD PC "<devices><interface type='user'>" MAC1 "<model type='virtio'/><alias name='@V@'/>"
            "</interface></devices>" },
  { "interface MAC", SCHEMA, "52:54:00:00:00:01", NULL,
    HEAD PC "<devices><interface type='user'><mac address='@V@'/></interface></devices>" },
  { "interface model", SCHEMA, "e1000", NULL,
    HEAD PC "<devices><interface type='user'>" MAC1 "<model type='@V@'/></interface></devices>" },
  { "teaming partner (interface)", ESCAPED, "ua-net0", NULL,
    HEAD Q35
    "<devices><interface type='user'>" MAC1 "<model type='virtio'/>"
    "<teaming type='persistent'/><alias name='@V@'/></interface>"
    "<interface type='user'>" MAC2 "<model type='e1000e'/>"
    "<teaming type='transient' persistent='@V@'/>"
    "<address type='pci' domain='0' bus='1' slot='0' function='0'/></interface></devices>" },
  { "hostdev alias", ESCAPED, "ua-hostdev0", NULL,
    HEAD PC "<devices><hostdev mode='subsystem' type='pci'><source>"
            "<address domain='0' bus='1' slot='0' function='0'/></source><alias name='@V@'/>"
            "</hostdev></devices>" },
  { "teaming partner (hostdev)", ESCAPED, "ua-net0", NULL,
    HEAD PC "<devices><interface type='user'>" MAC1 "<model type='virtio'/>"
            "<teaming type='persistent'/><alias name='@V@'/></interface>"
            "<hostdev mode='subsystem' type='pci'><source>"
            "<address domain='0' bus='1' slot='0' function='0'/></source>"
            "<teaming type='transient' persistent='@V@'/></hostdev></devices>" },
  { "serial file path", ESCAPED, "/tmp/serial.log", "/tmp/" HOSTILE,
    HEAD PC "<devices><serial type='file'><source path='@V@'/></serial></devices>" },
  { "serial log file", ESCAPED, "/tmp/serial.log", "/tmp/" HOSTILE,
    HEAD PC "<devices><serial type='file'><source path='/tmp/s'/><log file='@V@'/></serial>"
            "</devices>" },
  { "serial unix path", ESCAPED, "/tmp/serial.sock", "/tmp/" HOSTILE,
    HEAD PC "<devices><serial type='unix'><source mode='bind' path='@V@'/></serial></devices>" },
  { "console file path", ESCAPED, "/tmp/console.log", "/tmp/" HOSTILE,
    HEAD PC "<devices><console type='file'><source path='@V@'/><target type='virtio'/></console>"
            "</devices>" },
  { "channel unix path", ESCAPED, "/tmp/agent.sock", "/tmp/" HOSTILE,
    HEAD PC "<devices><channel type='unix'><source mode='bind' path='@V@'/>"
            "<target type='virtio' name='org.qemu.guest_agent.0'/></channel></devices>" },
  { "channel target name", ESCAPED, "org.qemu.guest_agent.0", NULL,
    HEAD PC
    "<devices><channel type='unix'><target type='virtio' name='@V@'/></channel></devices>" },
  { "input USB port", ESCAPED, "1", NULL,
    HEAD PC "<devices><input type='tablet' bus='usb'><address type='usb' bus='0' port='@V@'/>"
            "</input></devices>" },
  { "redirdev USB port", ESCAPED, "1", NULL,
    HEAD PC "<devices><graphics type='spice'/><redirdev bus='usb' type='spicevmc'>"
            "<address type='usb' bus='0' port='@V@'/></redirdev></devices>" },
  { "USB controller model", REFUSED, "ich9-uhci1", "ich9-uhci" HOSTILE,
    HEAD PC "<devices><controller type='usb' index='0' model='ich9-ehci1'/>"
            "<controller type='usb' index='0' model='@V@'/></devices>",
    "ich9-usb-uhci1" },
  { "vhostuser socket path", ESCAPED, "/tmp/vu.sock", "/tmp/" HOSTILE,
    HEAD PC "<devices><interface type='vhostuser'>" MAC1 "<source type='unix' path='@V@' "
            "mode='client'/><model type='virtio'/></interface></devices>" },
  { "mcast address", REFUSED, "230.0.0.1", NULL,
    HEAD PC "<devices><interface type='mcast'>" MAC1 "<source address='@V@' port='5558'/>"
            "</interface></devices>" },
  { "udp local address", REFUSED, "127.0.0.1", NULL,
    HEAD PC "<devices><interface type='udp'>" MAC1 "<source address='127.0.0.1' port='5558'>"
            "<local address='@V@' port='5559'/></source></interface></devices>" },
  { "ethernet target dev", REFUSED, NULL, NULL,
    HEAD PC "<devices><interface type='ethernet'>" MAC1 "<target dev='@V@'/></interface>"
            "</devices>" },
  { "user network address", REFUSED, "10.0.2.0", NULL,
    HEAD PC "<devices><interface type='user'>" MAC1 "<ip address='@V@' prefix='24'/>"
            "</interface></devices>" },
  { "vdpa device", REFUSED, "/dev/vhost-vdpa-0", "/dev/vhost-vdpa-" HOSTILE,
    HEAD PC "<devices><interface type='vdpa'>" MAC1 "<source dev='@V@'/></interface>"
            "</devices>" },
  { "input passthrough evdev", REFUSED, "/dev/input/event3", "/dev/input/" HOSTILE,
    HEAD PC "<devices><input type='passthrough' bus='virtio'><source evdev='@V@'/></input>"
            "</devices>" },
  { "input evdev dev", REFUSED, "/dev/input/event3", "/dev/input/" HOSTILE,
    HEAD PC "<devices><input type='evdev'><source dev='@V@'/></input></devices>" },
  { "smartcard certificate", ESCAPED, "cert1", NULL,
    HEAD PC "<devices><smartcard mode='host-certificates'><certificate>@V@</certificate>"
            "<certificate>b</certificate><certificate>c</certificate></smartcard></devices>" },
  { "smartcard database", ESCAPED, "/etc/pki/nssdb", "/tmp/" HOSTILE,
    HEAD PC "<devices><smartcard mode='host-certificates'><certificate>a</certificate>"
            "<certificate>b</certificate><certificate>c</certificate>"
            "<database>@V@</database></smartcard></devices>" },
  { "smartcard unix path", ESCAPED, "/tmp/card.sock", "/tmp/" HOSTILE,
    HEAD PC "<devices><smartcard mode='passthrough' type='unix'>"
            "<source mode='bind' path='@V@'/></smartcard></devices>" },
  { "redirdev tcp host", ESCAPED, "localhost", NULL,
    HEAD PC "<devices><redirdev bus='usb' type='tcp'><source mode='connect' host='@V@' "
            "service='4000'/></redirdev></devices>" },
  { "redirdev tcp service", REFUSED, "4000", NULL,
    HEAD PC "<devices><redirdev bus='usb' type='tcp'><source mode='connect' host='localhost' "
            "service='@V@'/></redirdev></devices>" },
  { "redirfilter vendor", REFUSED, "0x1234", NULL,
    HEAD PC "<devices><graphics type='spice'/><redirdev bus='usb' type='spicevmc'/>"
            "<redirfilter><usbdev vendor='@V@' allow='yes'/></redirfilter></devices>" },
  { "redirfilter version", REFUSED, "2.00", NULL,
    HEAD PC "<devices><graphics type='spice'/><redirdev bus='usb' type='spicevmc'/>"
            "<redirfilter><usbdev version='@V@' allow='yes'/></redirfilter></devices>",
    "0x0200" },
  { "hub USB port", ESCAPED, "1", NULL,
    HEAD PC "<devices><hub type='usb'><address type='usb' bus='0' port='@V@'/></hub></devices>" },
  { "RNG egd host", ESCAPED, "localhost", NULL,
    HEAD PC "<devices><rng model='virtio'><backend model='egd' type='tcp'>"
            "<source mode='connect' host='@V@' service='708'/></backend></rng></devices>" },
  { "shmem name", REFUSED, "shmem0", NULL, HEAD PC "<devices><shmem name='@V@'/></devices>" },
  { "shmem server path", ESCAPED, "/tmp/shmem.sock", "/tmp/" HOSTILE,
    HEAD PC "<devices><shmem name='s'><model type='ivshmem-doorbell'/><server path='@V@'/>"
            "</shmem></devices>" },
  { "VNC listen", REFUSED, "127.0.0.1", NULL,
    HEAD PC "<devices><graphics type='vnc' listen='@V@'/></devices>" },
  { "VNC listen element", REFUSED, "127.0.0.1", NULL,
    HEAD PC "<devices><graphics type='vnc'><listen type='address' address='@V@'/></graphics>"
            "</devices>" },
  { "SPICE listen", REFUSED, "127.0.0.1", NULL,
    HEAD PC "<devices><graphics type='spice' autoport='yes' listen='@V@'/></devices>" },
  { "SPICE image compression", SCHEMA, "off", NULL,
    HEAD PC "<devices><graphics type='spice'><image compression='@V@'/></graphics></devices>" },
  { "sound model", SCHEMA, "ich9", NULL, HEAD PC "<devices><sound model='@V@'/></devices>" },
  { "RNG backend", REFUSED, "/dev/urandom", "/dev/" HOSTILE,
    HEAD PC "<devices><rng model='virtio'><backend model='random'>@V@</backend></rng></devices>" },
  { "watchdog action", SCHEMA, "reset", NULL,
    HEAD PC "<devices><watchdog model='i6300esb' action='@V@'/></devices>" },
};

/* Options that take no value. */
static const char *const flags[] = { "-S", "-no-user-config", "-nodefaults", "-no-shutdown", NULL };
/* Options whose value is one string QEMU does not split. */
static const char *const whole[] = { "-kernel", "-initrd", "-append", "-uuid", NULL };

/* QemuOpts: split on single commas, ",," is a literal comma. Each element is
 * key=value, or a bare value (the implied first key). */
static GPtrArray *
split_opts (const char *arg)
{
  GPtrArray *parts = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GString) part = g_string_new (NULL);

  for (const char *p = arg;; p++)
    {
      if (*p == ',' && p[1] == ',')
        {
          g_string_append_c (part, ',');
          p++;
        }
      else if (*p == ',' || !*p)
        {
          g_ptr_array_add (parts, g_strdup (part->str));
          g_string_truncate (part, 0);
          if (!*p)
            break;
        }
      else
        g_string_append_c (part, *p);
    }
  return parts;
}

/* -cpu is split on every comma (x86_cpu_parse_featurestr uses strtok). */
static GPtrArray *
split_cpu (const char *arg)
{
  GPtrArray *parts = g_ptr_array_new_with_free_func (g_free);
  g_auto (GStrv) pieces = g_strsplit (arg, ",", -1);

  for (guint i = 0; pieces[i]; i++)
    if (*pieces[i])
      g_ptr_array_add (parts, g_strdup (pieces[i]));
  return parts;
}

static gboolean
injected (const char *part)
{
  const char *eq = strchr (part, '=');
  g_autofree char *key = eq ? g_strndup (part, eq - part) : g_strdup (part);
  const char *value = eq ? eq + 1 : "";

  /* ",romfile=" with an empty value is the builder's own (a failover NIC). */
  return (g_str_equal (key, "romfile") && *value) || g_str_equal (key, "pcap")
         || (g_str_equal (key, "id") && g_str_equal (value, "evil"));
}

static gboolean
blockdev_has (const char *arg, const char *value)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  JsonObject *object;

  g_assert_true (json_parser_load_from_data (parser, arg, -1, NULL));
  object = json_node_get_object (json_parser_get_root (parser));
  return json_object_has_member (object, "filename")
         && g_str_equal (json_object_get_string_member (object, "filename"), value);
}

/* Reads the command line as QEMU does: no option of the caller's, and
 * @value whole somewhere. */
static void
check_argv (const char *field, VbQemuCommand *command, const char *value)
{
  gboolean found = FALSE;

  for (guint i = 1; i < command->argv->len && command->argv->pdata[i]; i++)
    {
      const char *option = command->argv->pdata[i];
      const char *arg = command->argv->pdata[i + 1];
      g_autoptr (GPtrArray) parts = NULL;

      g_assert_true (option[0] == '-');
      if (g_strv_contains (flags, option))
        continue;
      g_assert_nonnull (arg);
      i++;
      if (g_strv_contains (whole, option))
        {
          found |= g_str_equal (arg, value);
          continue;
        }
      if (g_str_equal (option, "-blockdev"))
        {
          found |= blockdev_has (arg, value);
          continue;
        }
      parts = g_str_equal (option, "-cpu") ? split_cpu (arg) : split_opts (arg);
      for (guint j = 0; j < parts->len; j++)
        {
          const char *part = parts->pdata[j];

          if (injected (part))
            g_error ("%s: '%s %s' has an option of the caller's: %s", field, option, arg, part);
          found |= strstr (part, value) != NULL;
        }
    }
  if (!found)
    g_error ("%s: '%s' is not on the command line whole", field, value);
}

static char *
domain_xml (const Case *c, const char *value)
{
  g_auto (GStrv) pieces = g_strsplit (c->xml, "@V@", -1);
  g_autofree char *inside = g_strjoinv (value, pieces);

  return g_strdup_printf ("<domain type='qemu'>%s</domain>", inside);
}

static VbQemuCommand *
build (const char *xml, GError **error)
{
  VbQemuCommandContext context = {
    .qemu_binary = "qemu-system-x86_64",
    .domain_dir = "/run/virtbus/qemu/test",
    .nvram_dir = "/var/lib/virtbus/nvram",
    .spice = TRUE,
    .virtio_net_failover = TRUE,
    .dry_run = TRUE,
  };
  g_autoptr (VbDomainDef) def = vb_domain_def_parse (xml, error);

  return def ? vb_qemu_command_build (def, &context, error) : NULL;
}

static void
test_field (gconstpointer data)
{
  const Case *c = data;
  const char *hostile = c->hostile ? c->hostile : HOSTILE;
  g_autofree char *hostile_xml = domain_xml (c, hostile);
  g_autoptr (GError) error = NULL;
  g_autoptr (VbQemuCommand) command = NULL;

  /* The field does reach the command line: with a harmless value it builds. */
  if (c->benign)
    {
      g_autofree char *benign_xml = domain_xml (c, c->benign);
      g_autoptr (VbQemuCommand) benign = build (benign_xml, &error);

      g_assert_no_error (error);
      check_argv (c->field, benign, c->seen ? c->seen : c->benign);
    }

  command = build (hostile_xml, &error);
  switch (c->expect)
    {
    case ESCAPED:
      g_assert_no_error (error);
      check_argv (c->field, command, hostile);
      break;
    case SCHEMA:
      g_assert_error (error, VB_ERROR, VB_ERROR_INVALID_XML);
      break;
    case REFUSED:
      if (command)
        check_argv (c->field, command, hostile); /* says what got through */
      g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
      break;
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/qemu-opts/%s", cases[i].field);

      g_strdelimit (path + strlen ("/qemu-opts/"), "/ ()", '-');
      g_test_add_data_func (path, &cases[i], test_field);
    }
  return g_test_run ();
}
