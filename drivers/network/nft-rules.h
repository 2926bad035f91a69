/* The firewall of one network: an nft table of its own (inet family), made
 * with the network and deleted with it, so nothing else's rules are touched. */
#pragma once

#include "net-config.h"

G_BEGIN_DECLS

/* "virtbus_<name>", characters nft does not take replaced, with part of the
 * UUID appended when the name had to change (so two names cannot meet). */
char *vb_nft_table_name (const VbNetConfig *config);
/* The nft script (for `nft -f -`) that creates the table for @config on
 * @bridge; NULL without @error set when the mode needs no rules (open).
 * Refuses (VB_ERROR_INVALID_ARGUMENT) a bridge that is not a plain interface
 * name, whatever let it through: nft cannot quote one. */
char *vb_nft_ruleset (const VbNetConfig *config, const char *table, GError **error);

G_END_DECLS
