/* <features> on the command line: the Hyper-V and KVM enlightenments, the
 * PMU, paravirtual EOI and spinlocks as properties of -cpu; the I/O APIC,
 * the PS/2 controller, SMM's TSEG, vmcoreinfo, TCG's translation cache and
 * asynchronous teardown as machine, accelerator and device options. */
#include "qemu-command-private.h"

/* <hyperv> children that are a plain hv-NAME=on|off of -cpu, as QEMU 7.2
 * names them; under TCG, tcg_since is the QEMU version that first takes
 * it there (QEMU 7.2 asks KVM to set the VP index even under TCG,
 * "kernel doesn't allow setting HyperV VP_INDEX"; 8.2 asks only under
 * KVM): a host matter, so checked at Start. */
static const struct {
  const char *element;
  const char *property;
  guint tcg_since;
} hyperv_flags[] = {
  { "relaxed", "hv-relaxed" },
  { "vapic", "hv-vapic" },
  { "vpindex", "hv-vpindex", 80200 },
  { "runtime", "hv-runtime" },
  { "synic", "hv-synic" },
  { "reset", "hv-reset" },
  { "frequencies", "hv-frequencies" },
  { "reenlightenment", "hv-reenlightenment" },
  { "ipi", "hv-ipi" },
  { "evmcs", "hv-evmcs" },
  { "avic", "hv-avic" },
  { "emsr_bitmap", "hv-emsr-bitmap" },
  { "xmm_input", "hv-xmm-input" },
};

/* <kvm> children, each a -cpu property; TCG ignores kvm-hint-dedicated
 * (with a warning), so it needs KVM. */
static const struct {
  const char *element;
  const char *property;
  gboolean inverted; /* state='on' means property=off */
  gboolean kvm_only;
} kvm_flags[] = {
  { "hidden", "kvm", TRUE },
  { "hint-dedicated", "kvm-hint-dedicated", FALSE, TRUE },
  { "poll-control", "kvm-poll-control", FALSE },
  { "pv-ipi", "kvm-pv-ipi", FALSE },
};

static const char *
on_off (xmlNode *node, const char *attr)
{
  return vb_xml_attr_is (node, attr, "off") || vb_xml_attr_is (node, attr, "no") ? "off" : "on";
}

static gboolean
hyperv_cpu_flags (Builder *b, xmlNode *hyperv, GString *model, GError **error)
{
  if (vb_xml_attr_is (hyperv, "mode", "passthrough"))
    {
      if (!b->context->kvm)
        return refuse (error, hyperv, "mode='passthrough' passes the host's Hyper-V "
                                      "enlightenments through KVM, and this domain runs under TCG");
      g_string_append (model, ",hv-passthrough=on");
      return TRUE;
    }
  for (xmlNode *child = hyperv->children; child; child = child->next)
    {
      const char *name = (const char *) child->name;
      gboolean done = FALSE;

      if (child->type != XML_ELEMENT_NODE)
        continue;
      for (guint i = 0; i < G_N_ELEMENTS (hyperv_flags) && !done; i++)
        if (g_str_equal (name, hyperv_flags[i].element))
          {
            if (hyperv_flags[i].tcg_since && !b->context->kvm
                && g_str_equal (on_off (child, "state"), "on"))
              {
                g_autofree char *what =
                  g_strdup_printf ("%s under TCG (this domain is type='qemu')",
                                   hyperv_flags[i].property);

                if (!vb_qemu_need_qemu (b, child, hyperv_flags[i].tcg_since, what, error))
                  return FALSE;
              }
            g_string_append_printf (model, ",%s=%s", hyperv_flags[i].property,
                                    on_off (child, "state"));
            done = TRUE;
          }
      if (done)
        continue;
      if (g_str_equal (name, "spinlocks"))
        {
          guint retries = vb_xml_attr_uint (child, "retries", 4095);

          if (g_str_equal (on_off (child, "state"), "on") && retries < 4095)
            return refuse (error, child, "retries must be at least 4095 (0xfff)");
          if (g_str_equal (on_off (child, "state"), "on"))
            g_string_append_printf (model, ",hv-spinlocks=0x%x", retries);
        }
      else if (g_str_equal (name, "stimer"))
        {
          xmlNode *direct = vb_xml_child (child, "direct");

          g_string_append_printf (model, ",hv-stimer=%s", on_off (child, "state"));
          if (direct)
            g_string_append_printf (model, ",hv-stimer-direct=%s", on_off (direct, "state"));
        }
      else if (g_str_equal (name, "tlbflush"))
        {
          xmlNode *direct = vb_xml_child (child, "direct");
          xmlNode *extended = vb_xml_child (child, "extended");

          g_string_append_printf (model, ",hv-tlbflush=%s", on_off (child, "state"));
          /* QEMU 8.0's: built at define, refused at Start by an older one. */
          if (direct
              && !vb_qemu_need_qemu (b, direct, 80000,
                                     "Hyper-V's direct TLB flush (hv-tlbflush-direct)", error))
            return FALSE;
          if (extended
              && !vb_qemu_need_qemu (b, extended, 80000,
                                     "Hyper-V's extended TLB flush (hv-tlbflush-ext)", error))
            return FALSE;
          if (direct)
            g_string_append_printf (model, ",hv-tlbflush-direct=%s", on_off (direct, "state"));
          if (extended)
            g_string_append_printf (model, ",hv-tlbflush-ext=%s", on_off (extended, "state"));
        }
      else if (g_str_equal (name, "vendor_id"))
        {
          g_autofree char *value = vb_xml_attr (child, "value");

          if (g_str_equal (on_off (child, "state"), "off"))
            continue;
          /* At most 12 characters, and -cpu has no escape for a comma; a
           * space is an ordinary character of one argument ("KVM Hv"). */
          if (!value || !*value || strlen (value) > 12 || !vb_qemu_plain_word (value, " "))
            return refuse (error, child,
                           "value must be 1 to 12 letters, digits, spaces, '.', '_' or '-'");
          g_string_append_printf (model, ",hv-vendor-id=%s", value);
        }
    }
  return TRUE;
}

gboolean
vb_qemu_features_cpu_flags (Builder *b, GString *model, GError **error)
{
  xmlNode *features = vb_xml_child (b->root, "features");
  xmlNode *hyperv = vb_xml_child (features, "hyperv");
  xmlNode *kvm = vb_xml_child (features, "kvm");
  xmlNode *apic = vb_xml_child (features, "apic");
  xmlNode *pvspinlock = vb_xml_child (features, "pvspinlock");
  xmlNode *pmu = vb_xml_child (features, "pmu");

  if (hyperv && !hyperv_cpu_flags (b, hyperv, model, error))
    return FALSE;
  for (xmlNode *child = kvm ? kvm->children : NULL; child; child = child->next)
    {
      if (child->type != XML_ELEMENT_NODE)
        continue;
      for (guint i = 0; i < G_N_ELEMENTS (kvm_flags); i++)
        if (xmlStrEqual (child->name, (const xmlChar *) kvm_flags[i].element))
          {
            gboolean on = g_str_equal (on_off (child, "state"), "on");

            if (kvm_flags[i].kvm_only && on && !b->context->kvm)
              return refuse (error, child, "%s needs KVM, and this domain runs under TCG",
                             kvm_flags[i].property);

            g_string_append_printf (model, ",%s=%s", kvm_flags[i].property,
                                    on != kvm_flags[i].inverted ? "on" : "off");
          }
    }
  if (apic && vb_xml_attr (apic, "eoi"))
    g_string_append_printf (model, ",kvm-pv-eoi=%s", on_off (apic, "eoi"));
  if (pvspinlock)
    g_string_append_printf (model, ",kvm-pv-unhalt=%s", on_off (pvspinlock, "state"));
  if (pmu)
    g_string_append_printf (model, ",pmu=%s", on_off (pmu, "state"));
  return TRUE;
}

/* Sizes of <tseg> and <tb-cache> in MiB, as QEMU takes them. */
static gboolean
size_in_mib (xmlNode *node, guint64 *mib, GError **error)
{
  guint64 bytes = 0;

  if (!vb_xml_scaled_bytes (node, "MiB", &bytes, error))
    return FALSE;
  if (bytes % (1024 * 1024))
    return refuse (error, node, "the size must be a whole number of MiB");
  *mib = bytes / (1024 * 1024);
  return TRUE;
}

gboolean
vb_qemu_features_machine (Builder *b, GString *machine, GString *accel, GError **error)
{
  xmlNode *features = vb_xml_child (b->root, "features");
  xmlNode *ioapic = vb_xml_child (features, "ioapic");
  xmlNode *ps2 = vb_xml_child (features, "ps2");
  xmlNode *kvm = vb_xml_child (features, "kvm");
  xmlNode *dirty_ring = vb_xml_child (kvm, "dirty-ring");
  xmlNode *tb_cache = vb_xml_child (vb_xml_child (features, "tcg"), "tb-cache");

  if (ioapic)
    {
      /* Under TCG the I/O APIC is always QEMU's. */
      if (vb_xml_attr_is (ioapic, "driver", "kvm") && !b->context->kvm)
        return refuse (error, ioapic, "driver='kvm' is KVM's in-kernel I/O APIC, and this "
                                      "domain runs under TCG (use driver='qemu')");
      if (b->context->kvm)
        g_string_append_printf (accel, ",kernel-irqchip=%s",
                                vb_xml_attr_is (ioapic, "driver", "qemu") ? "split" : "on");
    }
  if (ps2)
    g_string_append_printf (machine, ",i8042=%s", on_off (ps2, "state"));
  if (dirty_ring && g_str_equal (on_off (dirty_ring, "state"), "on"))
    {
      guint size = vb_xml_attr_uint (dirty_ring, "size", 0);

      if (!b->context->kvm)
        return refuse (error, dirty_ring, "the dirty ring is KVM's, and this domain runs under TCG");
      if (size < 1024 || size > 65536 || (size & (size - 1)))
        return refuse (error, dirty_ring, "size must be a power of 2 from 1024 to 65536");
      g_string_append_printf (accel, ",dirty-ring-size=%u", size);
    }
  if (tb_cache)
    {
      guint64 mib = 0;

      if (b->context->kvm)
        return refuse (error, tb_cache, "the translation cache is TCG's, and this domain runs "
                                        "under KVM");
      if (!size_in_mib (tb_cache, &mib, error))
        return FALSE;
      g_string_append_printf (accel, ",tb-size=%" G_GUINT64_FORMAT, mib);
    }
  return TRUE;
}

gboolean
vb_qemu_build_features (Builder *b, GError **error)
{
  xmlNode *features = vb_xml_child (b->root, "features");
  xmlNode *tseg = vb_xml_child (vb_xml_child (features, "smm"), "tseg");
  xmlNode *vmcoreinfo = vb_xml_child (features, "vmcoreinfo");
  xmlNode *teardown = vb_xml_child (features, "async-teardown");
  xmlNode *msrs = vb_xml_child (features, "msrs");

  if (tseg)
    {
      guint64 mib = 0;

      if (!b->command->q35)
        return refuse (error, tseg, "an extended TSEG is a q35 machine's (mch)");
      if (!size_in_mib (tseg, &mib, error))
        return FALSE;
      add (b, "-global");
      addf (b, "mch.extended-tseg-mbytes=%" G_GUINT64_FORMAT, mib);
    }
  if (vmcoreinfo && g_str_equal (on_off (vmcoreinfo, "state"), "on"))
    add2 (b, "-device", "vmcoreinfo");
  /* QEMU 8.1 moved it to -run-with and 9.0 removed -async-teardown; an
   * unknown version (golden files) is taken as this host's 7.2. */
  if (teardown && !vb_xml_attr_is (teardown, "enabled", "no"))
    {
      if (b->context->qemu_version >= 80100)
        add2 (b, "-run-with", "async-teardown=on");
      else
        add (b, "-async-teardown");
    }
  if (msrs)
    return refuse (error, msrs, "what unknown MSRs do is KVM's module parameter ignore_msrs, "
                                "which virtbus does not change for one guest");
  return TRUE;
}
