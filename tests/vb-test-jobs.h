/* The Job objects long operations return: their phase waited for, their
 * details and error read. */
#pragma once

#include "vb-test-daemons.h"

G_BEGIN_DECLS

/* Waits until the Job's Phase is one of @phases ("completed|failed"); returns
 * it. Fails the test when none comes within @timeout_ms. */
char *vb_test_job_wait_phase (VbTestEnv *env, const char *job, const char *phases,
                              guint timeout_ms);
/* Waits for the Job to end; fails the test, with the Job's error, unless it
 * completed. */
void vb_test_job_wait_completed (VbTestEnv *env, const char *job, guint timeout_ms);
/* A uint64 entry of the Job's Details; fails the test when it is missing. */
guint64 vb_test_job_detail (VbTestEnv *env, const char *job, const char *key);
/* The "error" entry of the Job's Details, "" when none. */
char *vb_test_job_error (VbTestEnv *env, const char *job);

G_END_DECLS
