/* attach-device, detach-device and change-media: devices as XML, with
 * virsh's --live, --config, --current (and --persistent). */
#include <string.h>

#include "ctl-affect.h"
#include "ctl-command.h"
#include "ctl-domain-facts.h"
#include "ctl-error.h"
#include "ctl-input.h"

/* Domain.UpdateDevice: open the tray even when the guest locked it. */
#define UPDATE_FORCE (1u << 2)
/* Domain.GetXMLDesc */
#define XML_INACTIVE (1u << 1)
/* DetachDevice waits for the guest to let go (20 s by default). */
#define DEVICE_CALL_TIMEOUT_MS 120000

typedef gboolean (*DeviceCall) (VirtbusDomain *domain, const char *xml, guint flags,
                                GError **error);

static gboolean
call_attach (VirtbusDomain *domain, const char *xml, guint flags, GError **error)
{
  return virtbus_domain_call_attach_device_sync (domain, xml, flags, NULL, error);
}

static gboolean
call_detach (VirtbusDomain *domain, const char *xml, guint flags, GError **error)
{
  return virtbus_domain_call_detach_device_sync (domain, xml, flags, NULL, error);
}

static gboolean
device_file (CtlContext *ctx, CtlArgs *args, DeviceCall call, const char *done, GError **error)
{
  g_autoptr (VirtbusDomain) domain = ctl_context_domain (ctx, ctl_args_get (args, 0), error);
  g_autofree char *xml = NULL;
  guint flags;

  if (!domain || !ctl_affect_flags (args, domain, &flags, error)
      || !(xml = ctl_read_input (ctl_args_get (args, 1), error)))
    return FALSE;
  g_dbus_proxy_set_default_timeout (G_DBUS_PROXY (domain), DEVICE_CALL_TIMEOUT_MS);
  if (!call (domain, xml, flags, error))
    return FALSE;
  ctl_say (ctx, "Device %s successfully", done);
  return TRUE;
}

static gboolean
run_attach_device (CtlContext *ctx, CtlArgs *args, GError **error)
{
  return device_file (ctx, args, call_attach, "attached", error);
}

static gboolean
run_detach_device (CtlContext *ctx, CtlArgs *args, GError **error)
{
  return device_file (ctx, args, call_detach, "detached", error);
}

typedef enum {
  EJECT,
  INSERT,
  UPDATE,
} MediaChange;

static gboolean
media_change (CtlArgs *args, MediaChange *change, GError **error)
{
  static const char *const options[] = { "eject", "insert", "update" };
  const char *source = ctl_args_get (args, 2);
  guint given = 0;

  *change = source ? UPDATE : EJECT;
  for (guint i = 0; i < G_N_ELEMENTS (options); i++)
    if (ctl_args_flag (args, options[i]))
      {
        given++;
        *change = i;
      }
  if (given > 1)
    g_set_error (error, CTL_ERROR, CTL_ERROR_USAGE,
                 "--eject, --insert and --update exclude "
                 "each other");
  else if (*change == EJECT && source)
    g_set_error (error, CTL_ERROR, CTL_ERROR_USAGE, "--eject takes no SOURCE");
  else if (*change != EJECT && !source)
    g_set_error (error, CTL_ERROR, CTL_ERROR_USAGE, "--%s needs a SOURCE", options[*change]);
  else
    return TRUE;
  return FALSE;
}

/* The drive @name (target or current medium) of the definition the change
 * goes to. */
static CtlDomainFacts *
read_drives (VirtbusDomain *domain, guint flags, GError **error)
{
  g_autofree char *xml = NULL;

  if (!virtbus_domain_call_get_xmldesc_sync (
        domain, ctl_affect_is_live (domain, flags) ? 0 : XML_INACTIVE, &xml, NULL, error))
    return NULL;
  return ctl_domain_facts_parse (xml, error);
}

/* The <disk> UpdateDevice takes: the drive's device and target, and the new
 * medium or none. The service compares only what it is given. */
static char *
drive_xml (const CtlDisk *drive, const char *source)
{
  g_autofree char *file = NULL;

  if (!source)
    return g_markup_printf_escaped ("<disk device='%s'>\n  <target dev='%s'/>\n</disk>\n",
                                    drive->device, drive->target);
  if (g_str_has_prefix (source, "/dev/"))
    return g_markup_printf_escaped ("<disk type='block' device='%s'>\n  <source dev='%s'/>\n"
                                    "  <target dev='%s'/>\n</disk>\n",
                                    drive->device, source, drive->target);
  /* The service does not know our working directory. */
  file = g_canonicalize_filename (source, NULL);
  return g_markup_printf_escaped ("<disk type='file' device='%s'>\n  <source file='%s'/>\n"
                                  "  <target dev='%s'/>\n</disk>\n",
                                  drive->device, file, drive->target);
}

static gboolean
run_change_media (CtlContext *ctx, CtlArgs *args, GError **error)
{
  static const char *const done[] = { "ejected", "inserted", "updated" };
  g_autoptr (VirtbusDomain) domain = ctl_context_domain (ctx, ctl_args_get (args, 0), error);
  const char *name = ctl_args_get (args, 1);
  g_autoptr (CtlDomainFacts) facts = NULL;
  g_autofree char *xml = NULL;
  MediaChange change;
  CtlDisk *drive;
  guint flags;

  if (!domain || !media_change (args, &change, error)
      || !ctl_affect_flags (args, domain, &flags, error)
      || !(facts = read_drives (domain, flags, error)))
    return FALSE;
  drive = ctl_domain_facts_disk (facts, name);
  if (!drive)
    {
      g_set_error (error, VIRTBUS_ERROR, VIRTBUS_ERROR_NOT_FOUND,
                   "domain '%s' has no drive with the target or medium '%s'",
                   virtbus_domain_get_name (domain), name);
      return FALSE;
    }
  if (strcmp (drive->device, "cdrom") != 0 && strcmp (drive->device, "floppy") != 0)
    {
      g_set_error (error, CTL_ERROR, CTL_ERROR_FAILED, "disk '%s' is no CD-ROM or floppy drive",
                   drive->target);
      return FALSE;
    }
  if (change == INSERT && drive->source)
    {
      g_set_error (error, CTL_ERROR, CTL_ERROR_FAILED,
                   "drive '%s' holds %s already; --update replaces it", drive->target,
                   drive->source);
      return FALSE;
    }
  xml = drive_xml (drive, change == EJECT ? NULL : ctl_args_get (args, 2));
  if (ctl_args_flag (args, "force"))
    flags |= UPDATE_FORCE;
  if (!virtbus_domain_call_update_device_sync (domain, xml, flags, NULL, error))
    return FALSE;
  ctl_say (ctx, "Successfully %s media.", done[change]);
  return TRUE;
}

static const CtlArg domain_file_args[] = {
  { "DOMAIN", CTL_ARG_DOMAIN },
  { "FILE", CTL_ARG_FILE },
  { NULL },
};

static const CtlOption device_options[] = {
  { "live", NULL, "the running guest" },
  { "config", NULL, "the persistent definition" },
  { "current", NULL, "the running guest when it runs, else the definition (the default)" },
  { "persistent", NULL, "the definition, and the running guest when it runs" },
  { NULL },
};

const CtlCommand ctl_domain_devices_commands[] = {
  { "attach-device", "Add a disk or network interface to a domain from an XML file",
    domain_file_args, device_options, run_attach_device,
    "FILE holds one <disk> or <interface> element (- reads standard input)." },
  { "detach-device", "Remove a disk or network interface described by an XML file",
    domain_file_args, device_options, run_detach_device,
    "FILE names the device: a <disk> with its <target dev>, an <interface> with its\n"
    "<mac address>. From a running guest it waits until the guest lets it go." },
  { "change-media", "Insert, change or eject the medium of a CD-ROM or floppy drive",
    (const CtlArg[]){ { "DOMAIN", CTL_ARG_DOMAIN },
                      { "PATH", CTL_ARG_WORD },
                      { "SOURCE", CTL_ARG_FILE, CTL_ARG_OPTIONAL },
                      { NULL } },
    (const CtlOption[]){
      { "eject", NULL, "empty the drive (the default without SOURCE)" },
      { "insert", NULL, "put SOURCE into an empty drive" },
      { "update", NULL, "replace the medium with SOURCE (the default with SOURCE)" },
      { "force", NULL, "open the tray even when the guest keeps it locked" },
      { "live", NULL, "the running guest" },
      { "config", NULL, "the persistent definition" },
      { "current", NULL, "the running guest when it runs, else the definition (the default)" },
      { NULL } },
    run_change_media,
    "PATH is the drive's target (hdc) or the file it holds now; SOURCE the new image." },
  { NULL },
};
