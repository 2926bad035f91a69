/* The guest's platform on the command line: its clock and timers, the SMBIOS
 * tables and fw_cfg entries of <sysinfo>, <genid>, SeaBIOS's options of
 * <os><bios>, extra ACPI tables, and what <seclabel> asks of confinement. */
#include "qemu-command-private.h"

/* ---- clock ---- */

/* -rtc base= for offset='variable': the guest's clock starts @adjustment
 * seconds from the host's UTC or local time, as a fixed date (QEMU's form). */
static char *
variable_base (Builder *b, xmlNode *clock, GError **error)
{
  g_autofree char *text = vb_xml_attr (clock, "adjustment");
  gint64 adjustment = 0;
  gint64 now = b->context->now_unix ? b->context->now_unix : g_get_real_time () / G_USEC_PER_SEC;
  g_autoptr (GDateTime) when = NULL;
  char *end = NULL;

  if (text)
    {
      adjustment = g_ascii_strtoll (text, &end, 10);
      if (!*text || *end)
        {
          refuse (error, clock, "adjustment '%s' is not a number of seconds", text);
          return NULL;
        }
    }
  when = g_date_time_new_from_unix_utc (now + adjustment);
  /* basis='localtime': the adjustment is from the host's local time. */
  if (when && vb_xml_attr_is (clock, "basis", "localtime"))
    {
      g_autoptr (GDateTime) local = g_date_time_to_local (when);
      g_autoptr (GDateTime) shifted
        = g_date_time_add_seconds (when, (gdouble) g_date_time_get_utc_offset (local) / G_USEC_PER_SEC);

      g_date_time_unref (g_steal_pointer (&when));
      when = g_steal_pointer (&shifted);
    }
  if (!when)
    {
      refuse (error, clock, "adjustment '%s' puts the clock out of range", text);
      return NULL;
    }
  return g_date_time_format (when, "%Y-%m-%dT%H:%M:%S");
}

static gboolean
rtc_timer (Builder *b, xmlNode *timer, GString *rtc, GError **error)
{
  g_autofree char *track = vb_xml_attr (timer, "track");
  g_autofree char *policy = vb_xml_attr (timer, "tickpolicy");

  if (vb_xml_attr_is (timer, "present", "no"))
    return refuse (error, timer, "a PC always has its RTC");
  if (track)
    vb_qemu_opt (rtc, "clock", g_str_equal (track, "wall") ? "host"
                               : g_str_equal (track, "realtime") ? "rt"
                                                                 : "vm");
  if (g_strcmp0 (policy, "catchup") == 0)
    g_string_append (rtc, ",driftfix=slew");
  else if (policy && !g_str_equal (policy, "delay"))
    return refuse (error, timer, "the RTC's tickpolicy is delay or catchup, not '%s'", policy);
  return TRUE;
}

static gboolean
pit_timer (Builder *b, xmlNode *timer, GError **error)
{
  g_autofree char *policy = vb_xml_attr (timer, "tickpolicy");

  if (vb_xml_attr_is (timer, "present", "no"))
    return TRUE; /* -machine pit=off: build_machine_timers() */
  /* delay is what QEMU's PIT does by itself; the others are the in-kernel PIT's. */
  if (!policy || g_str_equal (policy, "delay"))
    return TRUE;
  if (!b->context->kvm)
    return refuse (error, timer, "tickpolicy '%s' is KVM's in-kernel PIT's, and this domain runs "
                                 "under TCG (QEMU's own PIT always delays)", policy);
  if (g_str_equal (policy, "merge"))
    return refuse (error, timer, "tickpolicy 'merge' is not one QEMU has for the PIT");
  add (b, "-global");
  addf (b, "kvm-pit.lost_tick_policy=%s", g_str_equal (policy, "catchup") ? "reinject" : "discard");
  return TRUE;
}

#define ZONEINFO "/usr/share/zoneinfo"

/* offset='timezone': QEMU's local time is the zone's, from TZ in its
 * environment, and its RTC starts at it (libvirt's way). The name reaches
 * the C library, which reads TZ=":path" or a POSIX rule ("EST5EDT,M3.2.0")
 * as more than a name: only a name of the host's time zone database is
 * taken, path components of letters, digits and "_+-" (no "..", no leading
 * '/'), naming a file, not a directory, under ZONEINFO. */
static gboolean
clock_timezone (Builder *b, xmlNode *clock, GString *rtc, GError **error)
{
  g_autofree char *zone = vb_xml_attr (clock, "timezone");
  g_autofree char *path = NULL;
  g_autofree char *as_dir = NULL;
  gboolean ok;

  if (!zone)
    return refuse (error, clock, "offset='timezone' needs timezone= (a name such as Europe/Paris)");
  ok = *zone && strlen (zone) <= 64 && g_ascii_isalpha (zone[0]);
  for (const char *p = zone; ok && *p; p++)
    ok =
      g_ascii_isalnum (*p) || strchr ("_+-", *p) || (*p == '/' && p[1] && g_ascii_isalnum (p[1]));
  if (!ok)
    return refuse (error, clock,
                   "timezone '%s' is not a time zone name (letters, digits and '_+-' between "
                   "'/', as Europe/Paris)",
                   zone);
  path = g_build_filename (ZONEINFO, zone, NULL);
  /* A directory ("Europe") is no zone; "DIR/" exists only for one. */
  as_dir = g_strconcat (path, "/", NULL);
  if (!host_has (b->context, path) || (b->context->path_exists && host_has (b->context, as_dir)))
    return refuse (error, clock, "timezone '%s' is not one of this host's (%s)", zone, ZONEINFO);
  g_ptr_array_add (b->command->env, g_strconcat ("TZ=", zone, NULL));
  g_string_append (rtc, "base=localtime");
  return TRUE;
}

gboolean
vb_qemu_build_clock (Builder *b, GError **error)
{
  xmlNode *clock = vb_xml_child (b->root, "clock");
  g_autofree char *offset = clock ? vb_xml_attr (clock, "offset") : NULL;
  g_autoptr (GString) rtc = g_string_new (NULL);

  if (xmlHasProp (clock, BAD_CAST "timezone") && g_strcmp0 (offset, "timezone") != 0)
    return refuse (error, clock, "timezone= is for offset='timezone'");
  if (!offset || g_str_equal (offset, "utc"))
    g_string_append (rtc, "base=utc");
  else if (g_str_equal (offset, "localtime"))
    g_string_append (rtc, "base=localtime");
  else if (g_str_equal (offset, "absolute"))
    {
      /* The guest's clock starts at the given moment at every start. */
      g_autofree char *text = vb_xml_attr (clock, "start");
      guint64 seconds = 0;
      g_autoptr (GDateTime) start = NULL;
      g_autofree char *base = NULL;

      /* Up to 9999-12-31T23:59:59, the last moment QEMU's date format has. */
      if (!text || !vb_xml_parse_unsigned (text, 10, G_GUINT64_CONSTANT (253402300799), &seconds))
        return refuse (error, clock, "start must be seconds since 1970, up to 253402300799");
      start = g_date_time_new_from_unix_utc ((gint64) seconds);
      base = start ? g_date_time_format (start, "%Y-%m-%dT%H:%M:%S") : NULL;
      if (!base)
        return refuse (error, clock, "start is not a time QEMU can take");
      g_string_append_printf (rtc, "base=%s", base);
    }
  else if (g_str_equal (offset, "variable"))
    {
      g_autofree char *base = variable_base (b, clock, error);

      if (!base)
        return FALSE;
      g_string_append_printf (rtc, "base=%s", base);
    }
  else if (g_str_equal (offset, "timezone"))
    {
      if (!clock_timezone (b, clock, rtc, error))
        return FALSE;
    }
  else
    return refuse (error, clock,
                   "clock offset '%s' is not supported (use utc, localtime, timezone, variable or "
                   "absolute)",
                   offset);
  for (xmlNode *timer = vb_xml_child (clock, "timer"); timer; timer = vb_xml_next (timer, "timer"))
    {
      g_autofree char *name = vb_xml_attr (timer, "name");

      if (vb_xml_child (timer, "catchup"))
        return refuse (error, timer, "<catchup> thresholds are not something QEMU has");
      if (g_str_equal (name, "rtc"))
        {
          if (!rtc_timer (b, timer, rtc, error))
            return FALSE;
        }
      else if (g_str_equal (name, "pit"))
        {
          if (!pit_timer (b, timer, error))
            return FALSE;
        }
      else if (g_str_equal (name, "platform"))
        return refuse (error, timer, "the 'platform' timer is Xen's");
      else if ((vb_xml_attr (timer, "tickpolicy") || vb_xml_attr (timer, "track"))
               && !g_str_equal (name, "hpet"))
        return refuse (error, timer, "timer '%s' has no tick policy or track in QEMU", name);
      else if (g_str_equal (name, "hpet") && vb_xml_attr (timer, "tickpolicy"))
        return refuse (error, timer, "QEMU's HPET has no tick policy");
    }
  add2 (b, "-rtc", rtc->str);
  return TRUE;
}

/* Timers that are options of -machine (appended to @machine) or properties
 * of -cpu (to @cpu); either may be NULL, as each is built in its turn. */
gboolean
vb_qemu_clock_machine_and_cpu (Builder *b, GString *machine, GString *cpu, GError **error)
{
  xmlNode *clock = vb_xml_child (b->root, "clock");

  for (xmlNode *timer = vb_xml_child (clock, "timer"); timer; timer = vb_xml_next (timer, "timer"))
    {
      g_autofree char *name = vb_xml_attr (timer, "name");
      g_autofree char *present = vb_xml_attr (timer, "present");
      g_autofree char *frequency = vb_xml_attr (timer, "frequency");
      g_autofree char *mode = vb_xml_attr (timer, "mode");
      const char *on = g_strcmp0 (present, "no") == 0 ? "off" : "on";

      if (g_str_equal (name, "hpet") && present && machine)
        g_string_append_printf (machine, ",hpet=%s", on);
      else if (g_str_equal (name, "pit") && g_strcmp0 (present, "no") == 0 && machine)
        g_string_append (machine, ",pit=off");
      else if (!cpu)
        continue;
      else if (g_str_equal (name, "kvmclock") && present)
        g_string_append_printf (cpu, ",kvmclock=%s", on);
      else if (g_str_equal (name, "hypervclock") && present)
        g_string_append_printf (cpu, ",hv-time=%s", on);
      else if (g_str_equal (name, "tsc"))
        {
          if (mode && !g_str_equal (mode, "auto"))
            return refuse (error, timer, "TSC mode '%s' is not something QEMU has (only auto)",
                           mode);
          if (frequency)
            {
              guint64 hz = 0;

              if (!vb_xml_parse_unsigned (frequency, 10, G_MAXUINT64, &hz) || hz == 0)
                return refuse (error, timer, "frequency '%s' is not a number of Hz", frequency);
              g_string_append_printf (cpu, ",tsc-frequency=%" G_GUINT64_FORMAT, hz);
            }
          if (g_strcmp0 (present, "no") == 0)
            return refuse (error, timer, "an x86 CPU always has its TSC");
        }
    }
  return TRUE;
}

/* ---- SMBIOS and fw_cfg: <sysinfo>, <os><smbios> ---- */

/* SMBIOS structure types by the <sysinfo> element that fills them in, and
 * the names libvirt gives their entries, as -smbios calls them. */
static const struct {
  const char *element;
  int type;
  const char *const names[9][2];
} smbios_tables[] = {
  { "bios", 0, { { "vendor", "vendor" }, { "version", "version" }, { "date", "date" },
                 { "release", "release" } } },
  { "system", 1, { { "manufacturer", "manufacturer" }, { "product", "product" },
                   { "version", "version" }, { "serial", "serial" }, { "uuid", "uuid" },
                   { "sku", "sku" }, { "family", "family" } } },
  { "baseBoard", 2, { { "manufacturer", "manufacturer" }, { "product", "product" },
                      { "version", "version" }, { "serial", "serial" }, { "asset", "asset" },
                      { "location", "location" } } },
  { "chassis", 3, { { "manufacturer", "manufacturer" }, { "version", "version" },
                    { "serial", "serial" }, { "asset", "asset" }, { "sku", "sku" } } },
};

char *
vb_qemu_guest_uuid (Builder *b)
{
  xmlNode *hwuuid = vb_xml_child (b->root, "hwuuid");

  return hwuuid ? vb_xml_text (hwuuid) : g_strdup (b->def->uuid);
}

static gboolean
smbios_table (Builder *b, xmlNode *node, guint table, GError **error)
{
  g_autoptr (GString) opts = g_string_new (NULL);
  g_autofree char *guest_uuid = vb_qemu_guest_uuid (b);

  g_string_append_printf (opts, "type=%d", smbios_tables[table].type);
  for (xmlNode *entry = vb_xml_child (node, "entry"); entry; entry = vb_xml_next (entry, "entry"))
    {
      g_autofree char *name = vb_xml_attr (entry, "name");
      g_autofree char *value = vb_xml_text (entry);
      const char *key = NULL;

      for (guint i = 0; i < G_N_ELEMENTS (smbios_tables[table].names) && smbios_tables[table].names[i][0]; i++)
        if (g_str_equal (name, smbios_tables[table].names[i][0]))
          key = smbios_tables[table].names[i][1];
      if (!key)
        return refuse (error, entry, "<%s> has no entry '%s' in SMBIOS", node->name, name);
      /* The guest sees the domain's own UUID (or its <hwuuid>): another one
       * would contradict it. */
      if (g_str_equal (key, "uuid") && g_ascii_strcasecmp (value, guest_uuid) != 0)
        return refuse (error, entry,
                       "the SMBIOS UUID must be the one the guest sees, %s (the domain's "
                       "<hwuuid>, else its <uuid>)",
                       guest_uuid);
      vb_qemu_opt (opts, key, value);
    }
  add2 (b, "-smbios", opts->str);
  return TRUE;
}

static gboolean
smbios_oem_strings (Builder *b, xmlNode *node)
{
  g_autoptr (GString) opts = g_string_new ("type=11");

  for (xmlNode *entry = vb_xml_child (node, "entry"); entry; entry = vb_xml_next (entry, "entry"))
    {
      g_autofree char *value = vb_xml_text (entry);

      vb_qemu_opt (opts, "value", value);
    }
  add2 (b, "-smbios", opts->str);
  return TRUE;
}

/* fw_cfg names a guest reads: "opt/" and a name of its own, as QEMU wants. */
static gboolean
fw_cfg_entries (Builder *b, xmlNode *sysinfo, GError **error)
{
  for (xmlNode *entry = vb_xml_child (sysinfo, "entry"); entry; entry = vb_xml_next (entry, "entry"))
    {
      g_autofree char *name = vb_xml_attr (entry, "name");
      g_autofree char *file = vb_xml_attr (entry, "file");
      g_autofree char *value = vb_xml_text (entry);
      g_autoptr (GString) opts = g_string_new ("name=");

      if (!g_str_has_prefix (name, "opt/") || strlen (name) > 55 || strstr (name, ".."))
        return refuse (error, entry,
                       "fw_cfg name '%s' must start with 'opt/' and fit 55 characters", name);
      vb_qemu_opt_value (opts, name);
      if (file)
        {
          if (!b->context->dry_run && !host_has (b->context, file))
            return refuse (error, entry, "the file %s does not exist", file);
          vb_qemu_opt (opts, "file", file);
        }
      else
        vb_qemu_opt (opts, "string", value ? value : "");
      add2 (b, "-fw_cfg", opts->str);
    }
  return TRUE;
}

gboolean
vb_qemu_build_sysinfo (Builder *b, GError **error)
{
  xmlNode *smbios = vb_xml_child (vb_xml_child (b->root, "os"), "smbios");
  g_autofree char *mode = smbios ? vb_xml_attr (smbios, "mode") : NULL;
  gboolean use_smbios = g_strcmp0 (mode, "sysinfo") == 0;

  if (g_strcmp0 (mode, "host") == 0)
    return refuse (error, smbios, "mode 'host' would show the guest the host's own SMBIOS "
                                  "tables; use mode='sysinfo' with a <sysinfo type='smbios'>");
  for (xmlNode *sysinfo = vb_xml_child (b->root, "sysinfo"); sysinfo;
       sysinfo = vb_xml_next (sysinfo, "sysinfo"))
    {
      if (vb_xml_attr_is (sysinfo, "type", "fwcfg"))
        {
          if (!fw_cfg_entries (b, sysinfo, error))
            return FALSE;
          continue;
        }
      /* type='smbios' is used only with <os><smbios mode='sysinfo'>, as in libvirt. */
      if (!use_smbios)
        continue;
      for (xmlNode *child = sysinfo->children; child; child = child->next)
        {
          gboolean known = FALSE;

          if (child->type != XML_ELEMENT_NODE)
            continue;
          if (xmlStrEqual (child->name, (const xmlChar *) "oemStrings"))
            {
              smbios_oem_strings (b, child);
              continue;
            }
          for (guint i = 0; i < G_N_ELEMENTS (smbios_tables); i++)
            if (xmlStrEqual (child->name, (const xmlChar *) smbios_tables[i].element))
              {
                known = TRUE;
                if (!smbios_table (b, child, i, error))
                  return FALSE;
              }
          if (!known)
            return refuse (error, child, "SMBIOS has no such table here");
        }
    }
  if (use_smbios && !vb_xml_child (b->root, "sysinfo"))
    return refuse (error, smbios, "mode 'sysinfo' needs a <sysinfo type='smbios'>");
  return TRUE;
}

/* ---- <genid>, <os><bios> (its rebootTimeout is build_boot()'s), <os><acpi>, <seclabel> ---- */

gboolean
vb_qemu_build_platform (Builder *b, GError **error)
{
  xmlNode *os = vb_xml_child (b->root, "os");
  xmlNode *genid = vb_xml_child (b->root, "genid");
  xmlNode *bios = vb_xml_child (os, "bios");
  xmlNode *acpi = vb_xml_child (os, "acpi");
  xmlNode *shim = vb_xml_child (os, "shim");

  if (genid)
    {
      g_autofree char *text = vb_xml_text (genid);
      g_autoptr (GString) dev = g_string_new ("vmgenid");

      /* Empty: a new one at each start, as libvirt makes one when missing. */
      if (text && *text)
        {
          if (!g_uuid_string_is_valid (text))
            return refuse (error, genid, "'%s' is not a UUID", text);
          vb_qemu_opt (dev, "guid", text);
        }
      else
        g_string_append (dev, ",guid=auto");
      g_string_append (dev, ",id=vmgenid0");
      add2 (b, "-device", dev->str);
    }
  if (bios)
    {
      /* The Serial Graphics Adapter: SeaBIOS's text screens on serial 0 too. */
      if (vb_xml_attr_is (bios, "useserial", "yes"))
        add2 (b, "-device", "sga");
    }
  for (xmlNode *table = vb_xml_child (acpi, "table"); table; table = vb_xml_next (table, "table"))
    {
      g_autofree char *type = vb_xml_attr (table, "type");
      g_autofree char *path = vb_xml_text (table);
      g_autoptr (GString) opts = g_string_new (NULL);

      /* QEMU splits -acpitable's file= on ':' into several files: one
       * path, as checked and authorized, must stay one. */
      if (!path || !*path || strchr (path, ':'))
        return refuse (error, table, "an ACPI table's path must be one file, without ':'");
      if (!b->context->dry_run && !host_has (b->context, path))
        return refuse (error, table, "the ACPI table %s does not exist", path);
      /* raw and rawset: the file holds whole tables with their headers. */
      if (g_str_equal (type, "slic") || g_str_equal (type, "msdm"))
        g_string_append_printf (opts, "sig=%s,", g_str_equal (type, "slic") ? "SLIC" : "MSDM");
      g_string_append (opts, "file=");
      vb_qemu_opt_value (opts, path);
      add2 (b, "-acpitable", opts->str);
    }
  if (shim)
    {
      g_autofree char *path = vb_xml_text (shim);

      /* Built as a newer QEMU takes it; this one (7.2) has no -shim. */
      if (!b->context->dry_run)
        return refuse (error, shim, "<shim> needs a QEMU with -shim (10.1); this one is older");
      add2 (b, "-shim", path);
    }
  return vb_qemu_seclabels (b, error);
}

/* ---- <seclabel> of the domain and of device sources ---- */

/* QEMU runs as the service's QEMU user (docs/qemu-driver.md): what libvirt
 * calls a dynamic DAC label, or none at all, and the service never relabels
 * an image. A MAC label (SELinux, AppArmor) is refused at define: no virtbus
 * host applies one, so no host could run the definition as it asks. */
static gboolean
seclabel_fits (Builder *b, xmlNode *label, gboolean device, GError **error)
{
  g_autofree char *model = vb_xml_attr (label, "model");
  g_autofree char *type = vb_xml_attr (label, "type");

  if (model && !g_str_equal (model, "dac") && !g_str_equal (model, "none"))
    return refuse (error, label,
                   "virtbus confines QEMU as its own user; it does not apply %s labels", model);
  if (!device && g_strcmp0 (type, "static") == 0)
    return refuse (error, label,
                   "a static label would choose the user QEMU runs as; virtbus "
                   "runs every guest as its QEMU user");
  /* A DAC label of an image would choose the file's owner. */
  if (device && (vb_xml_child (label, "label") || vb_xml_attr_is (label, "relabel", "yes")))
    return refuse (error, label,
                   "virtbus does not relabel images or sockets: only relabel='no' is "
                   "supported on a device's DAC seclabel");
  return TRUE;
}

gboolean
vb_qemu_seclabels (Builder *b, GError **error)
{
  for (xmlNode *label = vb_xml_child (b->root, "seclabel"); label;
       label = vb_xml_next (label, "seclabel"))
    if (!seclabel_fits (b, label, FALSE, error))
      return FALSE;
  /* The sources of disks and character devices (their files and sockets). */
  for (xmlNode *device = b->devices->children; device; device = device->next)
    for (xmlNode *source = vb_xml_child (device, "source"); source;
         source = vb_xml_next (source, "source"))
      for (xmlNode *label = vb_xml_child (source, "seclabel"); label;
           label = vb_xml_next (label, "seclabel"))
        if (!seclabel_fits (b, label, TRUE, error))
          return FALSE;
  /* And those of each image of a disk's <backingStore> chain. */
  for (xmlNode *disk = vb_xml_child (b->devices, "disk"); disk; disk = vb_xml_next (disk, "disk"))
    for (xmlNode *store = vb_xml_child (disk, "backingStore"); store;
         store = vb_xml_child (store, "backingStore"))
      for (xmlNode *label = vb_xml_child (vb_xml_child (store, "source"), "seclabel"); label;
           label = vb_xml_next (label, "seclabel"))
        if (!seclabel_fits (b, label, TRUE, error))
          return FALSE;
  return TRUE;
}

/* ---- <pstore>: ACPI's error record store ---- */

gboolean
vb_qemu_build_pstore (Builder *b, xmlNode *node, GError **error)
{
  xmlNode *path_node = vb_xml_child (node, "path");
  xmlNode *size_node = vb_xml_child (node, "size");
  g_autofree char *path = path_node ? vb_xml_text (path_node) : NULL;
  g_autoptr (GString) object = g_string_new ("memory-backend-file,id=pstore0");
  g_autoptr (GString) device = g_string_new ("acpi-erst,memdev=pstore0,id=pstore0");
  guint64 bytes = 0;

  if (!vb_xml_attr_is (node, "backend", "acpi-erst"))
    return refuse (error, node, "the only pstore backend QEMU has is acpi-erst");
  if (!path || !*path || !size_node)
    return refuse (error, node, "an ERST store needs a <path> and a <size>");
  if (!vb_xml_scaled_bytes (size_node, "KiB", &bytes, error))
    return FALSE;
  /* QEMU's records are 4 KiB at least, and the store holds whole ones. */
  if (bytes < 4096 || bytes % 4096)
    return refuse (error, size_node, "the size must be a whole number of 4 KiB records");
  vb_qemu_opt (object, "mem-path", path);
  g_string_append_printf (object, ",size=%" G_GUINT64_FORMAT ",share=on", bytes);
  add2 (b, "-object", object->str);
  return add_fixed_pci_device (b, node, "pstore0", device, error);
}
