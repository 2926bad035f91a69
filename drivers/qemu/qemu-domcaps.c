/* Domain capabilities of the QEMU driver: see qemu-domcaps.h. Every value
 * offered here is one the command-line builder (qemu-command*.c) turns into
 * arguments; what it refuses is offered as supported='no' or left out, so a
 * client that picks from this document gets a definition that defines. */
#include "qemu-domcaps.h"

#include <string.h>

#include "qemu-domain-private.h"
#include "qemu-firmware.h"
#include "vb-error.h"

/* Where QEMU's firmware descriptors and OVMF live on Debian. */
#define FIRMWARE_DATADIR "/usr/share"

static void add_escaped (GString *xml, const char *format, ...) G_GNUC_PRINTF (2, 3);

static void
add_escaped (GString *xml, const char *format, ...)
{
  va_list args;
  g_autofree char *text = NULL;

  va_start (args, format);
  text = g_markup_vprintf_escaped (format, args);
  va_end (args);
  g_string_append (xml, text);
}

/* An <enum name=@name> of the NULL-terminated values. */
static void
add_enum (GString *xml, const char *indent, const char *name, const char *const *values)
{
  if (!values[0])
    {
      g_string_append_printf (xml, "%s<enum name='%s'/>\n", indent, name);
      return;
    }
  g_string_append_printf (xml, "%s<enum name='%s'>\n", indent, name);
  for (guint i = 0; values[i]; i++)
    add_escaped (xml, "%s  <value>%s</value>\n", indent, values[i]);
  g_string_append_printf (xml, "%s</enum>\n", indent);
}

#define ENUM(xml, indent, name, ...) \
  add_enum (xml, indent, name, (const char *const[]){ __VA_ARGS__, NULL })

static void
add_os (GString *xml, GPtrArray *firmware, gboolean q35)
{
  gboolean secure = FALSE;

  if (firmware->len == 0)
    {
      /* SeaBIOS only: firmware='efi' and <loader> would be refused at start. */
      g_string_append (xml, "  <os supported='yes'>\n"
                            "    <enum name='firmware'/>\n"
                            "    <loader supported='no'/>\n"
                            "  </os>\n");
      return;
    }
  g_string_append (xml, "  <os supported='yes'>\n");
  ENUM (xml, "    ", "firmware", "efi");
  g_string_append (xml, "    <loader supported='yes'>\n");
  for (guint i = 0; i < firmware->len; i++)
    {
      const VbQemuFirmware *one = firmware->pdata[i];

      add_escaped (xml, "      <value>%s</value>\n", one->path);
      secure |= one->secure;
    }
  /* The builder maps a loader onto read-only pflash only. */
  ENUM (xml, "      ", "type", "pflash");
  ENUM (xml, "      ", "readonly", "yes");
  if (secure && q35)
    ENUM (xml, "      ", "secure", "no", "yes");
  else
    ENUM (xml, "      ", "secure", "no");
  g_string_append (xml, "    </loader>\n  </os>\n");
}

static void
add_cpu (GString *xml, const VbQemuCaps *caps, gboolean kvm)
{
  g_string_append (xml, "  <cpu>\n");
  /* -cpu host needs KVM; the builder refuses it under TCG. */
  if (kvm)
    {
      g_string_append (xml, "    <mode name='host-passthrough' supported='yes'>\n");
      ENUM (xml, "      ", "hostPassthroughMigratable", "on", "off");
      g_string_append (xml, "    </mode>\n");
    }
  else
    g_string_append (xml, "    <mode name='host-passthrough' supported='no'/>\n");
  g_string_append (xml, "    <mode name='maximum' supported='no'/>\n"
                        "    <mode name='host-model' supported='yes'/>\n");
  if (caps->cpu_models->len == 0)
    {
      g_string_append (xml, "    <mode name='custom' supported='no'/>\n  </cpu>\n");
      return;
    }
  g_string_append (xml, "    <mode name='custom' supported='yes'>\n");
  for (guint i = 0; i < caps->cpu_models->len; i++)
    {
      const VbQemuCpuModel *model = caps->cpu_models->pdata[i];

      /* The probe ran under TCG: what KVM on this host lacks is unknown. */
      add_escaped (xml, "      <model usable='%s' deprecated='%s'>%s</model>\n",
                   kvm             ? "unknown"
                   : model->usable ? "yes"
                                   : "no",
                   model->deprecated ? "yes" : "no", model->name);
    }
  g_string_append (xml, "    </mode>\n  </cpu>\n");
}

static void
add_devices (GString *xml, gboolean q35)
{
  g_string_append (xml, "  <devices>\n    <disk supported='yes'>\n");
  /* Floppies are refused; a USB disk cannot be a CD-ROM, and q35 has no IDE. */
  ENUM (xml, "      ", "diskDevice", "disk", "cdrom");
  if (q35)
    ENUM (xml, "      ", "bus", "scsi", "virtio", "usb", "sata");
  else
    ENUM (xml, "      ", "bus", "ide", "scsi", "virtio", "usb", "sata");
  g_string_append (xml, "    </disk>\n    <graphics supported='yes'>\n");
  ENUM (xml, "      ", "type", "vnc", "spice", "dbus");
  g_string_append (xml, "    </graphics>\n    <video supported='yes'>\n");
  ENUM (xml, "      ", "modelType", "vga", "cirrus", "vmvga", "qxl", "virtio", "bochs", "ramfb",
        "none");
  g_string_append (xml, "    </video>\n    <hostdev supported='yes'>\n");
  ENUM (xml, "      ", "mode", "subsystem");
  add_enum (xml, "      ", "startupPolicy", (const char *const[]){ NULL });
  ENUM (xml, "      ", "subsysType", "pci");
  add_enum (xml, "      ", "capsType", (const char *const[]){ NULL });
  ENUM (xml, "      ", "pciBackend", "vfio");
  g_string_append (xml, "    </hostdev>\n    <rng supported='yes'>\n");
  ENUM (xml, "      ", "model", "virtio", "virtio-transitional", "virtio-non-transitional");
  ENUM (xml, "      ", "backendModel", "random", "builtin", "egd");
  g_string_append (xml, "    </rng>\n    <filesystem supported='yes'>\n");
  ENUM (xml, "      ", "driverType", "path", "virtiofs", "mtp");
  g_string_append (xml, "    </filesystem>\n    <tpm supported='yes'>\n");
  ENUM (xml, "      ", "model", "tpm-tis", "tpm-crb");
  ENUM (xml, "      ", "backendModel", "passthrough", "emulator");
  ENUM (xml, "      ", "backendVersion", "1.2", "2.0");
  g_string_append (xml, "    </tpm>\n    <redirdev supported='yes'>\n");
  ENUM (xml, "      ", "bus", "usb");
  g_string_append (xml, "    </redirdev>\n  </devices>\n");
}

char *
vb_qemu_domcaps_format (const VbQemuCaps *caps, const VbQemuMachine *machine, gboolean kvm,
                        GPtrArray *firmware)
{
  GString *xml = g_string_new ("<domainCapabilities>\n");
  gboolean q35 = strstr (machine->name, "q35") != NULL;

  add_escaped (xml,
               "  <path>%s</path>\n"
               "  <domain>%s</domain>\n"
               "  <machine>%s</machine>\n"
               "  <arch>%s</arch>\n",
               caps->binary, kvm ? "kvm" : "qemu", machine->name, caps->arch);
  g_string_append_printf (xml,
                          "  <vcpu max='%" G_GINT64_FORMAT "'/>\n"
                          "  <iothreads supported='no'/>\n",
                          MIN (MAX (machine->cpu_max, 1), 4096));
  add_os (xml, firmware, q35);
  add_cpu (xml, caps, kvm);
  g_string_append (xml, "  <memoryBacking supported='yes'>\n"
                        "    <enum name='sourceType'>\n"
                        "      <value>file</value>\n"
                        "      <value>anonymous</value>\n"
                        "      <value>memfd</value>\n"
                        "    </enum>\n"
                        "  </memoryBacking>\n");
  add_devices (xml, q35);
  g_string_append (xml, "  <features>\n"
                        "    <gic supported='no'/>\n"
                        "    <vmcoreinfo supported='no'/>\n"
                        "    <genid supported='no'/>\n"
                        "    <backingStoreInput supported='no'/>\n"
                        "    <backup supported='no'/>\n"
                        "    <sev supported='no'/>\n"
                        "  </features>\n"
                        "</domainCapabilities>\n");
  return g_string_free (xml, FALSE);
}

/* ---- the driver member ---- */

typedef struct {
  char *emulator;
  char *arch;
  char *machine;
  char *virttype;
  VbQemuCaps *caps;
  const VbQemuMachine *found; /* in caps */
  gboolean kvm;
} DomcapsQuery;

static void
domcaps_query_free (DomcapsQuery *query)
{
  g_free (query->emulator);
  g_free (query->arch);
  g_free (query->machine);
  g_free (query->virttype);
  g_clear_pointer (&query->caps, vb_qemu_caps_unref);
  g_free (query);
}

static void
format_in_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  DomcapsQuery *query = task_data;
  g_autoptr (GPtrArray) firmware =
    vb_qemu_firmware_find (FIRMWARE_DATADIR, query->caps->arch, query->found->name);

  g_task_return_pointer (task,
                         vb_qemu_domcaps_format (query->caps, query->found, query->kvm, firmware),
                         g_free);
}

/* Checks the caller's arch, machine and domain type against @caps. */
static gboolean
check_query (DomcapsQuery *query, GError **error)
{
  VbQemuCaps *caps = query->caps;

  if (*query->arch && !g_str_equal (query->arch, caps->arch))
    return vb_error_refuse (error, VB_ERROR_INVALID_ARGUMENT,
                            "arch '%s' is not the arch of %s (%s)", query->arch, caps->binary,
                            caps->arch);
  query->found = *query->machine ? vb_qemu_caps_find_machine (caps, query->machine)
                                 : vb_qemu_caps_get_default_machine (caps);
  if (!query->found || g_str_equal (query->found->name, "none"))
    return vb_error_refuse (error, VB_ERROR_INVALID_ARGUMENT,
                            "machine type '%s' is not known to %s", query->machine, caps->binary);
  if (!*query->virttype)
    query->kvm = caps->kvm_usable;
  else if (g_str_equal (query->virttype, "kvm"))
    {
      if (!caps->kvm_usable)
        return vb_error_refuse (error, VB_ERROR_NOT_SUPPORTED, "KVM is not usable on this host: %s",
                                caps->kvm_why ? caps->kvm_why : "unknown reason");
      query->kvm = TRUE;
    }
  else if (!g_str_equal (query->virttype, "qemu"))
    return vb_error_refuse (error, VB_ERROR_INVALID_ARGUMENT,
                            "virttype '%s' is not one of the QEMU driver's (qemu, kvm)",
                            query->virttype);
  return TRUE;
}

static void
caps_ready (GObject *source, GAsyncResult *result, gpointer user_data)
{
  g_autoptr (GTask) task = user_data;
  DomcapsQuery *query = g_task_get_task_data (task);
  GError *error = NULL;

  query->caps = *query->emulator ? vb_qemu_caps_get_finish (result, &error)
                                 : vb_qemu_get_caps_finish (result, &error);
  if (!query->caps || !check_query (query, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_run_in_thread (task, format_in_thread);
}

void
vb_qemu_domain_capabilities_async (VbDriverHost *host, const char *emulator, const char *arch,
                                   const char *machine, const char *virttype,
                                   GAsyncReadyCallback callback, gpointer user_data)
{
  g_autoptr (GTask) task = g_task_new (NULL, NULL, callback, user_data);
  DomcapsQuery *query = g_new0 (DomcapsQuery, 1);

  g_task_set_source_tag (task, vb_qemu_domain_capabilities_async);
  query->emulator = g_strdup (emulator);
  query->arch = g_strdup (arch);
  query->machine = g_strdup (machine);
  query->virttype = g_strdup (virttype);
  g_task_set_task_data (task, query, (GDestroyNotify) domcaps_query_free);
  if (!*emulator)
    {
      vb_qemu_get_caps_async (caps_ready, g_steal_pointer (&task));
      return;
    }
  /* Only a binary the service runs; it is never run just because it was named. */
  {
    g_auto (GStrv) binaries = vb_qemu_binaries ();
    g_autofree char *cache = NULL;

    if (!g_strv_contains ((const char *const *) binaries, emulator))
      {
        g_task_return_new_error (task, VB_ERROR, VB_ERROR_INVALID_ARGUMENT,
                                 "emulator '%s' is not one of the QEMU binaries this service runs "
                                 "(--qemu-binary and --qemu-binaries)",
                                 emulator);
        return;
      }
    cache = vb_qemu_caps_cache_dir ();
    vb_qemu_caps_get_async (emulator, vb_qemu_user_name (), cache, NULL, caps_ready,
                            g_steal_pointer (&task));
  }
}

char *
vb_qemu_domain_capabilities_finish (GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (
    g_task_get_source_tag (G_TASK (result)) == vb_qemu_domain_capabilities_async, NULL);
  return g_task_propagate_pointer (G_TASK (result), error);
}
