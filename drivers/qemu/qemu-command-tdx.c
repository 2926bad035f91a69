/* <launchSecurity type='tdx'>: an Intel TDX trust domain, a tdx-guest object
 * (QEMU 10.1) as the machine's confidential-guest-support, with KVM's
 * interrupt controller split (the TDX module owns the local APICs, so the
 * I/O APIC must be QEMU's) and its UEFI firmware (TDVF) read whole into the
 * guest's private memory with -bios: flash memory cannot back a trust
 * domain. Define builds this; Start refuses it on an older QEMU or a host
 * whose KVM has no TDX. */
#include "qemu-command-private.h"

#include <string.h>

/* Debian's whole OVMF image (package ovmf), which carries TDVF's metadata. */
#define TDX_FIRMWARE "/usr/share/ovmf/OVMF.fd"
/* Where the quote generation service listens unless <quoteGenerationService
 * path> says otherwise (Intel's DCAP default, libvirt's too). */
#define TDX_QGS_SOCKET "/var/run/tdx-qgs/qgs.socket"
/* KVM says whether it runs trust domains here. */
#define TDX_KVM_PARAMETER "/sys/module/kvm_intel/parameters/tdx"

/* The measurements the guest owner binds to the domain: each a SHA-384
 * digest (48 bytes) in base64, as tdx-guest takes them. */
static const struct {
  const char *element, *option;
} tdx_digests[] = {
  { "mrConfigId", "mrconfigid" },
  { "mrOwner", "mrowner" },
  { "mrOwnerConfig", "mrownerconfig" },
};

/* What only an AMD SEV guest has. */
static const char *const sev_elements[] = {
  "cbitpos", "reducedPhysBits", "dhCert",  "session", "guestVisibleWorkarounds",
  "idBlock", "idAuth",          "hostData"
};
static const char *const sev_attributes[] = { "kernelHashes", "authorKey", "vcek" };

static xmlNode *
launch_security_tdx (Builder *b)
{
  xmlNode *node = vb_xml_child (b->root, "launchSecurity");

  return node && vb_xml_attr_is (node, "type", "tdx") ? node : NULL;
}

gboolean
vb_qemu_is_tdx (Builder *b)
{
  return launch_security_tdx (b) != NULL;
}

gboolean
vb_qemu_tdx_only (xmlNode *node, GError **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (tdx_digests); i++)
    if (vb_xml_child (node, tdx_digests[i].element))
      return refuse (error, vb_xml_child (node, tdx_digests[i].element), "<%s> is for type 'tdx'",
                     tdx_digests[i].element);
  if (vb_xml_child (node, "quoteGenerationService"))
    return refuse (error, vb_xml_child (node, "quoteGenerationService"),
                   "<quoteGenerationService> is for type 'tdx'");
  return TRUE;
}

static gboolean
sev_only (xmlNode *node, GError **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (sev_elements); i++)
    if (vb_xml_child (node, sev_elements[i]))
      return refuse (error, vb_xml_child (node, sev_elements[i]),
                     "<%s> is AMD SEV's, not for type 'tdx'", sev_elements[i]);
  for (guint i = 0; i < G_N_ELEMENTS (sev_attributes); i++)
    if (xmlHasProp (node, BAD_CAST sev_attributes[i]))
      return refuse (error, node, "%s is AMD SEV's, not for type 'tdx'", sev_attributes[i]);
  return TRUE;
}

/* <policy>: the TD attributes the TDX module runs the guest with (bit 0
 * debug, bit 28 no #VE on EPT violations), in hex as libvirt writes it. */
static gboolean
tdx_policy (xmlNode *node, GString *out, GError **error)
{
  xmlNode *policy = vb_xml_child (node, "policy");
  g_autofree char *text = policy ? vb_xml_text (policy) : NULL;
  guint64 value = 0;

  if (!policy)
    return TRUE;
  if (!text
      || !(g_str_has_prefix (text, "0x")
             ? g_ascii_string_to_unsigned (text + 2, 16, 0, G_MAXUINT64, &value, NULL)
             : g_ascii_string_to_unsigned (text, 10, 0, G_MAXUINT64, &value, NULL)))
    return refuse (error, policy, "the TD attributes are a 64-bit number (0x10000000)");
  g_string_append_printf (out, ",attributes=%" G_GUINT64_FORMAT, value);
  return TRUE;
}

static gboolean
tdx_measurements (xmlNode *node, GString *out, GError **error)
{
  for (guint i = 0; i < G_N_ELEMENTS (tdx_digests); i++)
    {
      xmlNode *child = vb_xml_child (node, tdx_digests[i].element);
      g_autofree char *text = child ? vb_xml_text (child) : NULL;
      g_autofree guchar *digest = NULL;
      gsize len = 0;

      if (!child)
        continue;
      /* Checked to be base64 first, so nothing else reaches the option. */
      if (!text || !*text
          || strspn (text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
               != strlen (text)
          || strlen (text) % 4 != 0)
        return refuse (error, child, "<%s> is base64", tdx_digests[i].element);
      digest = g_base64_decode (text, &len);
      if (len != 48)
        return refuse (error, child, "<%s> is a SHA-384 digest (48 bytes), not %" G_GSIZE_FORMAT,
                       tdx_digests[i].element, len);
      vb_qemu_opt (out, tdx_digests[i].option, text);
    }
  return TRUE;
}

/* The host's quote generation service, which QEMU asks for the guest's
 * attestation quotes: a unix socket (a host path, checked as every other
 * by the service before define). */
static gboolean
tdx_quote_service (xmlNode *node, GString *out, GError **error)
{
  xmlNode *qgs = vb_xml_child (node, "quoteGenerationService");
  g_autofree char *path = qgs ? vb_xml_attr (qgs, "path") : NULL;

  if (!qgs)
    return TRUE;
  if (path && !g_path_is_absolute (path))
    return refuse (error, qgs, "path must be absolute");
  g_string_append (out, ",quote-generation-socket.type=unix");
  vb_qemu_opt (out, "quote-generation-socket.path", path ? path : TDX_QGS_SOCKET);
  return TRUE;
}

gboolean
vb_qemu_build_tdx (Builder *b, GString *machine, GString *accel, GError **error)
{
  xmlNode *node = launch_security_tdx (b);
  xmlNode *features = vb_xml_child (b->root, "features");
  xmlNode *ioapic = vb_xml_child (features, "ioapic");
  xmlNode *smm = vb_xml_child (features, "smm");
  g_autoptr (GString) out = g_string_new ("tdx-guest,id=lsec0");

  if (!node)
    return TRUE;
  if (!sev_only (node, error))
    return FALSE;
  /* This QEMU first: it is what Start on a host without TDX names. */
  if (!vb_qemu_need_qemu (b, node, 100100, "launchSecurity type 'tdx' (tdx-guest)", error))
    return FALSE;
  if (!b->context->kvm)
    return refuse (error, node,
                   "a TDX guest needs KVM, and this domain runs under TCG (type='qemu', or KVM "
                   "is not usable here)");
  if (vb_xml_attr_is (ioapic, "driver", "kvm"))
    return refuse (error, ioapic,
                   "a TDX guest's I/O APIC is QEMU's (kernel-irqchip=split); driver='kvm' "
                   "puts it in KVM");
  if (smm && !vb_xml_attr_is (smm, "state", "off"))
    return refuse (error, smm, "a TDX guest has no system management mode");
  if (!tdx_policy (node, out, error) || !tdx_measurements (node, out, error)
      || !tdx_quote_service (node, out, error))
    return FALSE;
  if (!b->context->dry_run && !host_has (b->context, TDX_KVM_PARAMETER))
    return refuse (error, node, "the host's KVM runs no TDX guests (%s)", TDX_KVM_PARAMETER);
  /* <ioapic driver='qemu'> has asked for it already. */
  if (!ioapic)
    g_string_append (accel, ",kernel-irqchip=split");
  add2 (b, "-object", out->str);
  g_string_append (machine, ",confidential-guest-support=lsec0");
  return TRUE;
}

/* A TDX guest's firmware: TDVF, read whole with -bios; the <loader> names
 * another image of it, as type='rom'. */
gboolean
vb_qemu_build_tdx_firmware (Builder *b, GError **error)
{
  xmlNode *os = vb_xml_child (b->root, "os");
  xmlNode *loader = vb_xml_child (os, "loader");
  xmlNode *nvram = vb_xml_child (os, "nvram");
  g_autofree char *code = loader ? vb_xml_text (loader) : NULL;

  if (vb_xml_attr_is (os, "firmware", "bios")
      || (!loader && !vb_xml_attr_is (os, "firmware", "efi")))
    return refuse (error, os ? os : launch_security_tdx (b),
                   "a TDX guest boots UEFI (TDVF): use firmware='efi'");
  if (loader && vb_xml_attr_is (loader, "type", "pflash"))
    return refuse (error, loader,
                   "a TDX guest's firmware is read into its private memory (-bios): use "
                   "type='rom', flash cannot back a trust domain");
  if (loader && vb_xml_attr_is (loader, "secure", "yes"))
    return refuse (
      error, loader,
      "secure boot keeps its variables in SMM-protected flash, which a TDX guest has not");
  if (loader && xmlHasProp (loader, BAD_CAST "format") && !vb_xml_attr_is (loader, "format", "raw"))
    return refuse (error, loader, "-bios reads a raw image: format='raw'");
  if (nvram)
    return refuse (error, nvram, "a TDX guest's firmware is stateless: it keeps no variable store");
  if (!code || !*code)
    {
      g_free (code);
      code = g_strdup (TDX_FIRMWARE);
    }
  if (!b->context->dry_run && !host_has (b->context, code))
    return refuse (error, loader ? loader : os,
                   "the TDX firmware %s is missing (Debian package ovmf)", code);
  add2 (b, "-bios", code);
  return TRUE;
}
