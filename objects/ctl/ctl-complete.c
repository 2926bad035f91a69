/* __complete, the hidden command behind shell completion (virtbusctl.bash):
 * given the words of a command line up to the cursor, the last being the
 * word being completed (maybe empty), prints the candidates one a line:
 * global options and commands, a command's options, or what its argument
 * names (live domain, network and pool names from the service the line
 * talks to). "@files" asks the shell to complete a file name. */
#include <stdio.h>
#include <string.h>

#include "ctl-command.h"

static const char *const global_options[] = {
  "--system", "--session", "--address", "--json", "--quiet", "--version", "--help", NULL,
};
static const char *const common_options[] = { "--json", "--quiet", "--help", NULL };

static void
offer (const char *candidate, const char *prefix)
{
  if (g_str_has_prefix (candidate, prefix))
    puts (candidate);
}

static void
offer_all (const char *const *candidates, const char *prefix)
{
  for (guint i = 0; candidates[i]; i++)
    offer (candidates[i], prefix);
}

static void
offer_commands (const char *prefix)
{
  for (const CtlGroup *group = ctl_groups; group->title; group++)
    for (const CtlCommand *command = group->commands; command->name; command++)
      if (!(command->flags & CTL_COMMAND_HIDDEN))
        offer (command->name, prefix);
}

static void
offer_options (const CtlCommand *command, const char *prefix)
{
  for (const CtlOption *option = command->options; option && option->name; option++)
    {
      g_autofree char *word = g_strconcat ("--", option->name, NULL);

      offer (word, prefix);
    }
  offer_all (common_options, prefix);
}

static int
by_text (gconstpointer a, gconstpointer b)
{
  return g_strcmp0 (*(const char **) a, *(const char **) b);
}

/* The names of the objects with @interface_name, from the service, sorted. */
static void
offer_names (CtlContext *ctx, const char *interface_name, const char *prefix)
{
  VirtbusClient *client = ctl_context_client (ctx, NULL);
  g_autolist (GDBusObject) objects = NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);

  if (!client)
    return;
  objects = g_dbus_object_manager_get_objects (virtbus_client_get_object_manager (client));
  for (GList *l = objects; l; l = l->next)
    {
      g_autoptr (GDBusInterface) iface = g_dbus_object_get_interface (l->data, interface_name);
      g_autoptr (GVariant) name = NULL;

      if (iface)
        name = g_dbus_proxy_get_cached_property (G_DBUS_PROXY (iface), "Name");
      if (name && g_variant_is_of_type (name, G_VARIANT_TYPE_STRING))
        g_ptr_array_add (names, g_variant_dup_string (name, NULL));
    }
  g_ptr_array_sort (names, by_text);
  for (guint i = 0; i < names->len; i++)
    offer (names->pdata[i], prefix);
}

static void
offer_kind (CtlContext *ctx, CtlArgKind kind, const char *prefix)
{
  switch (kind)
    {
    case CTL_ARG_DOMAIN:
      offer_names (ctx, "org.virtbus.Virt1.Domain", prefix);
      break;
    case CTL_ARG_NETWORK:
      offer_names (ctx, "org.virtbus.Virt1.Network", prefix);
      break;
    case CTL_ARG_POOL:
      offer_names (ctx, "org.virtbus.Virt1.StoragePool", prefix);
      break;
    case CTL_ARG_FILE:
      puts ("@files");
      break;
    case CTL_ARG_COMMAND:
      offer_commands (prefix);
      break;
    case CTL_ARG_WORD:
      break;
    }
}

/* The global options before the command: the bus to ask for names. Returns
 * the index of the command's word. */
static guint
skip_global (CtlContext *ctx, char **words, guint last)
{
  guint i;

  for (i = 0; i < last && words[i][0] == '-'; i++)
    {
      if (strcmp (words[i], "--session") == 0)
        ctx->bus_type = G_BUS_TYPE_SESSION;
      else if (strcmp (words[i], "--address") == 0 && i + 1 < last)
        {
          g_free (ctx->address);
          ctx->address = g_strdup (words[++i]);
        }
      else if (g_str_has_prefix (words[i], "--address="))
        {
          g_free (ctx->address);
          ctx->address = g_strdup (words[i] + strlen ("--address="));
        }
    }
  return i;
}

/* The option @word ("--name" or "--name=value") of @command. */
static const CtlOption *
option_of (const CtlCommand *command, const char *word)
{
  g_autofree char *name = g_strndup (word + 2, strcspn (word + 2, "="));

  return ctl_command_option (command, name);
}

static CtlArgKind
positional_kind (const CtlCommand *command, guint index)
{
  const CtlArg *arg = command->args;

  for (guint i = 0; arg && arg->name; i++, arg++)
    if (i == index || ((arg->flags & CTL_ARG_MANY) && i <= index))
      return arg->kind;
  return CTL_ARG_WORD;
}

static void
complete_command (CtlContext *ctx, const CtlCommand *command, char **words, guint first, guint last)
{
  const char *current = words[last];
  gboolean options_end = FALSE;
  guint positional = 0;

  for (guint i = first; i < last; i++)
    {
      const CtlOption *option;

      if (!options_end && strcmp (words[i], "--") == 0)
        options_end = TRUE;
      else if (!options_end && g_str_has_prefix (words[i], "--"))
        {
          option = option_of (command, words[i]);
          if (option && option->value && !strchr (words[i], '='))
            {
              if (i + 1 == last)
                {
                  offer_kind (ctx, option->kind, current);
                  return;
                }
              i++;
            }
        }
      else
        positional++;
    }
  if (!options_end && current[0] == '-')
    offer_options (command, current);
  else
    offer_kind (ctx, positional_kind (command, positional), current);
}

static gboolean
run_complete (CtlContext *ctx, CtlArgs *args, GError **error)
{
  g_autoptr (GPtrArray) words = g_ptr_array_new ();
  const CtlCommand *command;
  guint last, first;

  for (guint i = 0; ctl_args_get (args, i); i++)
    g_ptr_array_add (words, (gpointer) ctl_args_get (args, i));
  if (words->len == 0)
    g_ptr_array_add (words, "");
  last = words->len - 1;
  first = skip_global (ctx, (char **) words->pdata, last);
  if (first == last)
    {
      const char *current = words->pdata[last];

      if (last > 0 && strcmp (words->pdata[last - 1], "--address") == 0)
        return TRUE;
      if (current[0] == '-')
        offer_all (global_options, current);
      else
        offer_commands (current);
      return TRUE;
    }
  command = ctl_command_find (words->pdata[first]);
  if (command && !(command->flags & CTL_COMMAND_HIDDEN))
    complete_command (ctx, command, (char **) words->pdata, first + 1, last);
  return TRUE;
}

const CtlCommand ctl_complete_commands[] = {
  { "__complete", "Print the completions of a command line (for the shell)",
    (const CtlArg[]){ { "WORD", CTL_ARG_WORD, CTL_ARG_MANY }, { NULL } }, NULL, run_complete, NULL,
    CTL_COMMAND_HIDDEN },
  { NULL },
};
