/* What the service leaves running when it exits: QEMU guests and bridge
 * networks outlive it by design, and whoever stops it should know which. */
#pragma once

#include "driver.h"

G_BEGIN_DECLS

/* Logs one notice saying how many domains and networks keep running (or
 * that none does), then one line for each, under its object
 * ("domain/web1: keeps running (qemu, paused)"). */
void vb_exit_summary_log (VbDriverHost *host);

G_END_DECLS
