/* The parser of a command's arguments, driven by its table entry: long
 * options only (--name, --name=VALUE, --name VALUE), "--" ends them, "-" is
 * an argument (standard input where a FILE is read). */
#include "ctl-command.h"

#include <string.h>

#include "ctl-error.h"

const CtlCommand *
ctl_command_find (const char *name)
{
  for (const CtlGroup *group = ctl_groups; group->title; group++)
    for (const CtlCommand *command = group->commands; command->name; command++)
      if (strcmp (command->name, name) == 0)
        return command;
  return NULL;
}

const CtlOption *
ctl_command_option (const CtlCommand *command, const char *name)
{
  for (const CtlOption *option = command->options; option && option->name; option++)
    if (strcmp (option->name, name) == 0)
      return option;
  return NULL;
}

char *
ctl_command_usage (const CtlCommand *command)
{
  GString *usage = g_string_new (command->name);

  for (const CtlArg *arg = command->args; arg && arg->name; arg++)
    {
      if (arg->flags & CTL_ARG_MANY)
        g_string_append_printf (usage, " [%s...]", arg->name);
      else if (arg->flags & CTL_ARG_OPTIONAL)
        g_string_append_printf (usage, " [%s]", arg->name);
      else
        g_string_append_printf (usage, " %s", arg->name);
    }
  for (const CtlOption *option = command->options; option && option->name; option++)
    {
      if (option->value)
        g_string_append_printf (usage, " [--%s %s]", option->name, option->value);
      else
        g_string_append_printf (usage, " [--%s]", option->name);
    }
  return g_string_free (usage, FALSE);
}

static gboolean usage_error (GError **error, const CtlCommand *command, const char *format, ...)
  G_GNUC_PRINTF (3, 4);

static gboolean
usage_error (GError **error, const CtlCommand *command, const char *format, ...)
{
  g_autofree char *what = NULL;
  g_autofree char *usage = ctl_command_usage (command);
  va_list ap;

  va_start (ap, format);
  what = g_strdup_vprintf (format, ap);
  va_end (ap);
  g_set_error (error, CTL_ERROR, CTL_ERROR_USAGE, "%s\nusage: virtbusctl %s", what, usage);
  return FALSE;
}

/* The options every command takes. */
static gboolean
common_option (CtlContext *ctx, CtlArgs *args, const char *name)
{
  if (strcmp (name, "json") == 0)
    ctx->json = TRUE;
  else if (strcmp (name, "quiet") == 0)
    ctx->quiet = TRUE;
  else if (strcmp (name, "help") == 0)
    args->help = TRUE;
  else
    return FALSE;
  return TRUE;
}

static gboolean
take_option (CtlContext *ctx, CtlArgs *args, int argc, char **argv, int *i, GError **error)
{
  const CtlCommand *command = args->command;
  const char *word = argv[*i] + 2;
  const char *equals = strchr (word, '=');
  g_autofree char *name = equals ? g_strndup (word, equals - word) : g_strdup (word);
  const CtlOption *option = ctl_command_option (command, name);

  if (!option && !equals && common_option (ctx, args, name))
    return TRUE;
  if (!option)
    return usage_error (error, command, "'%s' has no option --%s", command->name, name);
  if (!option->value)
    {
      if (equals)
        return usage_error (error, command, "--%s takes no value", name);
      g_hash_table_replace (args->options, g_steal_pointer (&name), g_strdup (""));
      return TRUE;
    }
  if (equals)
    g_hash_table_replace (args->options, g_steal_pointer (&name), g_strdup (equals + 1));
  else if (*i + 1 < argc)
    g_hash_table_replace (args->options, g_steal_pointer (&name), g_strdup (argv[++*i]));
  else
    return usage_error (error, command, "--%s needs a value (%s)", name, option->value);
  return TRUE;
}

/* The number of positional arguments @command takes: at least *min, at
 * most *max (G_MAXUINT for a list). */
static void
arity (const CtlCommand *command, guint *min, guint *max)
{
  *min = *max = 0;
  for (const CtlArg *arg = command->args; arg && arg->name; arg++)
    {
      if (arg->flags & CTL_ARG_MANY)
        *max = G_MAXUINT;
      else
        (*max)++;
      if (!(arg->flags & (CTL_ARG_OPTIONAL | CTL_ARG_MANY)))
        (*min)++;
    }
}

CtlArgs *
ctl_args_parse (const CtlCommand *command, CtlContext *ctx, int argc, char **argv, GError **error)
{
  g_autoptr (CtlArgs) args = g_new0 (CtlArgs, 1);
  gboolean options_end = FALSE;
  guint min, max;

  args->command = command;
  args->positional = g_ptr_array_new_with_free_func (g_free);
  args->options = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (int i = 0; i < argc; i++)
    {
      if (!options_end && strcmp (argv[i], "--") == 0)
        options_end = TRUE;
      else if (!options_end && g_str_has_prefix (argv[i], "--"))
        {
          if (!take_option (ctx, args, argc, argv, &i, error))
            return NULL;
        }
      else if (!options_end && strcmp (argv[i], "-h") == 0)
        args->help = TRUE;
      else if (!options_end && argv[i][0] == '-' && argv[i][1] != '\0')
        {
          usage_error (error, command, "'%s' is no option of '%s' (options are --long)", argv[i],
                       command->name);
          return NULL;
        }
      else
        g_ptr_array_add (args->positional, g_strdup (argv[i]));
    }
  if (args->help)
    return g_steal_pointer (&args);
  arity (command, &min, &max);
  if (args->positional->len < min)
    {
      const CtlArg *missing = &command->args[args->positional->len];

      usage_error (error, command, "'%s' needs %s", command->name, missing->name);
      return NULL;
    }
  if (args->positional->len > max && max == 0)
    {
      usage_error (error, command, "'%s' takes no arguments, not '%s'", command->name,
                   (char *) args->positional->pdata[0]);
      return NULL;
    }
  if (args->positional->len > max)
    {
      usage_error (error, command, "'%s' takes %s %u argument%s, not '%s'", command->name,
                   min == max ? "exactly" : "at most", max, max == 1 ? "" : "s",
                   (char *) args->positional->pdata[max]);
      return NULL;
    }
  return g_steal_pointer (&args);
}

void
ctl_args_free (CtlArgs *args)
{
  if (!args)
    return;
  g_clear_pointer (&args->positional, g_ptr_array_unref);
  g_clear_pointer (&args->options, g_hash_table_unref);
  g_free (args);
}

const char *
ctl_args_get (CtlArgs *args, guint index)
{
  return index < args->positional->len ? args->positional->pdata[index] : NULL;
}

/* Asking for an option the table does not declare is a bug of the command. */
static void
check_declared (CtlArgs *args, const char *option)
{
  if (!ctl_command_option (args->command, option))
    g_critical ("'%s' reads the undeclared option --%s", args->command->name, option);
}

gboolean
ctl_args_flag (CtlArgs *args, const char *option)
{
  check_declared (args, option);
  return g_hash_table_contains (args->options, option);
}

const char *
ctl_args_value (CtlArgs *args, const char *option)
{
  check_declared (args, option);
  return g_hash_table_lookup (args->options, option);
}
