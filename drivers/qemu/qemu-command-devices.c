/* The command line of the other devices: <video>, <sound>, <input>,
 * <redirdev>, <memballoon>, <rng> (<graphics> and <audio>:
 * qemu-command-graphics.c; <watchdog> and <panic>: qemu-command-lifecycle.c). */
#include "qemu-command-private.h"

/* ---- display, sound, input ---- */

/* Attributes of <model> that only some video models have: refused on the
 * others rather than dropped. */
static gboolean
video_attrs_fit (xmlNode *model, const char *type, GError **error)
{
  static const struct {
    const char *attr;
    const char *const models[6];
  } fits[] = {
    { "ram", { "qxl", NULL } },
    { "vgamem", { "qxl", "vmvga", NULL } },
    { "vram64", { "qxl", NULL } },
    { "vram", { "qxl", "vga", "cirrus", "vmvga", "bochs", NULL } },
    /* QEMU 7.2's VGA, bochs-display and virtio GPUs have an EDID; cirrus-vga,
     * vmware-svga, qxl and ramfb have none. */
    { "edid", { "vga", "virtio", "bochs", NULL } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (fits); i++)
    if (xmlHasProp (model, BAD_CAST fits[i].attr) && !g_strv_contains (fits[i].models, type))
      {
        return refuse (error, model, "attribute '%s' does not apply to video model '%s'",
                       fits[i].attr, type);
      }
  if (vb_xml_attr_uint (model, "heads", 1) > 1 && !g_str_equal (type, "qxl")
      && !g_str_equal (type, "virtio"))
    return refuse (error, model, "video model '%s' has one head", type);
  if (vb_xml_child (model, "resolution") && !g_str_equal (type, "qxl")
      && !g_str_equal (type, "virtio"))
    return refuse (error, vb_xml_child (model, "resolution"),
                   "a <resolution> is for qxl and virtio video only");
  return TRUE;
}

void
vb_qemu_video_edid (xmlNode *model, GString *out)
{
  g_autofree char *edid = vb_xml_attr (model, "edid");

  /* The schema allows on and off only. */
  if (edid)
    g_string_append_printf (out, ",edid=%s", g_str_equal (edid, "on") ? "on" : "off");
}

static gboolean
video_acceleration (Builder *b, xmlNode *model, const char *type, GError **error)
{
  xmlNode *accel = vb_xml_child (model, "acceleration");

  if (!accel)
    return TRUE;
  /* virtio-vga-gl renders through the display's OpenGL, which checks the
   * host's render node at Start: a domain without such a display gets an
   * egl-headless one (qemu-complete-display.c). */
  if (vb_xml_attr_is (accel, "accel3d", "yes") && !g_str_equal (type, "virtio"))
    return refuse (error, accel, "accel3d is for virtio video only");
  if (vb_xml_attr_is (accel, "accel2d", "yes"))
    return refuse (error, accel, "accel2d is VirtualBox's: QEMU has no such setting");
  /* QEMU's virtio-vga-gl has none: the display's <gl rendernode> is it. */
  if (xmlHasProp (accel, BAD_CAST "rendernode"))
    return refuse (error, accel,
                   "a video rendernode is for a vhost-user GPU; set the display's <gl rendernode>");
  return TRUE;
}

gboolean
vb_qemu_build_video (Builder *b, xmlNode *video, GError **error)
{
  xmlNode *model = vb_xml_child (video, "model");
  g_autofree char *type = model ? vb_xml_attr (model, "type") : g_strdup ("vga");
  gboolean primary = b->videos == 0 || vb_xml_attr_is (model, "primary", "yes");
  g_autoptr (GString) out = g_string_new (NULL);
  guint vram = vb_xml_attr_uint (model, "vram", 0);
  guint heads = vb_xml_attr_uint (model, "heads", 1);
  xmlNode *resolution = vb_xml_child (model, "resolution");
  gboolean gl = vb_xml_attr_is (vb_xml_child (model, "acceleration"), "accel3d", "yes");

  if (xmlHasProp (model, BAD_CAST "blob")
      && (!g_str_equal (type, "virtio")
          || vb_xml_attr_is (vb_xml_child (video, "driver"), "name", "vhostuser")))
    return refuse (error, model, "blob is for QEMU's own virtio video (not vhost-user)");
  /* vhost-user-gpu renders in a helper program the service starts. */
  if (vb_xml_attr_is (vb_xml_child (video, "driver"), "name", "vhostuser"))
    return vb_qemu_build_vhost_user_video (b, video, error);
  if (!video_acceleration (b, model, type, error) || !video_attrs_fit (model, type, error))
    return FALSE;
  if (!g_str_equal (type, "virtio") && !vb_qemu_virtio_options_none (video, error))
    return FALSE;
  if (g_str_equal (type, "none"))
    return TRUE;
  if (g_str_equal (type, "qxl"))
    {
      guint ram = vb_xml_attr_uint (model, "ram", 0);
      guint vgamem = vb_xml_attr_uint (model, "vgamem", 0);
      guint vram64 = vb_xml_attr_uint (model, "vram64", 0);

      g_string_append (out, primary ? "qxl-vga" : "qxl");
      if (ram)
        g_string_append_printf (out, ",ram_size=%" G_GUINT64_FORMAT, (guint64) ram * 1024);
      if (vram)
        g_string_append_printf (out, ",vram_size=%" G_GUINT64_FORMAT, (guint64) vram * 1024);
      if (vram64)
        g_string_append_printf (out, ",vram64_size_mb=%u", MAX (vram64 / 1024, 1));
      if (vgamem)
        g_string_append_printf (out, ",vgamem_mb=%u", MAX (vgamem / 1024, 1));
      if (heads > 1)
        g_string_append_printf (out, ",max_outputs=%u", heads);
    }
  else if (g_str_equal (type, "virtio"))
    {
      if (gl)
        g_string_append (out, primary ? "virtio-vga-gl" : "virtio-gpu-gl-pci");
      else
        g_string_append (out, primary ? "virtio-vga" : "virtio-gpu-pci");
      if (heads > 1)
        g_string_append_printf (out, ",max_outputs=%u", heads);
      if (!vb_qemu_virtio_options (video, out, error) || !vb_qemu_video_blob (b, model, out, error))
        return FALSE;
    }
  else if (g_str_equal (type, "vga") || g_str_equal (type, "cirrus") || g_str_equal (type, "vmvga"))
    {
      guint vgamem = vb_xml_attr_uint (model, "vgamem", 0);

      /* The VGA ranges exist once in a machine. */
      if (!primary)
        return refuse (error, model, "a %s card can only be the primary one", type);
      g_string_append (out, g_str_equal (type, "vga")      ? "VGA"
                            : g_str_equal (type, "cirrus") ? "cirrus-vga"
                                                           : "vmware-svga");
      if (vgamem || vram)
        g_string_append_printf (out, ",vgamem_mb=%u", MAX ((vgamem ? vgamem : vram) / 1024, 1));
    }
  else if (g_str_equal (type, "bochs"))
    {
      g_string_append (out, "bochs-display");
      if (vram)
        g_string_append_printf (out, ",vgamem=%uk", vram);
    }
  else if (g_str_equal (type, "ramfb"))
    {
      g_autofree char *id = g_strdup_printf ("video%u", b->videos++);

      /* Not a PCI device: a framebuffer in guest RAM the firmware sets up. */
      if (vb_xml_attr_is (vb_xml_child (video, "address"), "type", "pci"))
        return refuse (error, vb_xml_child (video, "address"), "ramfb is not a PCI device");
      if (!fixed_id (video, id, error))
        return FALSE;
      add (b, "-device");
      addf (b, "ramfb,id=%s", id);
      return TRUE;
    }
  else
    return refuse (error, model, "video model '%s' is not supported", type);
  if (resolution)
    g_string_append_printf (out, ",xres=%u,yres=%u", vb_xml_attr_uint (resolution, "x", 0),
                            vb_xml_attr_uint (resolution, "y", 0));
  vb_qemu_video_edid (model, out);
  {
    g_autofree char *id = g_strdup_printf ("video%u", b->videos++);

    g_string_append_printf (out, ",id=%s", id);
    return add_fixed_pci_device (b, video, id, out, error);
  }
}

/* The audiodev a sound device plays to: its <audio id> when it has one (an
 * <audio> element of that id must exist), else the first <audio>, else a
 * "none" backend made for it. */
static char *
sound_audiodev (Builder *b, xmlNode *sound, GError **error)
{
  xmlNode *link = vb_xml_child (sound, "audio");

  if (link)
    {
      guint id = vb_xml_attr_uint (link, "id", 0);

      for (xmlNode *audio = vb_xml_child (b->devices, "audio"); audio;
           audio = vb_xml_next (audio, "audio"))
        if (vb_xml_attr_uint (audio, "id", 1) == id)
          return g_strdup_printf ("audio%u", id);
      refuse (error, link, "no <audio> has id %u", id);
      return NULL;
    }
  if (!b->audiodev)
    {
      add2 (b, "-audiodev", "none,id=audio0");
      b->audiodev = g_strdup ("audio0");
    }
  return g_strdup (b->audiodev);
}

/* The HDA codecs of an ich6/ich9 controller: one per <codec>, a duplex one
 * without any. */
static void
hda_codecs (Builder *b, xmlNode *sound, guint index, const char *audiodev)
{
  guint cad = 0;

  for (xmlNode *codec = vb_xml_child (sound, "codec"); codec; codec = vb_xml_next (codec, "codec"))
    {
      g_autofree char *type = vb_xml_attr (codec, "type");

      add (b, "-device");
      addf (b, "hda-%s,id=sound%u-codec%u,bus=sound%u.0,cad=%u,audiodev=%s", type, index, cad,
            index, cad, audiodev);
      cad++;
    }
  if (cad == 0)
    {
      add (b, "-device");
      addf (b, "hda-duplex,id=sound%u-codec0,bus=sound%u.0,cad=0,audiodev=%s", index, index,
            audiodev);
    }
}

void
vb_qemu_machine_pcspk (Builder *b, GString *opts)
{
  for (xmlNode *sound = vb_xml_child (b->devices, "sound"); sound;
       sound = vb_xml_next (sound, "sound"))
    if (vb_xml_attr_is (sound, "model", "pcspk"))
      {
        xmlNode *link = vb_xml_child (sound, "audio");
        xmlNode *first = vb_xml_child (b->devices, "audio");

        /* The same one sound_audiodev() picks when the devices are built. */
        g_string_append_printf (opts, ",pcspk-audiodev=audio%u",
                                link    ? vb_xml_attr_uint (link, "id", 0)
                                : first ? vb_xml_attr_uint (first, "id", 1)
                                        : 0);
        return;
      }
}

gboolean
vb_qemu_build_sound (Builder *b, xmlNode *sound, GError **error)
{
  g_autofree char *model = vb_xml_attr (sound, "model");
  guint index = b->sounds++;
  g_autofree char *id = g_strdup_printf ("sound%u", index);
  g_autoptr (GString) out = g_string_new (NULL);
  g_autofree char *audiodev = NULL;
  gboolean hda = g_str_equal (model, "ich9") || g_str_equal (model, "ich6");

  if (g_str_equal (model, "ich7"))
    return refuse (error, sound, "sound model 'ich7' is not in QEMU 7.2: use ich6 or ich9");
  if (vb_xml_child (sound, "codec") && !hda)
    return refuse (error, vb_xml_child (sound, "codec"), "only ich6 and ich9 have codecs");
  if (xmlHasProp (sound, BAD_CAST "multichannel") && !g_str_equal (model, "usb"))
    return refuse (error, sound, "multichannel is the usb sound device's");
  audiodev = sound_audiodev (b, sound, error);
  if (!audiodev)
    return FALSE;
  if (g_str_equal (model, "virtio"))
    return vb_qemu_build_virtio_sound (b, sound, id, audiodev, error);
  if (!vb_qemu_virtio_options_none (sound, error))
    return FALSE;
  if (g_str_equal (model, "pcspk"))
    {
      /* A part of the machine (its -machine pcspk-audiodev), not a device. */
      if (b->pcspk++)
        return refuse (error, sound, "a machine has one PC speaker");
      if (vb_xml_child (sound, "address"))
        return refuse (error, vb_xml_child (sound, "address"), "the PC speaker has no address");
      return TRUE;
    }
  if (hda)
    g_string_append_printf (out, "%s,id=%s",
                            g_str_equal (model, "ich9") ? "ich9-intel-hda" : "intel-hda", id);
  else if (g_str_equal (model, "ac97") || g_str_equal (model, "es1370"))
    g_string_append_printf (out, "%s,id=%s,audiodev=%s",
                            g_str_equal (model, "ac97") ? "AC97" : "ES1370", id, audiodev);
  else if (g_str_equal (model, "sb16") || g_str_equal (model, "usb"))
    {
      gboolean usb = g_str_equal (model, "usb");

      if (usb && !need_usb (b, sound, error))
        return FALSE;
      if (!usb && vb_xml_child (sound, "address"))
        return refuse (error, vb_xml_child (sound, "address"), "an ISA sound card has no address");
      if (!fixed_id (sound, id, error))
        return FALSE;
      g_string_append_printf (out, "%s,id=%s,audiodev=%s", usb ? "usb-audio" : "sb16", id,
                              audiodev);
      /* Surround (5.1) instead of stereo. */
      if (vb_xml_attr_is (sound, "multichannel", "yes"))
        g_string_append (out, ",multi=on");
      if (usb)
        usb_address (sound, out);
      add2 (b, "-device", out->str);
      return TRUE;
    }
  else
    return refuse (error, sound, "sound model '%s' is not supported", model);
  if (!add_fixed_pci_device (b, sound, id, out, error))
    return FALSE;
  if (hda)
    hda_codecs (b, sound, index, audiodev);
  return TRUE;
}

/* A host input device the guest gets: only an evdev node of /dev/input. */
static gboolean
evdev_path (Builder *b, xmlNode *source, const char *path, GError **error)
{
  const char *name =
    path && g_str_has_prefix (path, "/dev/input/") ? path + strlen ("/dev/input/") : NULL;

  if (!name || !vb_qemu_plain_word (name, "/") || strstr (name, ".."))
    return refuse (error, source, "'%s' is not an input device of /dev/input", path ? path : "");
  /* Hardware: whether the host has it is known when the guest starts. */
  if (!b->context->dry_run && !host_has (b->context, path))
    return refuse (error, source, "the host has no input device %s", path);
  return TRUE;
}

static gboolean
build_evdev (Builder *b, xmlNode *input, guint index, GError **error)
{
  xmlNode *source = vb_xml_child (input, "source");
  g_autofree char *dev = source ? vb_xml_attr (source, "dev") : NULL;
  g_autofree char *toggle = source ? vb_xml_attr (source, "grabToggle") : NULL;
  g_autofree char *repeat = source ? vb_xml_attr (source, "repeat") : NULL;
  g_autoptr (GString) out = g_string_new (NULL);
  g_autofree char *id = g_strdup_printf ("input%u", index);

  if (!evdev_path (b, source ? source : input, dev, error))
    return FALSE;
  if (xmlHasProp (source, BAD_CAST "evdev"))
    return refuse (error, source, "an evdev input names its device in dev=");
  if (vb_xml_child (input, "address"))
    return refuse (error, vb_xml_child (input, "address"), "an evdev input has no address");
  if (!fixed_id (input, id, error))
    return FALSE;
  g_string_append_printf (out, "input-linux,id=%s", id);
  vb_qemu_opt (out, "evdev", dev);
  if (vb_xml_attr_is (source, "grab", "all"))
    g_string_append (out, ",grab_all=on");
  if (toggle)
    vb_qemu_opt (out, "grab-toggle", toggle);
  if (repeat)
    vb_qemu_opt (out, "repeat", repeat);
  add2 (b, "-object", out->str);
  return TRUE;
}

gboolean
vb_qemu_build_input (Builder *b, xmlNode *input, GError **error)
{
  g_autofree char *type = vb_xml_attr (input, "type");
  g_autofree char *bus = vb_xml_attr (input, "bus");
  g_autofree char *model = vb_xml_attr (input, "model");
  g_autoptr (GString) out = g_string_new (NULL);
  guint index = b->inputs++;

  if (!bus)
    bus = g_strdup (g_str_equal (type, "tablet")        ? "usb"
                    : g_str_equal (type, "passthrough") ? "virtio"
                                                        : "ps2");
  /* Only a virtio input device has virtio's <driver> options. */
  if ((!g_str_equal (bus, "virtio") || g_str_equal (type, "evdev"))
      && !vb_qemu_virtio_options_none (input, error))
    return FALSE;
  if (g_str_equal (type, "evdev"))
    return build_evdev (b, input, index, error);
  if (model && !g_str_equal (bus, "virtio"))
    return refuse (error, input, "a model applies to virtio input devices only");
  /* virtio-input is a virtio 1.0 device: there is no transitional one. */
  if (g_strcmp0 (model, "virtio-transitional") == 0)
    return refuse (error, input, "virtio input devices have no transitional model");
  if (g_str_equal (type, "passthrough") && !g_str_equal (bus, "virtio"))
    return refuse (error, input, "a passthrough input sits on bus='virtio'");
  if (g_str_equal (bus, "ps2"))
    {
      if (g_str_equal (type, "tablet"))
        return refuse (error, input, "a tablet cannot sit on PS/2");
      return TRUE; /* built into pc and q35 */
    }
  if (g_str_equal (bus, "usb"))
    {
      if (!need_usb (b, input, error))
        return FALSE;
      g_string_append_printf (out, "%s,id=input%u",
                              g_str_equal (type, "tablet")  ? "usb-tablet"
                              : g_str_equal (type, "mouse") ? "usb-mouse"
                                                            : "usb-kbd",
                              index);
      usb_address (input, out);
    }
  else if (g_str_equal (bus, "virtio") && g_str_equal (type, "passthrough"))
    {
      xmlNode *source = vb_xml_child (input, "source");
      g_autofree char *evdev = source ? vb_xml_attr (source, "evdev") : NULL;

      if (!evdev_path (b, source ? source : input, evdev, error))
        return FALSE;
      for (xmlAttr *attr = source->properties; attr; attr = attr->next)
        if (!g_str_equal ((const char *) attr->name, "evdev"))
          return refuse (error, source, "attribute '%s' is for type='evdev' inputs",
                         (const char *) attr->name);
      g_string_append_printf (out, "virtio-input-host-pci,id=input%u", index);
      vb_qemu_opt (out, "evdev", evdev);
      if (!vb_qemu_virtio_options (input, out, error))
        return FALSE;
      if (!pci_address (b, input, out, error))
        return FALSE;
    }
  else if (g_str_equal (bus, "virtio"))
    {
      g_string_append_printf (out, "virtio-%s-pci,id=input%u",
                              g_str_equal (type, "keyboard") ? "keyboard" : type, index);
      if (!vb_qemu_virtio_options (input, out, error))
        return FALSE;
      if (!pci_address (b, input, out, error))
        return FALSE;
    }
  else
    {
      return refuse (error, input, "input bus '%s' is not supported", bus);
    }
  if (vb_xml_child (input, "source") && !g_str_equal (type, "passthrough"))
    return refuse (error, vb_xml_child (input, "source"),
                   "a <source> is for passthrough and evdev inputs only");
  {
    g_autofree char *id = g_strdup_printf ("input%u", index);

    if (!fixed_id (input, id, error))
      return FALSE;
  }
  add2 (b, "-device", out->str);
  return TRUE;
}

/* ---- other devices ---- */

/* libvirt's model names: the plain device, or its -transitional or
 * -non-transitional variant. */
static char *
virtio_model (const char *base, const char *model)
{
  if (g_str_equal (model, "virtio"))
    return g_strdup (base);
  return g_strdup_printf ("%s-%s", base, model + strlen ("virtio-"));
}

gboolean
vb_qemu_build_memballoon (Builder *b, xmlNode *node, GError **error)
{
  g_autofree char *model = vb_xml_attr (node, "model");
  g_autofree char *deflate = vb_xml_attr (node, "autodeflate");
  g_autofree char *reporting = vb_xml_attr (node, "freePageReporting");
  xmlNode *stats = vb_xml_child (node, "stats");
  g_autoptr (GString) out = g_string_new (NULL);
  g_autofree char *device = NULL;

  if (g_strcmp0 (model, "none") == 0)
    {
      b->command->balloon_target_kib = 0;
      if (deflate || reporting || stats || vb_xml_child (node, "driver"))
        return refuse (error, node, "model='none' takes no balloon options");
      return TRUE;
    }
  if (!model || !g_str_has_prefix (model, "virtio"))
    return refuse (error, node, "balloon model '%s' is not supported", model);
  device = virtio_model ("virtio-balloon-pci", model);
  g_string_append_printf (out, "%s,id=balloon0", device);
  if (deflate)
    vb_qemu_opt (out, "deflate-on-oom", deflate);
  if (reporting)
    vb_qemu_opt (out, "free-page-reporting", reporting);
  /* The guest's memory statistics, every period seconds (0: never). */
  if (stats)
    g_string_append_printf (out, ",guest-stats-polling-interval=%u",
                            vb_xml_attr_uint (stats, "period", 0));
  if (!vb_qemu_virtio_options (node, out, error))
    return FALSE;
  return add_fixed_pci_device (b, node, "balloon0", out, error);
}

/* The entropy an RNG reads: one of the kernel's sources, nothing else. */
static const char *const rng_sources[] = { "/dev/urandom", "/dev/random", "/dev/hwrng", NULL };

gboolean
vb_qemu_build_rng (Builder *b, xmlNode *node, GError **error)
{
  xmlNode *backend = vb_xml_child (node, "backend");
  xmlNode *rate = vb_xml_child (node, "rate");
  g_autofree char *model = vb_xml_attr (node, "model");
  g_autofree char *backend_model = backend ? vb_xml_attr (backend, "model") : NULL;
  guint index = b->rngs++;
  g_autofree char *id = g_strdup_printf ("rng%u", index);
  g_autoptr (GString) object = g_string_new (NULL);
  g_autoptr (GString) out = g_string_new (NULL);

  if (!backend)
    return refuse (error, node, "an RNG needs a <backend>");
  if (!g_str_equal (backend_model, "egd")
      && (xmlHasProp (backend, BAD_CAST "type") || vb_xml_child (backend, "source")
          || vb_xml_child (backend, "protocol")))
    return refuse (error, backend, "type, <source> and <protocol> are for model='egd'");
  if (g_str_equal (backend_model, "random"))
    {
      g_autofree char *source = vb_xml_text (backend);

      if (!*source)
        {
          g_free (source);
          source = g_strdup ("/dev/urandom");
        }
      if (!g_strv_contains (rng_sources, source))
        return refuse (error, backend,
                       "an RNG reads /dev/urandom, /dev/random or /dev/hwrng, not '%s'", source);
      if (!b->context->dry_run && !host_has (b->context, source))
        return refuse (error, backend, "the host has no %s", source);
      g_string_append_printf (object, "rng-random,id=objrng%u", index);
      vb_qemu_opt (object, "filename", source);
    }
  else if (g_str_equal (backend_model, "builtin"))
    g_string_append_printf (object, "rng-builtin,id=objrng%u", index);
  else
    {
      g_autofree char *type = vb_xml_attr (backend, "type");
      g_autofree char *chardev = g_strdup_printf ("char%s", id);

      if (!type)
        return refuse (error, backend, "an egd backend needs a character device type=");
      if (!vb_qemu_device_chardev (b, backend, chardev, type, backend, NULL, error))
        return FALSE;
      g_string_append_printf (object, "rng-egd,id=objrng%u,chardev=%s", index, chardev);
    }
  add2 (b, "-object", object->str);
  {
    g_autofree char *device = virtio_model ("virtio-rng-pci", model);

    g_string_append_printf (out, "%s,rng=objrng%u,id=%s", device, index, id);
  }
  if (!vb_qemu_virtio_options (node, out, error))
    return FALSE;
  if (rate
      && (vb_xml_attr_uint (rate, "bytes", 0) == 0 || vb_xml_attr_uint (rate, "period", 1) == 0))
    return refuse (error, rate, "bytes and period must be greater than 0");
  if (rate)
    /* As libvirt: a period of a second unless one is given. */
    g_string_append_printf (out, ",max-bytes=%u,period=%u", vb_xml_attr_uint (rate, "bytes", 0),
                            vb_xml_attr_uint (rate, "period", 1000));
  return add_fixed_pci_device (b, node, id, out, error);
}
