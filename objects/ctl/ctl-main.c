/* virtbusctl: virtbus's command-line client, for people who know virsh.
 * Global options, then a command from the tables of ctl-groups.c, which
 * parse their own arguments and talk to the service through libvirtbus. */
#include <locale.h>
#include <stdio.h>
#include <string.h>

#include "ctl-command.h"
#include "ctl-error.h"
#include "ctl-help.h"

static gboolean global_usage_error (GError **error, const char *format, ...) G_GNUC_PRINTF (2, 3);

static gboolean
global_usage_error (GError **error, const char *format, ...)
{
  g_autofree char *what = NULL;
  va_list ap;

  va_start (ap, format);
  what = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error (error, CTL_ERROR, CTL_ERROR_USAGE, "%s; 'virtbusctl help' shows the usage", what);
  return FALSE;
}

/* The options before the command; *index ends at the command's name. */
static gboolean
parse_global (CtlContext *ctx, int argc, char **argv, int *index, gboolean *version, GError **error)
{
  const char *bus = NULL; /* the bus option given, for the conflict message */
  int i = 0;

  for (i = 1; i < argc && argv[i][0] == '-'; i++)
    {
      const char *arg = argv[i];
      const char *this_bus = NULL;

      if (strcmp (arg, "--json") == 0)
        ctx->json = TRUE;
      else if (strcmp (arg, "--quiet") == 0 || strcmp (arg, "-q") == 0)
        ctx->quiet = TRUE;
      else if (strcmp (arg, "--version") == 0)
        *version = TRUE;
      else if (strcmp (arg, "--help") == 0 || strcmp (arg, "-h") == 0)
        break;
      else if (strcmp (arg, "--system") == 0)
        ctx->bus_type = G_BUS_TYPE_SYSTEM, this_bus = arg;
      else if (strcmp (arg, "--session") == 0)
        ctx->bus_type = G_BUS_TYPE_SESSION, this_bus = arg;
      else if (strcmp (arg, "--address") == 0 || g_str_has_prefix (arg, "--address="))
        {
          const char *value = arg[9] == '=' ? arg + 10 : argv[++i];

          if (!value || !*value)
            return global_usage_error (error, "--address needs a D-Bus address");
          g_free (ctx->address);
          ctx->address = g_strdup (value);
          this_bus = "--address";
        }
      else
        return global_usage_error (error, "unknown option '%s'", arg);
      if (this_bus && bus && strcmp (bus, this_bus) != 0)
        return global_usage_error (error, "%s and %s exclude each other", bus, this_bus);
      if (this_bus)
        bus = this_bus;
    }
  *index = i;
  return TRUE;
}

static int
run (CtlContext *ctx, int argc, char **argv, GError **error)
{
  const CtlCommand *command;
  g_autoptr (CtlArgs) args = NULL;
  gboolean version = FALSE;
  int i = 0;

  if (!parse_global (ctx, argc, argv, &i, &version, error))
    return CTL_EXIT_USAGE;
  if (version)
    {
      puts ("virtbusctl " CTL_VERSION);
      return CTL_EXIT_OK;
    }
  if (i < argc && argv[i][0] == '-')
    {
      ctl_help_print_overview (stdout);
      return CTL_EXIT_OK;
    }
  if (i == argc)
    {
      ctl_help_print_overview (stderr);
      return CTL_EXIT_USAGE;
    }
  command = ctl_command_find (argv[i]);
  if (!command)
    {
      g_set_error (error, CTL_ERROR, CTL_ERROR_USAGE,
                   "unknown command '%s'; 'virtbusctl help' lists them", argv[i]);
      return CTL_EXIT_USAGE;
    }
  args = ctl_args_parse (command, ctx, argc - i - 1, argv + i + 1, error);
  if (!args)
    return CTL_EXIT_USAGE;
  if (args->help)
    {
      ctl_help_print_command (stdout, command);
      return CTL_EXIT_OK;
    }
  if (!command->run (ctx, args, error))
    return *error ? ctl_error_exit_code (*error) : CTL_EXIT_FAILED;
  return CTL_EXIT_OK;
}

int
main (int argc, char **argv)
{
  CtlContext ctx = { .bus_type = G_BUS_TYPE_SYSTEM };
  g_autoptr (GError) error = NULL;
  int code;

  setlocale (LC_ALL, "");
  code = run (&ctx, argc, argv, &error);
  if (error)
    ctl_error_print (error);
  ctl_context_clear (&ctx);
  if (fflush (stdout) != 0 && code == CTL_EXIT_OK)
    code = CTL_EXIT_FAILED;
  return code;
}
