/* define, undefine and the state changes: one call each on the domain's
 * proxy, and virsh's message when it worked. */
#include "ctl-command.h"
#include "ctl-input.h"
#include "ctl-output.h"

/* Domain.Start, Manager.DefineDomain and Domain.Undefine flags
 * (introspection/org.virtbus.Virt1.Domain.xml). */
#define START_PAUSED (1u << 0)
#define UNDEFINE_MANAGED_SAVE (1u << 0)
#define UNDEFINE_SNAPSHOTS_METADATA (1u << 1)

static gboolean
run_define (CtlContext *ctx, CtlArgs *args, GError **error)
{
  const char *file = ctl_args_get (args, 0);
  g_autofree char *xml = ctl_read_input (file, error);
  g_autofree char *path = NULL;
  g_autoptr (VirtbusObject) object = NULL;
  VirtbusDomain *domain;
  VirtbusClient *client;

  if (!xml || !(client = ctl_context_client (ctx, error)))
    return FALSE;
  if (!virtbus_manager_call_define_domain_sync (virtbus_client_get_manager (client), xml, 0, &path,
                                                NULL, error))
    return FALSE;
  object = ctl_context_wait_object (ctx, path, error);
  if (!object)
    return FALSE;
  domain = virtbus_object_peek_domain (object);
  if (ctx->json)
    {
      g_autoptr (JsonBuilder) builder = json_builder_new ();

      json_builder_begin_object (builder);
      json_builder_set_member_name (builder, "name");
      json_builder_add_string_value (builder, virtbus_domain_get_name (domain));
      json_builder_set_member_name (builder, "uuid");
      json_builder_add_string_value (builder, virtbus_domain_get_uuid (domain));
      json_builder_set_member_name (builder, "path");
      json_builder_add_string_value (builder, path);
      json_builder_end_object (builder);
      ctl_print_json (json_builder_get_root (builder));
    }
  ctl_say (ctx, "Domain '%s' defined from %s", virtbus_domain_get_name (domain), file);
  return TRUE;
}

typedef gboolean (*DomainCall) (VirtbusDomain *domain, guint flags, GError **error);

/* Looks the domain up, calls, and says @done ("Domain 'NAME' started"). */
static gboolean
act (CtlContext *ctx, CtlArgs *args, DomainCall call, guint flags, const char *done, GError **error)
{
  g_autoptr (VirtbusDomain) domain = ctl_context_domain (ctx, ctl_args_get (args, 0), error);
  g_autofree char *name = NULL;

  if (!domain)
    return FALSE;
  /* The proxy's Name may change, or go, with the call. */
  name = g_strdup (virtbus_domain_get_name (domain));
  if (!call (domain, flags, error))
    return FALSE;
  ctl_say (ctx, "Domain '%s' %s", name, done);
  return TRUE;
}

static gboolean
call_undefine (VirtbusDomain *domain, guint flags, GError **error)
{
  return virtbus_domain_call_undefine_sync (domain, flags, NULL, error);
}

static gboolean
run_undefine (CtlContext *ctx, CtlArgs *args, GError **error)
{
  guint flags = 0;

  if (ctl_args_flag (args, "managed-save"))
    flags |= UNDEFINE_MANAGED_SAVE;
  if (ctl_args_flag (args, "snapshots-metadata"))
    flags |= UNDEFINE_SNAPSHOTS_METADATA;
  return act (ctx, args, call_undefine, flags, "has been undefined", error);
}

static gboolean
call_start (VirtbusDomain *domain, guint flags, GError **error)
{
  return virtbus_domain_call_start_sync (domain, flags, NULL, error);
}

static gboolean
run_start (CtlContext *ctx, CtlArgs *args, GError **error)
{
  return act (ctx, args, call_start, ctl_args_flag (args, "paused") ? START_PAUSED : 0, "started",
              error);
}

static gboolean
call_shutdown (VirtbusDomain *domain, guint flags, GError **error)
{
  return virtbus_domain_call_shutdown_sync (domain, flags, NULL, error);
}

static gboolean
run_shutdown (CtlContext *ctx, CtlArgs *args, GError **error)
{
  return act (ctx, args, call_shutdown, 0, "is being shutdown", error);
}

static gboolean
call_reboot (VirtbusDomain *domain, guint flags, GError **error)
{
  return virtbus_domain_call_reboot_sync (domain, flags, NULL, error);
}

static gboolean
run_reboot (CtlContext *ctx, CtlArgs *args, GError **error)
{
  return act (ctx, args, call_reboot, 0, "is being rebooted", error);
}

static gboolean
call_reset (VirtbusDomain *domain, guint flags, GError **error)
{
  return virtbus_domain_call_reset_sync (domain, flags, NULL, error);
}

static gboolean
run_reset (CtlContext *ctx, CtlArgs *args, GError **error)
{
  return act (ctx, args, call_reset, 0, "was reset", error);
}

static gboolean
call_destroy (VirtbusDomain *domain, guint flags, GError **error)
{
  return virtbus_domain_call_destroy_sync (domain, flags, NULL, error);
}

static gboolean
run_destroy (CtlContext *ctx, CtlArgs *args, GError **error)
{
  return act (ctx, args, call_destroy, 0, "destroyed", error);
}

static gboolean
call_suspend (VirtbusDomain *domain, guint flags, GError **error)
{
  return virtbus_domain_call_suspend_sync (domain, NULL, error);
}

static gboolean
run_suspend (CtlContext *ctx, CtlArgs *args, GError **error)
{
  return act (ctx, args, call_suspend, 0, "suspended", error);
}

static gboolean
call_resume (VirtbusDomain *domain, guint flags, GError **error)
{
  return virtbus_domain_call_resume_sync (domain, NULL, error);
}

static gboolean
run_resume (CtlContext *ctx, CtlArgs *args, GError **error)
{
  return act (ctx, args, call_resume, 0, "resumed", error);
}

static const CtlArg domain_arg[] = { { "DOMAIN", CTL_ARG_DOMAIN }, { NULL } };

const CtlCommand ctl_domain_lifecycle_commands[] = {
  { "define", "Define (or redefine) a domain from an XML file",
    (const CtlArg[]){ { "FILE", CTL_ARG_FILE }, { NULL } }, NULL, run_define,
    "FILE is libvirt's domain XML; - reads it from standard input. The domain with\n"
    "the XML's <uuid> gets the new definition; XML without a <uuid> defines a new\n"
    "domain, so its name must be free (dumpxml --inactive gives the XML with its\n"
    "UUID). --json prints its name, uuid and object path." },
  { "undefine", "Remove a domain's persistent definition", domain_arg,
    (const CtlOption[]){ { "managed-save", NULL, "remove its managed save image too" },
                         { "snapshots-metadata", NULL, "remove its snapshots' metadata too" },
                         { NULL } },
    run_undefine, "A running domain becomes transient and goes when it stops." },
  { "start", "Start a defined domain", domain_arg,
    (const CtlOption[]){ { "paused", NULL, "with its vCPUs paused" }, { NULL } }, run_start },
  { "shutdown", "Ask a domain's guest to power off (ACPI power button)", domain_arg, NULL,
    run_shutdown },
  { "reboot", "Ask a domain's guest to restart", domain_arg, NULL, run_reboot },
  { "reset", "Reset a domain at once, like the reset button", domain_arg, NULL, run_reset },
  { "destroy", "Stop a domain at once, like pulling the plug", domain_arg, NULL, run_destroy },
  { "suspend", "Pause a domain's vCPUs", domain_arg, NULL, run_suspend },
  { "resume", "Run a paused domain's vCPUs again", domain_arg, NULL, run_resume },
  { NULL },
};
