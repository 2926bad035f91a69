/* What <cpu> says beyond its model, mode and features, as -cpu properties:
 * the vendor (<vendor>, <model vendor_id>), the caches (<cache>), the
 * physical address bits (<maxphysaddr>) and check='full'. */
#include "qemu-command-private.h"

/* libvirt's vendor names and the CPUID vendor string QEMU shows for each. */
static const struct {
  const char *name;
  const char *id;
} vendors[] = {
  { "Intel", "GenuineIntel" },
  { "AMD", "AuthenticAMD" },
  { "Hygon", "HygonGenuine" },
};

static gboolean
add_vendor (xmlNode *cpu, gboolean custom, GString *model, GError **error)
{
  xmlNode *model_node = vb_xml_child (cpu, "model");
  xmlNode *vendor = vb_xml_child (cpu, "vendor");
  g_autofree char *vendor_id = model_node ? vb_xml_attr (model_node, "vendor_id") : NULL;
  g_autofree char *name = vendor ? vb_xml_text (vendor) : NULL;

  if (vendor_id)
    {
      /* -cpu splits on commas and '=': CPUID's twelve characters, plain
       * ones (a space is one: libvirt's own example is 'Libvirt QEMU'). */
      if (strlen (vendor_id) != 12 || !vb_qemu_plain_word (vendor_id, " "))
        return refuse (error, model_node,
                       "vendor_id '%s' is not twelve letters, digits, spaces, '.', '_' or '-'",
                       vendor_id);
      g_string_append_printf (model, ",vendor=%s", vendor_id);
      return TRUE;
    }
  if (!vendor)
    return TRUE;
  if (!custom || !model_node)
    return refuse (error, vendor, "<vendor> applies to a CPU of mode='custom' with a <model>");
  for (guint i = 0; i < G_N_ELEMENTS (vendors); i++)
    if (g_str_equal (name, vendors[i].name))
      {
        g_string_append_printf (model, ",vendor=%s", vendors[i].id);
        return TRUE;
      }
  return refuse (error, vendor, "CPU vendor '%s' is not one QEMU shows (Intel, AMD or Hygon)",
                 name);
}

static gboolean
add_cache (xmlNode *cpu, gboolean host, GString *model, GError **error)
{
  xmlNode *cache = vb_xml_child (cpu, "cache");
  g_autofree char *mode = cache ? vb_xml_attr (cache, "mode") : NULL;
  g_autofree char *level = cache ? vb_xml_attr (cache, "level") : NULL;

  if (!cache)
    return TRUE;
  if (g_str_equal (mode, "emulate"))
    {
      /* QEMU emulates the L3 cache's description only. */
      if (g_strcmp0 (level, "3") != 0)
        return refuse (error, cache, "mode='emulate' needs level='3': QEMU describes no other");
      g_string_append (model, ",l3-cache=on");
      if (host)
        g_string_append (model, ",host-cache-info=off");
      return TRUE;
    }
  if (level)
    return refuse (error, cache, "level= applies to mode='emulate' only");
  if (g_str_equal (mode, "passthrough"))
    {
      if (!host)
        return refuse (error, cache,
                       "mode='passthrough' needs a CPU of mode='host-passthrough', 'host-model' or "
                       "'maximum'");
      g_string_append (model, ",host-cache-info=on,l3-cache=off");
      return TRUE;
    }
  /* disable */
  g_string_append (model, ",l3-cache=off");
  if (host)
    g_string_append (model, ",host-cache-info=off");
  return TRUE;
}

static gboolean
add_phys_bits (xmlNode *cpu, gboolean host, GString *model, GError **error)
{
  xmlNode *node = vb_xml_child (cpu, "maxphysaddr");
  g_autofree char *mode = node ? vb_xml_attr (node, "mode") : NULL;
  guint bits = node ? vb_xml_attr_uint (node, "bits", 0) : 0;
  guint limit = node ? vb_xml_attr_uint (node, "limit", 0) : 0;

  if (!node)
    return TRUE;
  /* x86 has 32 to 52 physical address bits. */
  if ((bits && (bits < 32 || bits > 52)) || (limit && (limit < 32 || limit > 52)))
    return refuse (error, node, "bits and limit are between 32 and 52");
  /* Emulated: the bits named, or without bits QEMU's default (40), as
   * libvirt gives it. Under KVM -cpu host and max have host-phys-bits on,
   * which QEMU 7.2 lets win over phys-bits: it is turned off. */
  if (g_str_equal (mode, "emulate"))
    {
      if (limit)
        return refuse (error, node, "mode='emulate' takes bits= (and no limit=)");
      if (bits)
        g_string_append_printf (model, ",phys-bits=%u", bits);
      if (!bits || host)
        g_string_append (model, ",host-phys-bits=off");
      return TRUE;
    }
  if (!host)
    return refuse (error, node,
                   "mode='passthrough' needs a CPU of mode='host-passthrough', 'host-model' or "
                   "'maximum'");
  if (bits)
    return refuse (error, node, "mode='passthrough' takes limit= (and no bits=)");
  g_string_append (model, ",host-phys-bits=on");
  if (limit)
    g_string_append_printf (model, ",host-phys-bits-limit=%u", limit);
  return TRUE;
}

gboolean
vb_qemu_cpu_options (Builder *b, xmlNode *cpu, GString *model, GError **error)
{
  g_autofree char *mode = cpu ? vb_xml_attr (cpu, "mode") : NULL;
  gboolean custom = !mode || g_str_equal (mode, "custom");
  /* The modes whose CPU is the host's or all the accelerator has
   * (host-model is -cpu host under KVM, max under TCG). */
  gboolean host = mode
                  && (g_str_equal (mode, "host-passthrough") || g_str_equal (mode, "host-model")
                      || g_str_equal (mode, "maximum"));

  if (!cpu)
    return TRUE;
  if (!add_vendor (cpu, custom, model, error) || !add_cache (cpu, host, model, error)
      || !add_phys_bits (cpu, host, model, error))
    return FALSE;
  /* 'full': the guest gets exactly this CPU or does not start, which is
   * QEMU's enforce. 'partial' (what virt-install writes) is libvirt's
   * comparison with the host's CPU before the start; QEMU makes its own
   * (a feature it cannot give is a warning in the domain's log). */
  if (vb_xml_attr_is (cpu, "check", "full"))
    g_string_append (model, ",enforce");
  return TRUE;
}
