/* The command line of the other devices: <video>, <sound>, <input>,
 * <redirdev>, <memballoon>, <rng>, <watchdog>, <panic> (<graphics> and
 * <audio>: qemu-command-graphics.c). */
#include "qemu-command-private.h"

/* ---- display, sound, input ---- */

gboolean
vb_qemu_build_video (Builder *b, xmlNode *video, GError **error)
{
  xmlNode *model = vb_xml_child (video, "model");
  g_autofree char *type = model ? vb_xml_attr (model, "type") : g_strdup ("vga");
  gboolean primary = b->videos == 0 || vb_xml_attr_is (model, "primary", "yes");
  g_autoptr (GString) out = g_string_new (NULL);
  guint vram = vb_xml_attr_uint (model, "vram", 0);

  if (vb_xml_attr_is (vb_xml_child (model, "acceleration"), "accel3d", "yes"))
    return refuse (error, model, "3D acceleration is not supported");
  if (g_str_equal (type, "none"))
    return TRUE;
  if (g_str_equal (type, "qxl"))
    {
      guint ram = vb_xml_attr_uint (model, "ram", 0);
      guint vgamem = vb_xml_attr_uint (model, "vgamem", 0);
      g_string_append (out, primary ? "qxl-vga" : "qxl");
      if (ram)
        g_string_append_printf (out, ",ram_size=%" G_GUINT64_FORMAT, (guint64) ram * 1024);
      if (vram)
        g_string_append_printf (out, ",vram_size=%" G_GUINT64_FORMAT, (guint64) vram * 1024);
      if (vgamem)
        g_string_append_printf (out, ",vgamem_mb=%u", vgamem / 1024);
    }
  else if (g_str_equal (type, "virtio"))
    {
      g_string_append (out, primary ? "virtio-vga" : "virtio-gpu-pci");
      if (vb_xml_attr_uint (model, "heads", 0) > 1)
        g_string_append_printf (out, ",max_outputs=%u", vb_xml_attr_uint (model, "heads", 1));
    }
  else if (g_str_equal (type, "vga") || g_str_equal (type, "cirrus"))
    {
      if (!primary)
        return refuse (error, model, "a %s card can only be the primary one", type);
      g_string_append (out, g_str_equal (type, "vga") ? "VGA" : "cirrus-vga");
      if (vram)
        g_string_append_printf (out, ",vgamem_mb=%u", MAX (vram / 1024, 1));
    }
  else if (g_str_equal (type, "bochs"))
    g_string_append (out, "bochs-display");
  else
    return refuse (error, model, "video model '%s' is not supported", type);
  {
    g_autofree char *id = g_strdup_printf ("video%u", b->videos++);

    g_string_append_printf (out, ",id=%s", id);
    return add_fixed_pci_device (b, video, id, out, error);
  }
}

gboolean
vb_qemu_build_sound (Builder *b, xmlNode *sound, GError **error)
{
  g_autofree char *model = vb_xml_attr (sound, "model");
  guint index = b->sounds++;
  g_autoptr (GString) out = g_string_new (NULL);

  if (!b->audiodev)
    {
      add2 (b, "-audiodev", "none,id=audio0");
      b->audiodev = g_strdup ("audio0");
    }
  if (g_str_equal (model, "ich9") || g_str_equal (model, "ich6"))
    g_string_append_printf (out, "%s,id=sound%u",
                            g_str_equal (model, "ich9") ? "ich9-intel-hda" : "intel-hda", index);
  else if (g_str_equal (model, "ac97"))
    g_string_append_printf (out, "AC97,id=sound%u,audiodev=%s", index, b->audiodev);
  else if (g_str_equal (model, "es1370"))
    g_string_append_printf (out, "ES1370,id=sound%u,audiodev=%s", index, b->audiodev);
  else
    return refuse (error, sound, "sound model '%s' is not supported", model);
  {
    g_autofree char *id = g_strdup_printf ("sound%u", index);

    if (!add_fixed_pci_device (b, sound, id, out, error))
      return FALSE;
  }
  if (g_str_has_prefix (out->str, "ich9") || g_str_has_prefix (out->str, "intel-hda"))
    {
      add (b, "-device");
      addf (b, "hda-duplex,id=sound%u-codec0,bus=sound%u.0,cad=0,audiodev=%s", index, index,
            b->audiodev);
    }
  return TRUE;
}

gboolean
vb_qemu_build_input (Builder *b, xmlNode *input, GError **error)
{
  g_autofree char *type = vb_xml_attr (input, "type");
  g_autofree char *bus = vb_xml_attr (input, "bus");
  g_autoptr (GString) out = g_string_new (NULL);
  guint index = b->inputs++;

  if (!bus)
    bus = g_strdup (g_str_equal (type, "tablet") ? "usb" : "ps2");
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
  else if (g_str_equal (bus, "virtio"))
    {
      g_string_append_printf (out, "virtio-%s-pci,id=input%u",
                              g_str_equal (type, "keyboard") ? "keyboard" : type, index);
      if (!pci_address (b, input, out, error))
        return FALSE;
    }
  else
    {
      return refuse (error, input, "input bus '%s' is not supported", bus);
    }
  {
    g_autofree char *id = g_strdup_printf ("input%u", index);

    if (!fixed_id (input, id, error))
      return FALSE;
  }
  add2 (b, "-device", out->str);
  return TRUE;
}

gboolean
vb_qemu_build_redirdev (Builder *b, xmlNode *redirdev, GError **error)
{
  guint index = b->redirs++;
  g_autoptr (GString) out = g_string_new (NULL);

  if (!vb_xml_attr_is (redirdev, "bus", "usb") || !vb_xml_attr_is (redirdev, "type", "spicevmc"))
    return refuse (error, redirdev, "only USB redirection over spicevmc is supported");
  if (!b->spice)
    return refuse (error, redirdev, "USB redirection needs <graphics type='spice'>");
  if (!need_usb (b, redirdev, error))
    return FALSE;
  add (b, "-chardev");
  addf (b, "spicevmc,id=charredir%u,name=usbredir", index);
  g_string_append_printf (out, "usb-redir,chardev=charredir%u,id=redir%u", index, index);
  {
    g_autofree char *id = g_strdup_printf ("redir%u", index);

    if (!fixed_id (redirdev, id, error))
      return FALSE;
  }
  usb_address (redirdev, out);
  add2 (b, "-device", out->str);
  return TRUE;
}

/* ---- other devices ---- */

gboolean
vb_qemu_build_memballoon (Builder *b, xmlNode *node, GError **error)
{
  g_autofree char *model = vb_xml_attr (node, "model");
  g_autoptr (GString) out = g_string_new ("virtio-balloon-pci,id=balloon0");

  if (g_strcmp0 (model, "none") == 0)
    {
      b->command->balloon_target_kib = 0;
      return TRUE;
    }
  if (g_strcmp0 (model, "virtio") != 0)
    return refuse (error, node, "balloon model '%s' is not supported", model);
  return add_fixed_pci_device (b, node, "balloon0", out, error);
}

gboolean
vb_qemu_build_rng (Builder *b, xmlNode *node, GError **error)
{
  xmlNode *backend = vb_xml_child (node, "backend");
  g_autofree char *source = backend ? vb_xml_text (backend) : NULL;
  g_autoptr (GString) out = g_string_new ("virtio-rng-pci,rng=objrng0,id=rng0");

  if (!vb_xml_attr_is (node, "model", "virtio") || !vb_xml_attr_is (backend, "model", "random"))
    return refuse (error, node, "only a virtio RNG with a 'random' backend is supported");
  if (!source || !*source)
    {
      g_free (source);
      source = g_strdup ("/dev/urandom");
    }
  {
    g_autoptr (GString) object = g_string_new ("rng-random,id=objrng0");

    vb_qemu_opt (object, "filename", source);
    add2 (b, "-object", object->str);
  }
  return add_fixed_pci_device (b, node, "rng0", out, error);
}

gboolean
vb_qemu_build_watchdog (Builder *b, xmlNode *node, GError **error)
{
  g_autofree char *model = vb_xml_attr (node, "model");
  g_autofree char *action = vb_xml_attr (node, "action");
  g_autoptr (GString) out = g_string_new (NULL);

  if (g_strcmp0 (model, "i6300esb") == 0)
    g_string_append (out, "i6300esb,id=watchdog0");
  else if (g_strcmp0 (model, "ib700") == 0)
    g_string_append (out, "ib700,id=watchdog0");
  else if (g_strcmp0 (model, "itco") != 0)
    return refuse (error, node, "watchdog model '%s' is not supported", model);
  if (out->len && !add_fixed_pci_device (b, node, "watchdog0", out, error))
    return FALSE;
  if (action)
    {
      const char *qemu_action = g_str_equal (action, "reset") ? "reset"
                                : g_str_equal (action, "shutdown") ? "shutdown"
                                : g_str_equal (action, "poweroff") ? "poweroff"
                                : g_str_equal (action, "pause") ? "pause"
                                : g_str_equal (action, "none") ? "none"
                                : g_str_equal (action, "inject-nmi") ? "inject-nmi"
                                                                    : NULL;
      if (!qemu_action)
        return refuse (error, node, "watchdog action '%s' is not supported", action);
      add (b, "-action");
      addf (b, "watchdog=%s", qemu_action);
    }
  return TRUE;
}

gboolean
vb_qemu_build_panic (Builder *b, xmlNode *node, GError **error)
{
  g_autofree char *model = vb_xml_attr (node, "model");

  if (model && !g_str_equal (model, "isa"))
    return refuse (error, node, "panic model '%s' is not supported (isa)", model);
  add2 (b, "-device", "pvpanic");
  return TRUE;
}
