/* A command of virtbusctl as data: its name, its one-line summary, its
 * positional arguments and options, and the function that runs it. Help,
 * usage messages, the argument parser and shell completion all read these
 * tables, so a command is described once. Each file of commands exports one
 * table; ctl-groups.c lists the tables. */
#pragma once

#include "ctl-context.h"

G_BEGIN_DECLS

/* What an argument or an option's value names: what completion offers. */
typedef enum {
  CTL_ARG_WORD,    /* anything: nothing to complete */
  CTL_ARG_DOMAIN,  /* a domain's name or UUID */
  CTL_ARG_NETWORK, /* a network's name or UUID */
  CTL_ARG_POOL,    /* a storage pool's name or UUID */
  CTL_ARG_FILE,    /* a file name */
  CTL_ARG_COMMAND, /* a command of virtbusctl */
} CtlArgKind;

typedef enum {
  CTL_ARG_REQUIRED = 0,
  CTL_ARG_OPTIONAL = 1 << 0, /* may be left out (only trailing arguments) */
  CTL_ARG_MANY = 1 << 1,     /* zero or more (the last argument only) */
} CtlArgFlags;

typedef struct {
  const char *name; /* as usage shows it: "DOMAIN"; NULL ends a list */
  CtlArgKind kind;
  CtlArgFlags flags;
} CtlArg;

typedef struct {
  const char *name;  /* the long option without its dashes: "all"; NULL ends a list */
  const char *value; /* the placeholder of its value ("SIZE"), NULL for a flag */
  const char *help;
  CtlArgKind kind; /* what the value names, for completion */
} CtlOption;

/* A parsed command line: positional arguments and the options given. */
typedef struct _CtlCommand CtlCommand;
typedef struct {
  const CtlCommand *command;
  GPtrArray *positional; /* char * */
  GHashTable *options;   /* option name → its value ("" for a flag) */
  gboolean help;         /* --help after the command */
} CtlArgs;

typedef gboolean (*CtlRunFunc) (CtlContext *ctx, CtlArgs *args, GError **error);

typedef enum {
  CTL_COMMAND_NONE = 0,
  CTL_COMMAND_HIDDEN = 1 << 0, /* not in help, the man page nor completion */
} CtlCommandFlags;

struct _CtlCommand {
  const char *name; /* NULL ends a table */
  const char *summary;
  const CtlArg *args;       /* NULL when none */
  const CtlOption *options; /* NULL when none; --json, --quiet and --help always work */
  CtlRunFunc run;
  const char *description; /* more for `help COMMAND`, or NULL */
  CtlCommandFlags flags;
};

/* One file's table of commands, with the heading help shows them under
 * (tables with the same heading in a row share it). */
typedef struct {
  const char *title; /* NULL ends ctl_groups */
  const CtlCommand *commands;
} CtlGroup;

extern const CtlGroup ctl_groups[];

const CtlCommand *ctl_command_find (const char *name);
const CtlOption *ctl_command_option (const CtlCommand *command, const char *name);
/* "start DOMAIN [--paused]" */
char *ctl_command_usage (const CtlCommand *command);

/* Parses what follows the command's name on the command line: --json,
 * --quiet go to @ctx; a CTL_ERROR_USAGE names what is wrong. */
CtlArgs *ctl_args_parse (const CtlCommand *command, CtlContext *ctx, int argc, char **argv,
                         GError **error);
void ctl_args_free (CtlArgs *args);
/* The @index-th positional argument, NULL when it was not given. */
const char *ctl_args_get (CtlArgs *args, guint index);
gboolean ctl_args_flag (CtlArgs *args, const char *option);
/* The value of the option @option, NULL when not given. */
const char *ctl_args_value (CtlArgs *args, const char *option);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CtlArgs, ctl_args_free)

G_END_DECLS
