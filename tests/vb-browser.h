/* A page in a headless Chromium, driven as a person would use it: open a
 * URL, wait for something to show, click, type, read. Every wait is on a
 * condition, with a timeout generous enough for a loaded 2-core machine.
 * Whatever goes wrong fails the test with a screenshot, the page's text and
 * its console errors; screenshots go to $VB_TEST_ARTIFACTS_DIR (meson's log
 * directory under the suite). The browser also records every console error
 * and every PatternFly alert the page showed, even briefly, so a test can
 * assert there was none. */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _VbBrowser VbBrowser;

/* How long a wait lasts unless told otherwise. */
#define VB_BROWSER_TIMEOUT_MS 60000

/* Called before a failure ends the test: prints what else the test knows
 * (the logs of the services behind the page). */
typedef void (*VbBrowserFailureHook) (gpointer user_data);

/* Starts Chromium with a throw-away profile and opens an empty page; fails
 * the test if it cannot. */
VbBrowser *vb_browser_new (void);
/* Kills the browser (its whole process group) and removes its profile. */
void vb_browser_free (VbBrowser *browser);
void vb_browser_set_failure_hook (VbBrowser *browser, VbBrowserFailureHook hook,
                                  gpointer user_data);

/* Runs @js in every document the page loads from now on, before the
 * document's own scripts. */
void vb_browser_add_init_script (VbBrowser *browser, const char *js);
/* Opens @url and waits until it has loaded. */
void vb_browser_navigate (VbBrowser *browser, const char *url);

/* Evaluates the expression @js in the page (awaiting a promise it yields)
 * and returns its value as JSON, or NULL with @error when it throws. */
JsonNode *vb_browser_eval (VbBrowser *browser, const char *js, GError **error);
/* The same, failing the test when it throws. */
gboolean vb_browser_eval_bool (VbBrowser *browser, const char *js);
char *vb_browser_eval_string (VbBrowser *browser, const char *js);

/* Waits until the expression @js is true; on timeout fails the test saying
 * it waited for @what. */
void vb_browser_wait_js (VbBrowser *browser, const char *js, guint timeout_ms, const char *what);
/* Waits until an element matches the CSS @selector and is shown. */
void vb_browser_wait_visible (VbBrowser *browser, const char *selector);
/* Waits until no shown element matches @selector. */
void vb_browser_wait_gone (VbBrowser *browser, const char *selector);
/* Waits until an element matching @selector contains @text, read as a
 * person reads it: any run of white space (a no-break space too) is one space. */
void vb_browser_wait_text (VbBrowser *browser, const char *selector, const char *text);
/* The text of the first element matching @selector (NULL if none). */
char *vb_browser_text (VbBrowser *browser, const char *selector);
/* Waits until the element is shown, enabled and not covered, then clicks its
 * middle with the mouse. */
void vb_browser_click (VbBrowser *browser, const char *selector);
/* Waits until the field is shown and enabled, then replaces its content
 * with @text as typed. */
void vb_browser_type (VbBrowser *browser, const char *selector, const char *text);

/* Waits until the <select> is shown, enabled and offers @value, then
 * chooses it. */
void vb_browser_select (VbBrowser *browser, const char *selector, const char *value);

/* Saves a PNG of the page as <test path>-@name.png in the artifacts
 * directory; returns its path. */
char *vb_browser_screenshot (VbBrowser *browser, const char *name);

/* Console errors and uncaught exceptions so far, one line each. */
GPtrArray *vb_browser_console_errors (VbBrowser *browser);
/* Every danger or warning alert (.pf-c-alert, .pf-v5-c-alert) the page has
 * shown so far, gone or not, as "title: text". */
GPtrArray *vb_browser_error_alerts (VbBrowser *browser);
/* Fails the test if any console error or error alert was seen, except the
 * console errors that contain one of @allowed (NULL-terminated, may be NULL). */
void vb_browser_assert_no_errors (VbBrowser *browser, const char *const *allowed);

/* Fails the test: a screenshot, the page's text, the console, the hook. */
G_NORETURN void vb_browser_fail (VbBrowser *browser, const char *format, ...) G_GNUC_PRINTF (2, 3);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (VbBrowser, vb_browser_free)

G_END_DECLS
