#include "domain-host-paths.h"

#include <string.h>

#include "xml-schema.h"

void
vb_host_path_free (VbHostPath *path)
{
  if (!path)
    return;
  g_free (path->path);
  g_free (path);
}

static void
note (GPtrArray *found, char *value, VbHostPathRole role)
{
  VbHostPath *path;

  if (!value || !*value)
    {
      g_free (value);
      return;
    }
  path = g_new0 (VbHostPath, 1);
  path->path = value;
  path->role = role;
  g_ptr_array_add (found, path);
}

static gboolean
named (xmlNode *node, const char *name)
{
  return node->type == XML_ELEMENT_NODE && node->ns == NULL
         && g_str_equal ((const char *) node->name, name);
}

/* The unix:path= and noncefile= values of a <graphics type='dbus'>'s
 * address=, unescaped as D-Bus addresses escape them (%XX). */
static void
note_dbus_address (GPtrArray *found, xmlNode *graphics)
{
  g_autofree char *address = vb_xml_attr (graphics, "address");
  g_auto (GStrv) entries = address ? g_strsplit (address, ";", -1) : NULL;

  for (guint i = 0; entries && entries[i]; i++)
    {
      const char *colon = strchr (entries[i], ':');
      g_auto (GStrv) keys = colon ? g_strsplit (colon + 1, ",", -1) : NULL;

      for (guint k = 0; keys && keys[k]; k++)
        if (g_str_has_prefix (keys[k], "path=") || g_str_has_prefix (keys[k], "noncefile="))
          {
            const char *value = strchr (keys[k], '=') + 1;
            char *unescaped = g_uri_unescape_string (value, NULL);

            note (found, unescaped ? unescaped : g_strdup (value), VB_HOST_PATH_FILE);
          }
    }
}

/* Attributes that name a host path on any element below a device. */
static const char *const path_attributes[] = { "file", "dev", "dir", "path", "evdev", NULL };

/* @node and everything below it: a device (or <devices> itself). Walks the
 * whole subtree rather than the elements of each device type, so a type the
 * schema learns later is covered the day it lands. */
static void
walk_device (GPtrArray *found, xmlNode *node, xmlNode *parent)
{
  if (named (node, "source") || named (node, "log") || named (node, "rom")
      || named (node, "server"))
    {
      for (guint i = 0; path_attributes[i]; i++)
        {
          /* <interface><target dev='vnet0'> and <disk><target dev='vda'>
           * are names, not paths: only these three elements carry paths. */
          if (named (node, "log") && !g_str_equal (path_attributes[i], "file"))
            continue;
          note (found, vb_xml_attr (node, path_attributes[i]), VB_HOST_PATH_FILE);
        }
      /* An external virtiofsd's socket, which QEMU connects to. */
      if (named (node, "source") && parent && named (parent, "filesystem"))
        note (found, vb_xml_attr (node, "socket"), VB_HOST_PATH_FILE);
    }
  /* A network disk's unix socket (<host socket>), which QEMU connects to,
   * and the Ceph configuration QEMU reads (<config file>). */
  else if (named (node, "host") && parent && named (parent, "source"))
    note (found, vb_xml_attr (node, "socket"), VB_HOST_PATH_FILE);
  else if (named (node, "config") && parent && named (parent, "source"))
    note (found, vb_xml_attr (node, "file"), VB_HOST_PATH_FILE);
  /* What nbdkit reads for an ssh disk as QEMU's user: the known hosts, the
   * private key, the agent's socket (qemu-command-disk-nbdkit.c). */
  else if (named (node, "knownHosts") && parent && named (parent, "source"))
    note (found, vb_xml_attr (node, "path"), VB_HOST_PATH_FILE);
  else if (named (node, "identity") && parent && named (parent, "source"))
    {
      note (found, vb_xml_attr (node, "keyfile"), VB_HOST_PATH_FILE);
      note (found, vb_xml_attr (node, "agentsock"), VB_HOST_PATH_FILE);
    }
  else if (named (node, "memory") && parent && named (parent, "domainsnapshot"))
    note (found, vb_xml_attr (node, "file"), VB_HOST_PATH_FILE);
  else if (named (node, "database") && parent && named (parent, "smartcard"))
    note (found, vb_xml_text (node), VB_HOST_PATH_FILE);
  else if (named (node, "emulator"))
    note (found, vb_xml_text (node), VB_HOST_PATH_EMULATOR);
  else if (named (node, "backend") && parent && named (parent, "rng"))
    note (found, vb_xml_text (node), VB_HOST_PATH_ENTROPY);
  /* An NVDIMM's file. */
  else if (named (node, "path") && parent && named (parent, "source"))
    note (found, vb_xml_text (node), VB_HOST_PATH_FILE);
  else if (named (node, "path") && parent && named (parent, "pstore"))
    note (found, vb_xml_text (node), VB_HOST_PATH_FILE);
  else if (named (node, "device") && parent && named (parent, "backend"))
    note (found, vb_xml_attr (node, "path"), VB_HOST_PATH_FILE); /* a TPM passed through */
  /* A VNC server's unix socket: QEMU replaces what is at that path. */
  else if (named (node, "listen"))
    note (found, vb_xml_attr (node, "socket"), VB_HOST_PATH_FILE);
  /* The file an audio back end writes, the sound devices it opens. */
  else if (named (node, "audio"))
    note (found, vb_xml_attr (node, "path"), VB_HOST_PATH_FILE);
  else if ((named (node, "input") || named (node, "output")) && parent && named (parent, "audio"))
    note (found, vb_xml_attr (node, "dev"), VB_HOST_PATH_FILE);
  /* ivshmem-plain's memory: a file of /dev/shm another guest may share
   * (with a <server>, the server hands out the memory). */
  else if (named (node, "shmem") && !vb_xml_child (node, "server"))
    {
      g_autofree char *name = vb_xml_attr (node, "name");

      if (name && *name)
        note (found, g_strdup_printf ("/dev/shm/%s", name), VB_HOST_PATH_FILE);
    }
  /* What the driver opens when the XML names nothing: a passed-through
   * TPM's /dev/tpm0, a smartcard's host certificates (the host's NSS
   * database) or its readers. */
  else if (named (node, "backend") && parent && named (parent, "tpm")
           && vb_xml_attr_is (node, "type", "passthrough") && !vb_xml_child (node, "device"))
    note (found, g_strdup ("/dev/tpm0"), VB_HOST_PATH_FILE);
  else if (named (node, "smartcard") && vb_xml_attr_is (node, "mode", "host-certificates")
           && !vb_xml_child (node, "database"))
    note (found, g_strdup ("/etc/pki/nssdb"), VB_HOST_PATH_FILE);
  else if (named (node, "smartcard") && vb_xml_attr_is (node, "mode", "host"))
    note (found, g_strdup ("/dev/bus/usb"), VB_HOST_PATH_FILE);
  /* The tun and vhost-net devices the service opens for a tap (checked to
   * be those devices when it opens them, qemu-tap.c). */
  else if (named (node, "backend") && parent && named (parent, "interface"))
    {
      note (found, vb_xml_attr (node, "tap"), VB_HOST_PATH_FILE);
      note (found, vb_xml_attr (node, "vhost"), VB_HOST_PATH_FILE);
    }
  /* A host SCSI device passed through (its /dev/sg node, found at Start):
   * named by its place in sysfs. */
  else if (named (node, "hostdev") && vb_xml_attr_is (node, "type", "scsi")
           && !vb_xml_attr (vb_xml_child (node, "source"), "protocol"))
    {
      xmlNode *source = vb_xml_child (node, "source");
      xmlNode *address = vb_xml_child (source, "address");
      g_autofree char *adapter = vb_xml_attr (vb_xml_child (source, "adapter"), "name");

      note (found,
            g_strdup_printf ("/sys/bus/scsi/devices/%s:%u:%u:%u",
                             adapter && g_str_has_prefix (adapter, "scsi_host")
                               ? adapter + strlen ("scsi_host")
                               : "?",
                             vb_xml_attr_uint (address, "bus", 0),
                             vb_xml_attr_uint (address, "target", 0),
                             vb_xml_attr_uint (address, "unit", 0)),
            VB_HOST_PATH_FILE);
    }
  /* VNC's older <graphics socket='P'>, which the parser turns into a
   * <listen type='socket'> after this check (domain-old-spellings.c); a
   * D-Bus display on the bus of its address= (qemu-command-dbus.c): the
   * sockets QEMU connects to and the nonce files it reads. */
  else if (named (node, "graphics"))
    {
      note (found, vb_xml_attr (node, "socket"), VB_HOST_PATH_FILE);
      if (vb_xml_attr_is (node, "type", "dbus"))
        note_dbus_address (found, node);
    }
  /* A tap the service does not make (managed='no') is a host device the
   * service attaches the guest to. */
  else if (named (node, "interface") && vb_xml_attr_is (vb_xml_child (node, "target"), "managed", "no"))
    note (found, g_strdup ("/dev/net/tun"), VB_HOST_PATH_FILE);
  for (xmlNode *child = node->children; child; child = child->next)
    if (child->type == XML_ELEMENT_NODE)
      walk_device (found, child, node);
}

static void
walk_os (GPtrArray *found, xmlNode *os)
{
  for (xmlNode *child = os->children; child; child = child->next)
    {
      if (named (child, "kernel") || named (child, "initrd") || named (child, "dtb"))
        note (found, vb_xml_text (child), VB_HOST_PATH_FILE);
      else if (named (child, "loader"))
        note (found, vb_xml_text (child), VB_HOST_PATH_FIRMWARE);
      else if (named (child, "nvram"))
        {
          /* QEMU writes the NVRAM file; the template is only copied from. */
          note (found, vb_xml_attr (child, "template"), VB_HOST_PATH_FIRMWARE);
          note (found, vb_xml_text (child), VB_HOST_PATH_FILE);
          for (xmlNode *source = child->children; source; source = source->next)
            if (named (source, "source"))
              note (found, vb_xml_attr (source, "file"), VB_HOST_PATH_FILE);
        }
      else if (named (child, "acpi"))
        {
          /* Extra ACPI tables QEMU reads. */
          for (xmlNode *table = child->children; table; table = table->next)
            if (named (table, "table"))
              note (found, vb_xml_text (table), VB_HOST_PATH_FILE);
        }
    }
}

GPtrArray *
vb_domain_host_paths (const char *xml, GError **error)
{
  g_autoptr (xmlDoc) doc = vb_xml_parse (xml, NULL, error);

  return doc ? vb_domain_host_paths_of_doc (doc) : NULL;
}

GPtrArray *
vb_domain_host_paths_of_doc (xmlDoc *doc)
{
  g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func ((GDestroyNotify) vb_host_path_free);
  xmlNode *root;

  root = xmlDocGetRootElement (doc);
  if (!named (root, "domain"))
    {
      walk_device (found, root, NULL);
      return g_steal_pointer (&found);
    }
  for (xmlNode *child = root->children; child; child = child->next)
    {
      if (named (child, "os"))
        walk_os (found, child);
      else if (named (child, "devices"))
        walk_device (found, child, NULL);
      else if (named (child, "blkiotune"))
        {
          /* Limits on a host block device. */
          for (xmlNode *device = child->children; device; device = device->next)
            for (xmlNode *path = named (device, "device") ? device->children : NULL; path;
                 path = path->next)
              if (named (path, "path"))
                note (found, vb_xml_text (path), VB_HOST_PATH_FILE);
        }
      else if (named (child, "cputune"))
        {
          /* A realtime scheduler for the guest's threads can take the
           * host's CPUs from everything else: it asks what host files ask,
           * through the host's own realtime budget. */
          for (xmlNode *sched = child->children; sched; sched = sched->next)
            if (sched->type == XML_ELEMENT_NODE && g_str_has_suffix ((const char *) sched->name, "sched")
                && (vb_xml_attr_is (sched, "scheduler", "fifo") || vb_xml_attr_is (sched, "scheduler", "rr")))
              {
                note (found, g_strdup ("/proc/sys/kernel/sched_rt_runtime_us"), VB_HOST_PATH_FILE);
                break;
              }
        }
      else if (named (child, "launchSecurity"))
        {
          /* A TDX guest's quote generation service, which QEMU connects to. */
          for (xmlNode *qgs = child->children; qgs; qgs = qgs->next)
            if (named (qgs, "quoteGenerationService"))
              note (found, vb_xml_attr (qgs, "path"), VB_HOST_PATH_FILE);
        }
      else if (named (child, "sysinfo"))
        {
          /* fw_cfg entries QEMU reads from a file. */
          for (xmlNode *entry = child->children; entry; entry = entry->next)
            if (named (entry, "entry"))
              note (found, vb_xml_attr (entry, "file"), VB_HOST_PATH_FILE);
        }
    }
  return g_steal_pointer (&found);
}
