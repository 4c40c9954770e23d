/* test_oh_template: notification templates, sections, escaping, errors. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "oh_template.h"

static const char *const  names[] = {
    "order_number", "carrier", "tracking_url", "customer_name"
};

#define NNAMES  (sizeof(names) / sizeof(names[0]))


/* Compiles `src`, renders it with `values`, compares with `want`. */
static void
expect_render(const char *src, const char *const *values, int mode,
    const char *want)
{
    oh_template_t  *t;
    char            err[128];
    char           *out;
    size_t          len;

    assert_int_equal(oh_template_compile(src, strlen(src), names, NNAMES,
                                         &t, err, sizeof(err)), 0);
    out = oh_template_render(t, values, mode, &len);
    assert_non_null(out);
    assert_string_equal(out, want);
    assert_int_equal(len, strlen(want));
    free(out);
    oh_template_free(t);
}


static void
expect_error(const char *src, const char *want)
{
    oh_template_t  *t = (oh_template_t *) 1;
    char            err[128];

    assert_int_equal(oh_template_compile(src, strlen(src), names, NNAMES,
                                         &t, err, sizeof(err)), -1);
    assert_null(t);
    assert_string_equal(err, want);
}


static void
test_placeholders(void **state)
{
    const char *const  v[] = { "DS-1", "DHL", NULL, "" };

    (void) state;
    expect_render("Order {{order_number}} via {{ carrier }}.", v,
                  OH_TEMPLATE_TEXT, "Order DS-1 via DHL.");
    /* missing and empty values render as nothing */
    expect_render("[{{tracking_url}}][{{customer_name}}]", v,
                  OH_TEMPLATE_TEXT, "[][]");
    expect_render("no tags at all\n", v, OH_TEMPLATE_TEXT,
                  "no tags at all\n");
    expect_render("", v, OH_TEMPLATE_TEXT, "");
    expect_render("a } b }} c", v, OH_TEMPLATE_TEXT, "a } b }} c");
}


static void
test_sections(void **state)
{
    const char *const  some[] = { "DS-1", "DHL", "https://t.example/1",
                                  "Ann" };
    const char *const  none[] = { "DS-1", NULL, "", NULL };
    const char         *src =
        "Hello{{#customer_name}} {{customer_name}}{{/customer_name}},\n"
        "{{#tracking_url}}\n"
        "Track it: {{tracking_url}}\n"
        "  {{/tracking_url}}  \n"
        "{{^tracking_url}}\n"
        "No tracking link yet.\n"
        "{{/tracking_url}}\n"
        "{{! a comment line disappears }}\n"
        "Bye.\n";

    (void) state;
    expect_render(src, some, OH_TEMPLATE_TEXT,
                  "Hello Ann,\nTrack it: https://t.example/1\nBye.\n");
    expect_render(src, none, OH_TEMPLATE_TEXT,
                  "Hello,\nNo tracking link yet.\nBye.\n");
    /* nested sections; CRLF lines stay CRLF */
    expect_render("{{#carrier}}\r\n{{#tracking_url}}x{{/tracking_url}}"
                  "{{^tracking_url}}y{{/tracking_url}}\r\n{{/carrier}}\r\n",
                  some, OH_TEMPLATE_TEXT, "x\r\n");
    expect_render("{{#carrier}}a{{/carrier}}b", none, OH_TEMPLATE_TEXT,
                  "b");
}


static void
test_html_escape(void **state)
{
    const char *const  v[] = { "<b>&\"'", NULL, NULL, NULL };

    (void) state;
    expect_render("<p>{{order_number}}</p>", v, OH_TEMPLATE_HTML,
                  "<p>&lt;b&gt;&amp;&quot;&#39;</p>");
    expect_render("{{order_number}}", v, OH_TEMPLATE_TEXT, "<b>&\"'");
}


static void
test_errors(void **state)
{
    (void) state;
    expect_error("a\nb {{trackng_url}}",
                 "line 2: unknown placeholder {{trackng_url}}");
    expect_error("{{#carrier}}\nx\n", "line 1: {{#carrier}} is never closed");
    expect_error("{{#carrier}}{{/tracking_url}}",
                 "line 1: {{/tracking_url}} closes {{#carrier}}");
    expect_error("x\n\n{{/carrier}}", "line 3: {{/carrier}} closes no section");
    expect_error("hi {{order_number", "line 1: \"{{\" without \"}}\"");
    expect_error("{{}}", "line 1: unknown placeholder {{}}");
    expect_error("{{#a}}{{#a}}{{#a}}{{#a}}{{#a}}{{#a}}{{#a}}{{#a}}{{#a}}",
                 "line 1: unknown placeholder {{a}}");
    expect_error("{{#carrier}}{{#carrier}}{{#carrier}}{{#carrier}}"
                 "{{#carrier}}{{#carrier}}{{#carrier}}{{#carrier}}"
                 "{{#carrier}}", "line 1: sections nested too deep");
}


int
main(void)
{
    const struct CMUnitTest  tests[] = {
        cmocka_unit_test(test_placeholders),
        cmocka_unit_test(test_sections),
        cmocka_unit_test(test_html_escape),
        cmocka_unit_test(test_errors),
    };

    return cmocka_run_group_tests_name("oh_template", tests, NULL, NULL);
}
