/* A page of a headless Chromium, driven over the DevTools protocol: see
 * vb-browser.h. */
#include "vb-browser.h"

#include <glib/gstdio.h>
#include <string.h>

#include "vb-cdp.h"

#define CALL_TIMEOUT_MS 30000
#define POLL_INTERVAL_MS 100
#define CONSOLE_KEPT 200

/* Kept on every document: each alert element as it is added, so that one
 * shown for a moment is still counted. A detached element keeps its text. */
static const char alert_recorder[] =
  "(() => {"
  "  if (window.__vbAlerts) return;"
  "  const seen = window.__vbAlerts = [];"
  "  const selector = '.pf-c-alert, .pf-v5-c-alert';"
  "  const look = node => {"
  "    if (node.nodeType !== Node.ELEMENT_NODE) return;"
  "    const found = node.matches(selector) ? [node] : [];"
  "    found.push(...node.querySelectorAll(selector));"
  "    for (const alert of found) if (!seen.includes(alert)) seen.push(alert);"
  "  };"
  "  new MutationObserver(records => records.forEach(r => r.addedNodes.forEach(look)))"
  "    .observe(document, { childList: true, subtree: true });"
  "})()";

struct _VbBrowser {
  VbCdp *cdp;
  char *tmpdir; /* the profile and the browser's log */
  char *session;
  GPtrArray *console_errors;
  GPtrArray *console; /* the last CONSOLE_KEPT messages of any kind */
  gboolean crashed;
  VbBrowserFailureHook failure_hook;
  gpointer failure_data;
  gboolean failing;
};

/* ---- events ---- */

static char *
remote_object_text (JsonObject *object)
{
  JsonNode *value = json_object_get_member (object, "value");

  if (value && JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (value));
  if (value && !JSON_NODE_HOLDS_NULL (value))
    return json_to_string (value, FALSE);
  return g_strdup (json_object_get_string_member_with_default (
    object, "description", json_object_get_string_member_with_default (object, "type", "?")));
}

static void
remember (VbBrowser *browser, const char *kind, const char *text, gboolean is_error)
{
  g_autofree char *line = g_strdup_printf ("%s: %s", kind, text);

  if (browser->console->len == CONSOLE_KEPT)
    g_ptr_array_remove_index (browser->console, 0);
  g_ptr_array_add (browser->console, g_strdup (line));
  if (is_error)
    g_ptr_array_add (browser->console_errors, g_steal_pointer (&line));
}

static void
on_console_call (VbBrowser *browser, JsonObject *params)
{
  const char *type = json_object_get_string_member_with_default (params, "type", "log");
  JsonArray *args = vb_json_array_member (params, "args");
  g_autoptr (GString) text = g_string_new (NULL);

  for (guint i = 0; args && i < json_array_get_length (args); i++)
    {
      JsonObject *arg = json_array_get_object_element (args, i);
      g_autofree char *part = arg ? remote_object_text (arg) : g_strdup ("?");

      g_string_append_printf (text, "%s%s", i ? " " : "", part);
    }
  remember (browser, type, text->str, g_str_equal (type, "error") || g_str_equal (type, "assert"));
}

static void
on_exception (VbBrowser *browser, JsonObject *params)
{
  JsonObject *details = vb_json_object_member (params, "exceptionDetails");
  JsonObject *exception = details ? vb_json_object_member (details, "exception") : NULL;
  g_autofree char *text = NULL;

  if (exception)
    text = remote_object_text (exception);
  else
    text =
      g_strdup (details ? json_object_get_string_member_with_default (details, "text", "?") : "?");
  remember (browser, "uncaught exception", text, TRUE);
}

static void
on_log_entry (VbBrowser *browser, JsonObject *params)
{
  JsonObject *entry = vb_json_object_member (params, "entry");
  const char *level;
  g_autofree char *text = NULL;

  if (!entry)
    return;
  level = json_object_get_string_member_with_default (entry, "level", "info");
  text = g_strdup_printf ("%s (%s)", json_object_get_string_member_with_default (entry, "text", ""),
                          json_object_get_string_member_with_default (entry, "url", ""));
  remember (browser, level, text, g_str_equal (level, "error"));
}

static void
on_event (const char *method, JsonObject *params, const char *session, gpointer user_data)
{
  VbBrowser *browser = user_data;

  if (g_str_equal (method, "Runtime.consoleAPICalled"))
    on_console_call (browser, params);
  else if (g_str_equal (method, "Runtime.exceptionThrown"))
    on_exception (browser, params);
  else if (g_str_equal (method, "Log.entryAdded"))
    on_log_entry (browser, params);
  else if (g_str_equal (method, "Inspector.targetCrashed"))
    browser->crashed = TRUE;
}

/* ---- calls ---- */

static JsonObject *
call (VbBrowser *browser, const char *method, const char *params)
{
  g_autoptr (GError) error = NULL;
  JsonObject *result =
    vb_cdp_call (browser->cdp, browser->session, method, params, CALL_TIMEOUT_MS, &error);

  if (!result)
    vb_browser_fail (browser, "%s", error->message);
  return result;
}

static char *
test_name (void)
{
  const char *path = g_test_get_path ();
  g_autofree char *name = g_strdup (path && *path ? path + (*path == '/') : "browser");

  g_strcanon (name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_", '-');
  return g_steal_pointer (&name);
}

VbBrowser *
vb_browser_new (void)
{
  g_autoptr (VbBrowser) browser = g_new0 (VbBrowser, 1);
  g_autoptr (GError) error = NULL;
  g_autofree char *profile = NULL;
  g_autofree char *log = NULL;
  g_autoptr (JsonObject) target = NULL;
  g_autoptr (JsonObject) attached = NULL;
  g_autofree char *attach = NULL;

  browser->console_errors = g_ptr_array_new_with_free_func (g_free);
  browser->console = g_ptr_array_new_with_free_func (g_free);
  browser->tmpdir = g_dir_make_tmp ("vbbrowser-XXXXXX", &error);
  g_assert_no_error (error);
  profile = g_build_filename (browser->tmpdir, "profile", NULL);
  log = g_build_filename (browser->tmpdir, "chromium.log", NULL);
  browser->cdp = vb_cdp_launch (profile, log, on_event, browser, &error);
  if (!browser->cdp)
    g_error ("cannot start the browser: %s", error->message);

  /* The first call also waits for the browser to come up. */
  target = vb_cdp_call (browser->cdp, NULL, "Target.createTarget", "{\"url\":\"about:blank\"}",
                        60000, &error);
  if (!target)
    {
      g_autofree char *output = NULL;

      g_file_get_contents (log, &output, NULL, NULL);
      g_error ("the browser did not open a page: %s\nits output:\n%s", error->message,
               output ? output : "(none)");
    }
  {
    g_autofree char *id =
      vb_json_quote (json_object_get_string_member_with_default (target, "targetId", ""));
    attach = g_strdup_printf ("{\"targetId\":%s,\"flatten\":true}", id);
  }
  attached =
    vb_cdp_call (browser->cdp, NULL, "Target.attachToTarget", attach, CALL_TIMEOUT_MS, &error);
  g_assert_no_error (error);
  browser->session =
    g_strdup (json_object_get_string_member_with_default (attached, "sessionId", NULL));
  g_assert_nonnull (browser->session);

  json_object_unref (call (browser, "Page.enable", NULL));
  json_object_unref (call (browser, "Runtime.enable", NULL));
  json_object_unref (call (browser, "Log.enable", NULL));
  vb_browser_add_init_script (browser, alert_recorder);
  return g_steal_pointer (&browser);
}

void
vb_browser_free (VbBrowser *browser)
{
  if (!browser)
    return;
  g_clear_pointer (&browser->cdp, vb_cdp_free);
  if (browser->tmpdir && !g_getenv ("VB_TEST_KEEP"))
    {
      g_autofree char *rm = g_strdup_printf ("rm -rf '%s'", browser->tmpdir);
      g_spawn_command_line_sync (rm, NULL, NULL, NULL, NULL);
    }
  g_free (browser->tmpdir);
  g_free (browser->session);
  g_clear_pointer (&browser->console_errors, g_ptr_array_unref);
  g_clear_pointer (&browser->console, g_ptr_array_unref);
  g_free (browser);
}

void
vb_browser_set_failure_hook (VbBrowser *browser, VbBrowserFailureHook hook, gpointer user_data)
{
  browser->failure_hook = hook;
  browser->failure_data = user_data;
}

void
vb_browser_add_init_script (VbBrowser *browser, const char *js)
{
  g_autofree char *source = vb_json_quote (js);
  g_autofree char *params = g_strdup_printf ("{\"source\":%s}", source);

  json_object_unref (call (browser, "Page.addScriptToEvaluateOnNewDocument", params));
}

void
vb_browser_navigate (VbBrowser *browser, const char *url)
{
  g_autofree char *quoted = vb_json_quote (url);
  g_autofree char *params = g_strdup_printf ("{\"url\":%s}", quoted);
  g_autoptr (JsonObject) result = NULL;
  const char *failed;
  g_autofree char *what = NULL;

  /* The document being left carries a mark, so the wait below cannot be
   * satisfied by it (the browser may write the URL differently than given). */
  vb_browser_eval_bool (browser, "window.__vbLeaving = true");
  result = call (browser, "Page.navigate", params);
  failed = json_object_get_string_member_with_default (result, "errorText", NULL);
  if (failed && *failed)
    vb_browser_fail (browser, "opening %s failed: %s", url, failed);
  /* Without a loader the navigation stayed in the document (a new #fragment). */
  if (!json_object_has_member (result, "loaderId"))
    return;
  what = g_strdup_printf ("%s to load", url);
  vb_browser_wait_js (browser, "!window.__vbLeaving && document.readyState === 'complete'",
                      VB_BROWSER_TIMEOUT_MS, what);
}

/* ---- the page's scripts ---- */

JsonNode *
vb_browser_eval (VbBrowser *browser, const char *js, GError **error)
{
  g_autofree char *expression = vb_json_quote (js);
  g_autofree char *params =
    g_strdup_printf ("{\"expression\":%s,\"returnByValue\":true,\"awaitPromise\":true}",
                     expression);
  g_autoptr (JsonObject) result = vb_cdp_call (browser->cdp, browser->session, "Runtime.evaluate",
                                               params, CALL_TIMEOUT_MS, error);
  JsonObject *details;
  JsonObject *value;

  if (!result)
    return NULL;
  details = vb_json_object_member (result, "exceptionDetails");
  if (details)
    {
      JsonObject *exception = vb_json_object_member (details, "exception");
      g_autofree char *text =
        exception ? remote_object_text (exception)
                  : g_strdup (json_object_get_string_member_with_default (details, "text", "?"));

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s", text);
      return NULL;
    }
  value = vb_json_object_member (result, "result");
  if (value && json_object_has_member (value, "value"))
    return json_node_copy (json_object_get_member (value, "value"));
  return json_node_init_null (json_node_alloc ());
}

static JsonNode *
eval_or_fail (VbBrowser *browser, const char *js)
{
  g_autoptr (GError) error = NULL;
  JsonNode *value = vb_browser_eval (browser, js, &error);

  if (!value)
    vb_browser_fail (browser, "evaluating %s: %s", js, error->message);
  return value;
}

static gboolean
truthy (JsonNode *value)
{
  if (!value || JSON_NODE_HOLDS_NULL (value))
    return FALSE;
  if (JSON_NODE_HOLDS_VALUE (value))
    {
      GType type = json_node_get_value_type (value);

      if (type == G_TYPE_BOOLEAN)
        return json_node_get_boolean (value);
      if (type == G_TYPE_STRING)
        return *json_node_get_string (value) != '\0';
      if (type == G_TYPE_INT64)
        return json_node_get_int (value) != 0;
      return json_node_get_double (value) != 0;
    }
  return TRUE; /* an object or array */
}

gboolean
vb_browser_eval_bool (VbBrowser *browser, const char *js)
{
  g_autoptr (JsonNode) value = eval_or_fail (browser, js);

  return truthy (value);
}

char *
vb_browser_eval_string (VbBrowser *browser, const char *js)
{
  g_autoptr (JsonNode) value = eval_or_fail (browser, js);

  if (JSON_NODE_HOLDS_NULL (value))
    return NULL;
  if (JSON_NODE_HOLDS_VALUE (value) && json_node_get_value_type (value) == G_TYPE_STRING)
    return g_strdup (json_node_get_string (value));
  return json_to_string (value, FALSE);
}

/* ---- waiting ---- */

static gboolean
on_tick (gpointer user_data)
{
  *(gboolean *) user_data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates the main context for @ms, so events keep arriving meanwhile. */
static void
pause_iterating (guint ms)
{
  gboolean done = FALSE;

  g_timeout_add (ms, on_tick, &done);
  while (!done)
    g_main_context_iteration (NULL, TRUE);
}

void
vb_browser_wait_js (VbBrowser *browser, const char *js, guint timeout_ms, const char *what)
{
  gint64 end = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  for (;;)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonNode) value = vb_browser_eval (browser, js, &error);

      /* A page being replaced has no context to evaluate in for a moment:
       * only an error that outlasts the wait counts. */
      if (value && truthy (value))
        return;
      if (browser->crashed || !vb_cdp_alive (browser->cdp))
        vb_browser_fail (browser, "the page crashed or the browser ended while waiting for %s",
                         what);
      if (g_get_monotonic_time () > end)
        vb_browser_fail (browser, "waited %u ms for %s%s%s", timeout_ms, what,
                         error ? "; the last check failed: " : "", error ? error->message : "");
      pause_iterating (POLL_INTERVAL_MS);
    }
}

static char *
selector_js (const char *selector)
{
  return vb_json_quote (selector);
}

void
vb_browser_wait_visible (VbBrowser *browser, const char *selector)
{
  g_autofree char *quoted = selector_js (selector);
  g_autofree char *js =
    g_strdup_printf ("[...document.querySelectorAll(%s)].some(e => e.getClientRects().length > 0)",
                     quoted);
  g_autofree char *what = g_strdup_printf ("%s to show", selector);

  vb_browser_wait_js (browser, js, VB_BROWSER_TIMEOUT_MS, what);
}

void
vb_browser_wait_gone (VbBrowser *browser, const char *selector)
{
  g_autofree char *quoted = selector_js (selector);
  g_autofree char *js =
    g_strdup_printf ("![...document.querySelectorAll(%s)].some(e => e.getClientRects().length > 0)",
                     quoted);
  g_autofree char *what = g_strdup_printf ("%s to go", selector);

  vb_browser_wait_js (browser, js, VB_BROWSER_TIMEOUT_MS, what);
}

void
vb_browser_wait_text (VbBrowser *browser, const char *selector, const char *text)
{
  g_autofree char *quoted = selector_js (selector);
  g_autofree char *quoted_text = vb_json_quote (text);
  g_autofree char *js =
    g_strdup_printf ("[...document.querySelectorAll(%s)]"
                     ".some(e => e.textContent.replace(/\\s+/g, ' ').includes(%s))",
                     quoted, quoted_text);
  g_autofree char *what = g_strdup_printf ("%s to contain \"%s\"", selector, text);

  vb_browser_wait_js (browser, js, VB_BROWSER_TIMEOUT_MS, what);
}

char *
vb_browser_text (VbBrowser *browser, const char *selector)
{
  g_autofree char *quoted = selector_js (selector);
  g_autofree char *js = g_strdup_printf ("document.querySelector(%s)?.textContent ?? null", quoted);

  return vb_browser_eval_string (browser, js);
}

/* ---- acting ---- */

/* True when the element is shown, enabled and the topmost thing at its
 * middle (scrolled into view first); a dialog's backdrop or a spinner over
 * it means a person could not click it yet either. */
static const char clickable[] =
  "(selector => {"
  "  const e = document.querySelector(selector);"
  "  if (!e || e.getClientRects().length === 0) return false;"
  "  if (e.disabled || e.getAttribute('aria-disabled') === 'true') return false;"
  "  e.scrollIntoView({ block: 'center', inline: 'center' });"
  "  const r = e.getBoundingClientRect();"
  "  const top = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);"
  "  return !!top && (top === e || e.contains(top));"
  "})(%s)";

static void
mouse (VbBrowser *browser, const char *type, double x, double y)
{
  g_autofree char *params = g_strdup_printf (
    "{\"type\":\"%s\",\"x\":%.1f,\"y\":%.1f,\"button\":\"left\",\"buttons\":%d,\"clickCount\":1}",
    type, x, y, g_str_equal (type, "mousePressed") ? 1 : 0);

  json_object_unref (call (browser, "Input.dispatchMouseEvent", params));
}

void
vb_browser_click (VbBrowser *browser, const char *selector)
{
  g_autofree char *quoted = selector_js (selector);
  g_autofree char *ready = g_strdup_printf (clickable, quoted);
  g_autofree char *where_js =
    g_strdup_printf ("(() => { const r = document.querySelector(%s).getBoundingClientRect();"
                     "  return [r.left + r.width / 2, r.top + r.height / 2]; })()",
                     quoted);
  g_autofree char *what = g_strdup_printf ("%s to be clickable", selector);
  g_autoptr (JsonNode) where = NULL;
  JsonArray *point;
  double x, y;

  vb_browser_wait_js (browser, ready, VB_BROWSER_TIMEOUT_MS, what);
  where = eval_or_fail (browser, where_js);
  point = JSON_NODE_HOLDS_ARRAY (where) ? json_node_get_array (where) : NULL;
  if (!point || json_array_get_length (point) != 2)
    vb_browser_fail (browser, "cannot find the middle of %s", selector);
  x = json_array_get_double_element (point, 0);
  y = json_array_get_double_element (point, 1);
  mouse (browser, "mouseMoved", x, y);
  mouse (browser, "mousePressed", x, y);
  mouse (browser, "mouseReleased", x, y);
}

void
vb_browser_type (VbBrowser *browser, const char *selector, const char *text)
{
  g_autofree char *quoted = selector_js (selector);
  g_autofree char *ready = g_strdup_printf (
    "(() => { const e = document.querySelector(%s);"
    "  return !!e && e.getClientRects().length > 0 && !e.disabled && !e.readOnly; })()",
    quoted);
  g_autofree char *focus =
    g_strdup_printf ("(() => { const e = document.querySelector(%s); e.focus(); e.select?.();"
                     "  return document.activeElement === e; })()",
                     quoted);
  g_autofree char *what = g_strdup_printf ("%s to take text", selector);
  g_autofree char *quoted_text = vb_json_quote (text);
  g_autofree char *params = g_strdup_printf ("{\"text\":%s}", quoted_text);

  vb_browser_wait_js (browser, ready, VB_BROWSER_TIMEOUT_MS, what);
  if (!vb_browser_eval_bool (browser, focus))
    vb_browser_fail (browser, "%s did not take the focus", selector);
  /* The selection is replaced, as when a person types over it. */
  if (*text)
    json_object_unref (call (browser, "Input.insertText", params));
  else
    vb_browser_eval_bool (browser, "document.execCommand('delete')");
}

void
vb_browser_select (VbBrowser *browser, const char *selector, const char *value)
{
  g_autofree char *quoted = selector_js (selector);
  g_autofree char *quoted_value = vb_json_quote (value);
  g_autofree char *ready =
    g_strdup_printf ("(() => { const e = document.querySelector(%s);"
                     "  return !!e && e.getClientRects().length > 0 && !e.disabled"
                     "    && [...e.options].some(o => o.value === %s); })()",
                     quoted, quoted_value);
  /* The element's own value setter, then the change event a choice with
   * the mouse or keys fires (React listens to it). */
  g_autofree char *choose = g_strdup_printf (
    "(() => { const e = document.querySelector(%s);"
    "  Object.getOwnPropertyDescriptor(HTMLSelectElement.prototype, 'value').set.call(e, %s);"
    "  e.dispatchEvent(new Event('change', { bubbles: true }));"
    "  return e.value === %s; })()",
    quoted, quoted_value, quoted_value);
  g_autofree char *what = g_strdup_printf ("%s to offer \"%s\"", selector, value);

  vb_browser_wait_js (browser, ready, VB_BROWSER_TIMEOUT_MS, what);
  if (!vb_browser_eval_bool (browser, choose))
    vb_browser_fail (browser, "%s did not take \"%s\"", selector, value);
}

/* ---- what the page showed ---- */

char *
vb_browser_screenshot (VbBrowser *browser, const char *name)
{
  const char *dir = g_getenv ("VB_TEST_ARTIFACTS_DIR");
  g_autofree char *test = test_name ();
  g_autofree char *file = g_strdup_printf ("%s-%s.png", test, name);
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) shot = NULL;
  g_autofree guchar *png = NULL;
  gsize size = 0;
  char *path;

  if (!dir || !*dir)
    dir = g_get_tmp_dir ();
  g_mkdir_with_parents (dir, 0755);
  path = g_build_filename (dir, file, NULL);
  shot = vb_cdp_call (browser->cdp, browser->session, "Page.captureScreenshot",
                      "{\"format\":\"png\"}", CALL_TIMEOUT_MS, &error);
  if (!shot)
    {
      /* Called from vb_browser_fail too: a screenshot is not worth a second failure. */
      g_test_message ("no screenshot %s: %s", path, error->message);
      return path;
    }
  png = g_base64_decode (json_object_get_string_member_with_default (shot, "data", ""), &size);
  if (!g_file_set_contents (path, (const char *) png, size, &error))
    g_test_message ("cannot write %s: %s", path, error->message);
  else
    g_test_message ("screenshot: %s", path);
  return path;
}

GPtrArray *
vb_browser_console_errors (VbBrowser *browser)
{
  return g_ptr_array_ref (browser->console_errors);
}

GPtrArray *
vb_browser_error_alerts (VbBrowser *browser)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonNode) value = vb_browser_eval (
    browser,
    "(window.__vbAlerts || [])"
    "  .filter(a => /pf-m-(danger|warning)/.test(a.className))"
    "  .map(a => (a.querySelector('[class*=\"c-alert__title\"]')?.textContent ?? '') + ': '"
    "        + (a.querySelector('[class*=\"c-alert__description\"]')?.textContent ?? ''))",
    &error);
  GPtrArray *alerts = g_ptr_array_new_with_free_func (g_free);

  if (!value)
    {
      g_ptr_array_add (alerts,
                       g_strdup_printf ("(the alerts could not be read: %s)", error->message));
      return alerts;
    }
  if (JSON_NODE_HOLDS_ARRAY (value))
    {
      JsonArray *list = json_node_get_array (value);

      for (guint i = 0; i < json_array_get_length (list); i++)
        g_ptr_array_add (alerts, g_strdup (json_array_get_string_element (list, i)));
    }
  return alerts;
}

static gboolean
allowed_error (const char *line, const char *const *allowed)
{
  for (guint i = 0; allowed && allowed[i]; i++)
    if (strstr (line, allowed[i]))
      return TRUE;
  return FALSE;
}

void
vb_browser_assert_no_errors (VbBrowser *browser, const char *const *allowed)
{
  g_autoptr (GPtrArray) alerts = vb_browser_error_alerts (browser);
  g_autoptr (GString) found = g_string_new (NULL);

  for (guint i = 0; i < browser->console_errors->len; i++)
    if (!allowed_error (browser->console_errors->pdata[i], allowed))
      g_string_append_printf (found, "\n  console %s", (char *) browser->console_errors->pdata[i]);
  for (guint i = 0; i < alerts->len; i++)
    g_string_append_printf (found, "\n  alert %s", (char *) alerts->pdata[i]);
  if (found->len)
    vb_browser_fail (browser, "the page showed errors:%s", found->str);
}

void
vb_browser_fail (VbBrowser *browser, const char *format, ...)
{
  g_autofree char *message = NULL;
  va_list args;

  va_start (args, format);
  message = g_strdup_vprintf (format, args);
  va_end (args);
  /* What is gathered here may fail too: then only the message counts. */
  if (!browser->failing)
    {
      g_autofree char *shot = NULL;
      g_autofree char *text = NULL;
      g_autoptr (JsonNode) body = NULL;

      browser->failing = TRUE;
      shot = vb_browser_screenshot (browser, "failed");
      body = vb_browser_eval (browser, "document.body ? document.body.innerText : ''", NULL);
      if (body && JSON_NODE_HOLDS_VALUE (body))
        text = g_strndup (json_node_get_string (body), 4000);
      g_printerr ("browser failure: %s\nscreenshot: %s\npage text:\n%s\nconsole (last %u):\n",
                  message, shot, text ? text : "(unreadable)", browser->console->len);
      for (guint i = 0; i < browser->console->len; i++)
        g_printerr ("  %s\n", (char *) browser->console->pdata[i]);
      if (browser->failure_hook)
        browser->failure_hook (browser->failure_data);
    }
  g_error ("%s", message);
}
