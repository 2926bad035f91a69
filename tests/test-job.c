/* What a Job says when asked for an action it does not have. */
#include "job.h"
#include "vb-error.h"

static void
check_refusal (const char *operation, const char *expected)
{
  g_autoptr (VbJob) job = vb_job_new (operation, "/org/virtbus/Virt1/domain/_x", FALSE);
  g_autoptr (GError) error = NULL;

  g_assert_false (vb_job_act (job, "pivot", 0, &error));
  g_assert_error (error, VB_ERROR, VB_ERROR_NOT_SUPPORTED);
  g_assert_cmpstr (error->message, ==, expected);
}

static void
test_article (void)
{
  check_refusal ("upload", "An upload job has no pivot");
  check_refusal ("save", "A save job has no pivot");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/job/no-action-article", test_article);
  return g_test_run ();
}
