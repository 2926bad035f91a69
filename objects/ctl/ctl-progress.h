/* The figures of a Job as people read them: one line with a bar that a
 * terminal redraws in place, or a plain sentence for logs and pipes. Pure
 * formatting, so tests can check it without a terminal. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct {
  const char *title; /* "Migration", "Upload" */
  const char *phase; /* the Job's Phase */
  double progress;   /* 0.0 to 1.0, negative while unknown */
  guint64 processed; /* bytes */
  guint64 total;     /* bytes, 0 while unknown */
  guint64 rate;      /* bytes per second, 0 while unknown */
  gint64 remaining;  /* seconds, negative while unknown */
} CtlProgress;

/* "1.5 MiB", "512 B": an amount of bytes. */
char *ctl_format_bytes (guint64 bytes);
/* "0:07", "1:02:03": a duration in seconds. */
char *ctl_format_duration (gint64 seconds);
/* The bar line, at most @width columns wide (no newline). */
char *ctl_progress_bar (const CtlProgress *progress, guint width);
/* "Upload: 45%, 12.0 MiB of 26.7 MiB at 1.2 MiB/s, 0:12 left (copying)". */
char *ctl_progress_sentence (const CtlProgress *progress);

G_END_DECLS
