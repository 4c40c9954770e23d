/* The worker's log lines: JSON escaping, numbers, long lines, holding. */

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <cjson/cJSON.h>

/* the worker's logger is not part of the core: its source is built here */
#include "../../worker/log.c"

static char  log_path[] = "/tmp/oh-test-log-XXXXXX";


/* Every line of the log file so far, parsed; the file is emptied. */
static int
read_lines(cJSON **lines, int max)
{
    char   buf[16384];
    FILE  *f;
    int    n = 0;

    log_flush();
    f = fopen(log_path, "r");
    assert_non_null(f);
    while (fgets(buf, sizeof(buf), f) != NULL) {
        assert_true(n < max);
        assert_int_equal(buf[strlen(buf) - 1], '\n');
        lines[n] = cJSON_Parse(buf);
        assert_non_null(lines[n]);
        n++;
    }
    fclose(f);
    assert_int_equal(truncate(log_path, 0), 0);
    return n;
}


static const char *
str(cJSON *o, const char *key)
{
    cJSON  *v = cJSON_GetObjectItemCaseSensitive(o, key);

    return cJSON_IsString(v) ? v->valuestring : NULL;
}


static void
free_lines(cJSON **lines, int n)
{
    int  i;

    for (i = 0; i < n; i++) {
        cJSON_Delete(lines[i]);
    }
}


static void
test_escapes_and_numbers(void **state)
{
    cJSON  *l[4], *v;

    (void) state;
    log_write(LOG_LEVEL_INFO, "event \"applied\"",
              "odd", "quote \" backslash \\ tab \t nl \n ctl \x01 end",
              "#n", "12.345", "#neg", "-7", "#exp", "1e3",
              "#bad", "0x10", "#bad2", "nan", "#bad3", "1.",
              "skipped", NULL, "utf8", "caf\xc3\xa9", NULL);
    assert_int_equal(read_lines(l, 4), 1);
    assert_string_equal(str(l[0], "msg"), "event \"applied\"");
    assert_string_equal(str(l[0], "level"), "info");
    assert_string_equal(str(l[0], "odd"),
                        "quote \" backslash \\ tab \t nl \n ctl \x01 end");
    v = cJSON_GetObjectItemCaseSensitive(l[0], "n");
    assert_true(cJSON_IsNumber(v));
    assert_true(v->valuedouble > 12.344 && v->valuedouble < 12.346);
    assert_true(cJSON_GetObjectItemCaseSensitive(l[0], "neg")->valuedouble
                == -7);
    assert_true(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(l[0],
                                                                  "exp")));
    /* not JSON numbers: kept, as strings */
    assert_string_equal(str(l[0], "bad"), "0x10");
    assert_string_equal(str(l[0], "bad2"), "nan");
    assert_string_equal(str(l[0], "bad3"), "1.");
    assert_null(cJSON_GetObjectItemCaseSensitive(l[0], "skipped"));
    assert_string_equal(str(l[0], "utf8"), "caf\xc3\xa9");
    assert_non_null(str(l[0], "ts"));
    free_lines(l, 1);
}


static void
test_long_line_stays_json(void **state)
{
    cJSON  *l[4];
    char   *big;

    (void) state;
    big = malloc(20000);
    assert_non_null(big);
    memset(big, '"', 19999);                   /* 6x larger escaped */
    big[19999] = '\0';
    log_write(LOG_LEVEL_WARN, "long", "error", big, "after", "x", NULL);
    big[100] = '\0';
    log_write(LOG_LEVEL_WARN, "short", "error", big, NULL);
    assert_int_equal(read_lines(l, 4), 2);
    assert_string_equal(str(l[0], "msg"), "long");
    assert_non_null(str(l[0], "note"));
    assert_null(str(l[0], "error"));
    assert_string_equal(str(l[1], "error"), big);
    free_lines(l, 2);
    free(big);
}


static void
test_hold_keeps_order(void **state)
{
    cJSON  *l[300];
    char    num[16];
    int     i, n;

    (void) state;
    log_write(LOG_LEVEL_INFO, "before", NULL);
    log_hold();
    for (i = 0; i < 250; i++) {              /* more than the hold buffer */
        snprintf(num, sizeof(num), "%d", i);
        log_write(LOG_LEVEL_INFO, "held", "#i", num,
                  "pad", "................................................"
                         "................................................"
                         "................................................",
                  NULL);
    }
    log_flush();
    log_write(LOG_LEVEL_INFO, "after", NULL);
    log_write(LOG_LEVEL_DEBUG, "below the level", NULL);
    n = read_lines(l, 300);
    assert_int_equal(n, 252);
    assert_string_equal(str(l[0], "msg"), "before");
    for (i = 0; i < 250; i++) {
        assert_int_equal(
            cJSON_GetObjectItemCaseSensitive(l[i + 1], "i")->valueint, i);
    }
    assert_string_equal(str(l[251], "msg"), "after");
    free_lines(l, n);
}


int
main(void)
{
    int  fd, rc;

    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escapes_and_numbers),
        cmocka_unit_test(test_long_line_stays_json),
        cmocka_unit_test(test_hold_keeps_order),
    };

    fd = mkstemp(log_path);
    if (fd < 0 || log_configure(log_path, LOG_LEVEL_INFO) != 0) {
        perror("log file");
        return 1;
    }
    close(fd);
    rc = cmocka_run_group_tests(tests, NULL, NULL);
    log_flush();
    unlink(log_path);
    return rc;
}
