/* virtbusctl's escaping of text for a terminal (objects/ctl/ctl-output.c):
 * what a terminal would act on or hide comes out as a visible escape, the
 * rest of the text as it was. */
#include "ctl-output.h"

typedef struct {
  const char *text;
  const char *shown;
} Case;

static void
test_escape (void)
{
  static const Case cases[] = {
    /* Plain text, UTF-8 included, stays. */
    { "webserver1", "webserver1" },
    { "café ünïcødé 日本 🐧", "café ünïcødé 日本 🐧" },
    { "a b;c$(d)'e\"f\\g", "a b;c$(d)'e\"f\\g" },
    { "", "" },
    /* C0: escape sequences, bell, backspace, carriage return, tab, newline. */
    { "\033[2J\033[31mred", "\\x1b[2J\\x1b[31mred" },
    { "\033]0;title\007", "\\x1b]0;title\\x07" },
    { "ok\rfake", "ok\\x0dfake" },
    { "a\bb\tc\nd", "a\\x08b\\x09c\\x0ad" },
    { "del\177", "del\\x7f" },
    /* C1 as UTF-8 (U+009B is CSI, U+0085 NEL). */
    { "\302\23331m", "\\u009b31m" }, /* octal escapes stop at 3 digits */
    { "x\302\205y", "x\\u0085y" },
    /* Bidi controls, zero-width characters, BOM, line separator. */
    { "invoice\342\200\256fdp.exe", "invoice\\u202efdp.exe" },
    { "a\342\201\246b\342\201\251c", "a\\u2066b\\u2069c" },
    { "zero\342\200\213width\342\200\215join", "zero\\u200bwidth\\u200djoin" },
    { "\357\273\277bom", "\\ufeffbom" },
    { "line\342\200\250sep", "line\\u2028sep" },
    /* A format character beyond the BMP (a tag). */
    { "tag\363\240\200\201", "tag\\U000e0001" },
    /* Bytes that are no UTF-8: one by one (0x9b alone is CSI to some terminals). */
    { "raw\233[1m", "raw\\x9b[1m" },
    { "bad\303", "bad\\xc3" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *shown = ctl_escape_controls (cases[i].text, FALSE);

      g_assert_cmpstr (shown, ==, cases[i].shown);
      g_assert_true (g_utf8_validate (shown, -1, NULL));
    }
}

/* Messages of several lines (a usage error) keep their newlines; nothing
 * else changes. */
static void
test_escape_lines (void)
{
  g_autofree char *shown = ctl_escape_controls ("first\nsecond\033[K\r\n", TRUE);

  g_assert_cmpstr (shown, ==, "first\nsecond\\x1b[K\\x0d\n");
}

/* For a pipe or a file the bytes stay as the service gave them. */
static void
test_not_terminal (void)
{
  FILE *file = tmpfile ();
  g_autofree char *text = NULL;

  g_assert_nonnull (file);
  text = ctl_terminal_text (file, "\033[31mred\342\200\256", FALSE);
  g_assert_cmpstr (text, ==, "\033[31mred\342\200\256");
  fclose (file);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ctl-output/escape", test_escape);
  g_test_add_func ("/ctl-output/escape-lines", test_escape_lines);
  g_test_add_func ("/ctl-output/not-terminal", test_not_terminal);
  return g_test_run ();
}
