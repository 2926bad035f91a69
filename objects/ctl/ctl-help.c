#include "ctl-help.h"

#include <string.h>

#include "ctl-error.h"

#define HELP_COLUMN 24

static void
print_item (FILE *out, const char *indent, const char *item, const char *text)
{
  int width = (int) strlen (indent) + (int) strlen (item);

  fprintf (out, "%s%s", indent, item);
  if (width + 2 > HELP_COLUMN)
    fprintf (out, "\n%*s%s\n", HELP_COLUMN, "", text);
  else
    fprintf (out, "%*s%s\n", HELP_COLUMN - width, "", text);
}

void
ctl_help_print_overview (FILE *out)
{
  const char *title = NULL;

  fputs ("Usage: virtbusctl [--system | --session | --address ADDR] [--json] [--quiet]\n"
         "                  COMMAND [ARGUMENT...] [OPTION...]\n"
         "\n"
         "The command-line client of virtbus. Domains are named by name or UUID.\n"
         "\n"
         "Global options:\n",
         out);
  print_item (out, "  ", "--system", "virtbus on the system bus (the default)");
  print_item (out, "  ", "--session", "virtbus on the session bus");
  print_item (out, "  ", "--address ADDR", "virtbus on the message bus at the D-Bus address ADDR");
  print_item (out, "  ", "--json", "listings and information as JSON (also after a command)");
  print_item (out, "  ", "--quiet", "no messages on success (also after a command)");
  print_item (out, "  ", "--version", "print virtbusctl's version");
  for (const CtlGroup *group = ctl_groups; group->title; group++)
    {
      if (g_strcmp0 (title, group->title) != 0)
        fprintf (out, "\n%s:\n", group->title);
      title = group->title;
      for (const CtlCommand *command = group->commands; command->name; command++)
        if (!(command->flags & CTL_COMMAND_HIDDEN))
          print_item (out, "  ", command->name, command->summary);
    }
  fputs ("\n'virtbusctl help COMMAND' shows a command's arguments and options.\n"
         "Exit codes: 0 done, 1 failed, 2 usage error, 3 not found, 4 not authorized,\n"
         "5 virtbus not reachable (virtbusctl(1)).\n",
         out);
}

void
ctl_help_print_command (FILE *out, const CtlCommand *command)
{
  g_autofree char *usage = ctl_command_usage (command);

  fprintf (out, "Usage: virtbusctl %s\n\n%s.\n", usage, command->summary);
  if (command->description)
    fprintf (out, "\n%s\n", command->description);
  if (command->options && command->options->name)
    {
      fputs ("\nOptions:\n", out);
      for (const CtlOption *option = command->options; option->name; option++)
        {
          g_autofree char *item = option->value
                                    ? g_strdup_printf ("--%s %s", option->name, option->value)
                                    : g_strdup_printf ("--%s", option->name);

          print_item (out, "  ", item, option->help);
        }
    }
}

static gboolean
run_help (CtlContext *ctx, CtlArgs *args, GError **error)
{
  const char *name = ctl_args_get (args, 0);
  const CtlCommand *command;

  if (!name)
    {
      ctl_help_print_overview (stdout);
      return TRUE;
    }
  command = ctl_command_find (name);
  if (!command || (command->flags & CTL_COMMAND_HIDDEN))
    {
      g_set_error (error, CTL_ERROR, CTL_ERROR_USAGE,
                   "unknown command '%s'; 'virtbusctl help' lists them", name);
      return FALSE;
    }
  ctl_help_print_command (stdout, command);
  return TRUE;
}

const CtlCommand ctl_help_commands[] = {
  { "help", "Show the commands, or a command's arguments and options",
    (const CtlArg[]){ { "COMMAND", CTL_ARG_COMMAND, CTL_ARG_OPTIONAL }, { NULL } }, NULL,
    run_help },
  { NULL },
};
