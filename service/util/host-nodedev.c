/* Node devices: see host-nodedev.h. The listing is the only way from a
 * name to a directory: every lookup lists the devices again and takes the
 * directory the listing found, so a caller's name never becomes a path. */
#include "host-nodedev.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vb-error.h"

typedef struct {
  char *name; /* libvirt's: pci_0000_00_1f_2 */
  const char *capability;
  char *dir;     /* the device's resolved sysfs directory, under the root */
  char *path;    /* the same as the host names it (the root taken off) */
  char *parent;  /* libvirt's name of the nearest listed ancestor */
  char *sysname; /* the kernel's name: 0000:00:1f.2, 1-1, eth0 */
} NodeDevice;

static void
node_device_free (NodeDevice *device)
{
  g_free (device->name);
  g_free (device->dir);
  g_free (device->path);
  g_free (device->parent);
  g_free (device->sysname);
  g_free (device);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (NodeDevice, node_device_free)

static const char *const capabilities[] = { "system", "pci", "usb_device", "net", NULL };

/* "pci_" + 0000:00:1f.2 with every character other than a letter or a
 * digit made '_', as libvirt names devices. */
static char *
device_name (const char *prefix, const char *sysname)
{
  char *name = g_strconcat (prefix, sysname, NULL);

  for (char *p = name + strlen (prefix); *p; p++)
    if (!g_ascii_isalnum (*p))
      *p = '_';
  return name;
}

static gboolean
is_pci_address (const char *name)
{
  return g_regex_match_simple ("^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7]$", name, 0, 0);
}

/* usb1 (a root hub) or 1-1, 1-1.2 (a device behind a port); not 1-1:1.0
 * (one of its interfaces, which libvirt lists apart and virtbus does not). */
static gboolean
is_usb_device (const char *name)
{
  return g_regex_match_simple ("^(usb[0-9]+|[0-9]+-[0-9]+(\\.[0-9]+)*)$", name, 0, 0);
}

/* The first line of @dir/@name, stripped, or NULL. */
static char *
read_attr (const char *dir, const char *name)
{
  g_autofree char *file = g_build_filename (dir, name, NULL);
  char *text = NULL;

  if (!g_file_get_contents (file, &text, NULL, NULL))
    return NULL;
  text[strcspn (text, "\n")] = '\0';
  g_strstrip (text);
  if (!g_utf8_validate (text, -1, NULL))
    {
      g_free (text);
      return NULL;
    }
  return text;
}

/* libvirt's name for the nearest ancestor of @dir that is a listed kind
 * of device; "computer" when none is. */
static char *
parent_name (const char *dir, const char *top)
{
  g_autofree char *at = g_path_get_dirname (dir);

  while (g_str_has_prefix (at, top) && strlen (at) > strlen (top))
    {
      g_autofree char *base = g_path_get_basename (at);
      char *up;

      if (is_pci_address (base))
        return device_name ("pci_", base);
      if (is_usb_device (base))
        return device_name ("usb_", base);
      up = g_path_get_dirname (at);
      g_free (at);
      at = up;
    }
  return g_strdup ("computer");
}

/* Adds the device whose sysfs link is @link, if it resolves inside
 * @real_root (the root, resolved). */
static void
add_device (GPtrArray *devices, const char *real_root, const char *link, const char *capability,
            const char *name, const char *sysname)
{
  g_autofree char *top = g_build_filename (real_root, "sys", "devices", NULL);
  char *real = realpath (link, NULL);
  NodeDevice *device;

  if (!real || !g_str_has_prefix (real, top) || real[strlen (top)] != '/')
    {
      free (real);
      return;
    }
  device = g_new0 (NodeDevice, 1);
  device->name = g_strdup (name);
  device->capability = capability;
  device->dir = g_strdup (real);
  /* As the host names it: the fake root of a test taken off. */
  device->path = g_strdup (g_str_equal (real_root, "/") ? real : real + strlen (real_root));
  device->parent = parent_name (real, top);
  device->sysname = g_strdup (sysname);
  free (real);
  g_ptr_array_add (devices, device);
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* Every entry of @root/@subdir, in name order. */
static GPtrArray *
sorted_entries (const char *root, const char *subdir)
{
  g_autofree char *dir = g_build_filename (root, subdir, NULL);
  g_autoptr (GDir) listing = g_dir_open (dir, 0, NULL);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while (listing && (name = g_dir_read_name (listing)))
    if (g_utf8_validate (name, -1, NULL))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  return names;
}

static int
compare_devices (gconstpointer a, gconstpointer b)
{
  const NodeDevice *x = *(NodeDevice *const *) a;
  const NodeDevice *y = *(NodeDevice *const *) b;

  return strcmp (x->name, y->name);
}

static GPtrArray *
list_devices (const char *root, const char *capability)
{
  GPtrArray *devices = g_ptr_array_new_with_free_func ((GDestroyNotify) node_device_free);
  gboolean all = !*capability;
  char *resolved = realpath (root, NULL);
  g_autofree char *real_root = g_strdup (resolved ? resolved : root);

  free (resolved);

  if (all || g_str_equal (capability, "system"))
    {
      NodeDevice *computer = g_new0 (NodeDevice, 1);

      computer->name = g_strdup ("computer");
      computer->capability = "system";
      computer->dir = g_build_filename (root, "sys", "class", "dmi", "id", NULL);
      computer->sysname = g_strdup ("computer");
      g_ptr_array_add (devices, computer);
    }
  if (all || g_str_equal (capability, "pci"))
    {
      g_autoptr (GPtrArray) names = sorted_entries (root, "sys/bus/pci/devices");

      for (guint i = 0; i < names->len; i++)
        if (is_pci_address (names->pdata[i]))
          {
            g_autofree char *link =
              g_build_filename (root, "sys/bus/pci/devices", names->pdata[i], NULL);
            g_autofree char *name = device_name ("pci_", names->pdata[i]);

            add_device (devices, real_root, link, "pci", name, names->pdata[i]);
          }
    }
  if (all || g_str_equal (capability, "usb_device"))
    {
      g_autoptr (GPtrArray) names = sorted_entries (root, "sys/bus/usb/devices");

      for (guint i = 0; i < names->len; i++)
        if (is_usb_device (names->pdata[i]))
          {
            g_autofree char *link =
              g_build_filename (root, "sys/bus/usb/devices", names->pdata[i], NULL);
            g_autofree char *name = device_name ("usb_", names->pdata[i]);

            add_device (devices, real_root, link, "usb_device", name, names->pdata[i]);
          }
    }
  if (all || g_str_equal (capability, "net"))
    {
      g_autoptr (GPtrArray) names = sorted_entries (root, "sys/class/net");

      for (guint i = 0; i < names->len; i++)
        {
          g_autofree char *link = g_build_filename (root, "sys/class/net", names->pdata[i], NULL);
          g_autofree char *mac = read_attr (link, "address");
          g_autofree char *sysname =
            g_strdup_printf ("%s_%s", (char *) names->pdata[i], mac ? mac : "");
          g_autofree char *name = device_name ("net_", sysname);

          add_device (devices, real_root, link, "net", name, names->pdata[i]);
        }
    }
  g_ptr_array_sort (devices, compare_devices);
  return devices;
}

GStrv
vb_host_nodedev_list (const char *root, const char *capability, GError **error)
{
  g_autoptr (GPtrArray) devices = NULL;
  GPtrArray *names;

  if (*capability && !g_strv_contains (capabilities, capability))
    {
      vb_error_refuse (error, VB_ERROR_INVALID_ARGUMENT,
                       "Unknown node device capability (expected system, pci, usb_device or net)");
      return NULL;
    }
  devices = list_devices (root, capability);
  names = g_ptr_array_new ();
  for (guint i = 0; i < devices->len; i++)
    g_ptr_array_add (names, g_strdup (((NodeDevice *) devices->pdata[i])->name));
  g_ptr_array_add (names, NULL);
  return (GStrv) g_ptr_array_free (names, FALSE);
}

/* ---- names from the ID databases ---- */

/* The name pci.ids or usb.ids gives @vendor (4 hex digits) or, with
 * @product, that vendor's product; NULL when not listed or not installed. */
static char *
ids_lookup (const char *root, const char *database, const char *vendor, const char *product)
{
  static const char *const dirs[] = { "usr/share/misc", "usr/share/hwdata" };
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  gboolean in_vendor = FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (dirs) && !text; i++)
    {
      g_autofree char *file = g_build_filename (root, dirs[i], database, NULL);

      if (!g_file_get_contents (file, &text, NULL, NULL))
        text = NULL;
    }
  if (!text)
    return NULL;
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      const char *line = lines[i];

      if (line[0] == '#' || !line[0])
        continue;
      if (line[0] != '\t')
        {
          /* A vendor line: "8086  Intel Corporation". */
          if (in_vendor)
            return NULL;
          if (g_ascii_strncasecmp (line, vendor, 4) == 0 && line[4] == ' ')
            {
              if (!product)
                return g_utf8_make_valid (g_strstrip ((char *) line + 5), -1);
              in_vendor = TRUE;
            }
          continue;
        }
      /* "\t1237  440FX ...", and "\t\t" for subsystems. */
      if (in_vendor && line[1] != '\t' && g_ascii_strncasecmp (line + 1, product, 4) == 0
          && line[5] == ' ')
        return g_utf8_make_valid (g_strstrip ((char *) line + 6), -1);
    }
  return NULL;
}

/* "0x8086" → "8086"; NULL unless it is 0x and four hex digits. */
static const char *
hex4 (const char *id)
{
  if (!id)
    return NULL;
  if (g_str_has_prefix (id, "0x"))
    id += 2;
  if (strlen (id) != 4 || !g_ascii_isxdigit (id[0]) || !g_ascii_isxdigit (id[1])
      || !g_ascii_isxdigit (id[2]) || !g_ascii_isxdigit (id[3]))
    return NULL;
  return id;
}

static void append_escaped (GString *xml, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
append_escaped (GString *xml, const char *format, ...)
{
  va_list args;
  g_autofree char *text = NULL;

  va_start (args, format);
  text = g_markup_vprintf_escaped (format, args);
  va_end (args);
  g_string_append (xml, text);
}

/* <product id=…>name</product> and <vendor id=…>name</vendor>, named by
 * the database, else by @product_name and @vendor_name (a USB device's own
 * strings). */
static void
append_ids (GString *xml, const char *root, const char *database, const char *vendor_id,
            const char *product_id, const char *vendor_name, const char *product_name)
{
  const char *vendor = hex4 (vendor_id);
  const char *product = hex4 (product_id);
  g_autofree char *vendor_known = vendor ? ids_lookup (root, database, vendor, NULL) : NULL;
  g_autofree char *product_known =
    vendor && product ? ids_lookup (root, database, vendor, product) : NULL;
  const char *vname = vendor_known ? vendor_known : vendor_name;
  const char *pname = product_known ? product_known : product_name;

  if (product)
    {
      if (pname && *pname)
        append_escaped (xml, "    <product id='0x%s'>%s</product>\n", product, pname);
      else
        append_escaped (xml, "    <product id='0x%s'/>\n", product);
    }
  if (vendor)
    {
      if (vname && *vname)
        append_escaped (xml, "    <vendor id='0x%s'>%s</vendor>\n", vendor, vname);
      else
        append_escaped (xml, "    <vendor id='0x%s'/>\n", vendor);
    }
}

static void
append_driver (GString *xml, const char *dir)
{
  g_autofree char *link = g_build_filename (dir, "driver", NULL);
  g_autofree char *target = g_file_read_link (link, NULL);
  g_autofree char *name = target ? g_path_get_basename (target) : NULL;

  if (name && g_utf8_validate (name, -1, NULL))
    append_escaped (xml, "  <driver>\n    <name>%s</name>\n  </driver>\n", name);
}

static void
append_pci (GString *xml, const char *root, const NodeDevice *device)
{
  g_autofree char *class = read_attr (device->dir, "class");
  g_autofree char *vendor = read_attr (device->dir, "vendor");
  g_autofree char *product = read_attr (device->dir, "device");
  g_autofree char *group_link = g_build_filename (device->dir, "iommu_group", NULL);
  g_autofree char *group = g_file_read_link (group_link, NULL);
  guint domain, bus, slot, function;

  /* Listed only when it is dddd:bb:ss.f, so this always parses. */
  if (sscanf (device->sysname, "%x:%x:%x.%x", &domain, &bus, &slot, &function) != 4)
    return;
  g_string_append (xml, "  <capability type='pci'>\n");
  if (class && g_regex_match_simple ("^0x[0-9a-f]{6}$", class, 0, 0))
    append_escaped (xml, "    <class>%s</class>\n", class);
  g_string_append_printf (xml,
                          "    <domain>%u</domain>\n    <bus>%u</bus>\n    <slot>%u</slot>\n"
                          "    <function>%u</function>\n",
                          domain, bus, slot, function);
  append_ids (xml, root, "pci.ids", vendor, product, NULL, NULL);
  if (group)
    {
      g_autofree char *number = g_path_get_basename (group);

      if (g_regex_match_simple ("^[0-9]+$", number, 0, 0))
        g_string_append_printf (xml, "    <iommuGroup number='%s'/>\n", number);
    }
  g_string_append (xml, "  </capability>\n");
}

static void
append_usb (GString *xml, const char *root, const NodeDevice *device)
{
  g_autofree char *busnum = read_attr (device->dir, "busnum");
  g_autofree char *devnum = read_attr (device->dir, "devnum");
  g_autofree char *vendor = read_attr (device->dir, "idVendor");
  g_autofree char *product = read_attr (device->dir, "idProduct");
  g_autofree char *manufacturer = read_attr (device->dir, "manufacturer");
  g_autofree char *product_name = read_attr (device->dir, "product");

  g_string_append (xml, "  <capability type='usb_device'>\n");
  g_string_append_printf (xml, "    <bus>%u</bus>\n    <device>%u</device>\n",
                          busnum ? (guint) g_ascii_strtoull (busnum, NULL, 10) : 0,
                          devnum ? (guint) g_ascii_strtoull (devnum, NULL, 10) : 0);
  append_ids (xml, root, "usb.ids", vendor, product, manufacturer, product_name);
  g_string_append (xml, "  </capability>\n");
}

static void
append_net (GString *xml, const NodeDevice *device)
{
  g_autofree char *mac = read_attr (device->dir, "address");
  g_autofree char *state = read_attr (device->dir, "operstate");
  g_autofree char *speed = read_attr (device->dir, "speed");
  gint64 mbits = speed ? g_ascii_strtoll (speed, NULL, 10) : -1;

  g_string_append (xml, "  <capability type='net'>\n");
  append_escaped (xml, "    <interface>%s</interface>\n", device->sysname);
  if (mac)
    append_escaped (xml, "    <address>%s</address>\n", mac);
  if (mbits > 0)
    append_escaped (xml, "    <link speed='%" G_GINT64_FORMAT "' state='%s'/>\n", mbits,
                    state ? state : "unknown");
  else
    append_escaped (xml, "    <link state='%s'/>\n", state ? state : "unknown");
  /* IEEE 802.3: libvirt's sub-capability of an Ethernet interface. */
  g_string_append (xml, "    <capability type='80203'/>\n  </capability>\n");
}

static void
append_system (GString *xml, const NodeDevice *device)
{
  g_autofree char *product = read_attr (device->dir, "product_name");
  g_autofree char *vendor = read_attr (device->dir, "sys_vendor");
  g_autofree char *version = read_attr (device->dir, "product_version");
  g_autofree char *bios_vendor = read_attr (device->dir, "bios_vendor");
  g_autofree char *bios_version = read_attr (device->dir, "bios_version");
  g_autofree char *bios_date = read_attr (device->dir, "bios_date");

  /* The serial number and UUID stay out: everyone may read this. */
  g_string_append (xml, "  <capability type='system'>\n");
  if (product)
    append_escaped (xml, "    <product>%s</product>\n", product);
  g_string_append (xml, "    <hardware>\n");
  if (vendor)
    append_escaped (xml, "      <vendor>%s</vendor>\n", vendor);
  if (version)
    append_escaped (xml, "      <version>%s</version>\n", version);
  g_string_append (xml, "    </hardware>\n    <firmware>\n");
  if (bios_vendor)
    append_escaped (xml, "      <vendor>%s</vendor>\n", bios_vendor);
  if (bios_version)
    append_escaped (xml, "      <version>%s</version>\n", bios_version);
  if (bios_date)
    append_escaped (xml, "      <release_date>%s</release_date>\n", bios_date);
  g_string_append (xml, "    </firmware>\n  </capability>\n");
}

char *
vb_host_nodedev_xml (const char *root, const char *name, GError **error)
{
  g_autoptr (GPtrArray) devices = list_devices (root, "");
  const NodeDevice *device = NULL;
  GString *xml;

  for (guint i = 0; i < devices->len && !device; i++)
    if (g_str_equal (((NodeDevice *) devices->pdata[i])->name, name))
      device = devices->pdata[i];
  if (!device)
    {
      vb_error_refuse (error, VB_ERROR_NOT_FOUND, "The host has no node device of this name");
      return NULL;
    }
  xml = g_string_new ("<device>\n");
  append_escaped (xml, "  <name>%s</name>\n", device->name);
  if (device->path)
    append_escaped (xml, "  <path>%s</path>\n", device->path);
  if (device->parent)
    append_escaped (xml, "  <parent>%s</parent>\n", device->parent);
  if (!g_str_equal (device->capability, "system"))
    append_driver (xml, device->dir);
  if (g_str_equal (device->capability, "pci"))
    append_pci (xml, root, device);
  else if (g_str_equal (device->capability, "usb_device"))
    append_usb (xml, root, device);
  else if (g_str_equal (device->capability, "net"))
    append_net (xml, device);
  else
    append_system (xml, device);
  g_string_append (xml, "</device>\n");
  return g_string_free (xml, FALSE);
}
