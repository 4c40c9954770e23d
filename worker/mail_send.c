/* mail_send: one message handed to the SMTP server with libcurl. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <curl/curl.h>
#include <openssl/crypto.h>
#include "mail_send.h"

#define MAIL_PASSWORD_ENV  "ORDERHOOKS_MAIL_PASSWORD"

struct mail_sender_s {
    CURL  *curl;
    int    auth;
    char   username[CONFIG_STR_MAX];
    char   password[CONFIG_STR_MAX];
};

/* One transfer: the message read out, and what the server said. */
typedef struct {
    const char  *data;
    size_t       len, off;
    char         answer[MAIL_ANSWER_MAX];  /* its last reply line */
    char         stage[8];                 /* last command, or "BODY" */
    char         refusal[MAIL_ANSWER_MAX]; /* its first 4xx/5xx reply */
    char         refused_at[8];            /* the command refused */
    long         refusal_code;
} mail_transfer_t;

static int mail_read_password(const worker_config_t *cfg, mail_sender_t *s,
    char *err, size_t errsize);
static size_t mail_read(char *buf, size_t size, size_t n, void *arg);
static int mail_debug(CURL *curl, curl_infotype type, char *data,
    size_t size, void *arg);
static mail_send_result_t mail_classify(CURLcode rc,
    const mail_transfer_t *t);


static int
mail_read_password(const worker_config_t *cfg, mail_sender_t *s, char *err,
    size_t errsize)
{
    const char  *env = getenv(MAIL_PASSWORD_ENV);
    FILE        *f;
    size_t       n;

    if (cfg->mail_password_file[0] != '\0') {
        f = fopen(cfg->mail_password_file, "r");
        if (f == NULL) {
            snprintf(err, errsize, "mail_password_file: cannot open %s: %s",
                     cfg->mail_password_file, strerror(errno));
            return -1;
        }
        n = fread(s->password, 1, sizeof(s->password) - 1, f);
        fclose(f);
        s->password[n] = '\0';
        s->password[strcspn(s->password, "\r\n")] = '\0';
    } else if (env != NULL) {
        snprintf(s->password, sizeof(s->password), "%s", env);
    }
    if (s->password[0] == '\0') {
        snprintf(err, errsize, "mail_username is set but no password: set "
                 "mail_password_file or $" MAIL_PASSWORD_ENV);
        return -1;
    }
    return 0;
}


int
mail_sender_open(const worker_config_t *cfg, mail_sender_t **out,
    char *err, size_t errsize)
{
    mail_sender_t  *s;

    *out = NULL;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, errsize, "cannot initialise libcurl");
        return -1;
    }
    s = calloc(1, sizeof(*s));
    if (s == NULL || (s->curl = curl_easy_init()) == NULL) {
        free(s);
        snprintf(err, errsize, "cannot initialise libcurl");
        return -1;
    }
    if (cfg->mail_username[0] != '\0') {
        s->auth = 1;
        snprintf(s->username, sizeof(s->username), "%s", cfg->mail_username);
        if (mail_read_password(cfg, s, err, errsize) != 0) {
            mail_sender_close(s);
            return -1;
        }
    }
    *out = s;
    return 0;
}


void
mail_sender_close(mail_sender_t *s)
{
    if (s == NULL) {
        return;
    }
    if (s->curl != NULL) {
        curl_easy_cleanup(s->curl);
    }
    OPENSSL_cleanse(s->password, sizeof(s->password));
    free(s);
}


static size_t
mail_read(char *buf, size_t size, size_t n, void *arg)
{
    mail_transfer_t  *t = arg;
    size_t            left = t->len - t->off;

    n *= size;
    if (n > left) {
        n = left;
    }
    memcpy(buf, t->data + t->off, n);
    t->off += n;
    return n;
}


/* Keeps the server's last reply line and the command it answered. */
static int
mail_debug(CURL *curl, curl_infotype type, char *data, size_t size,
    void *arg)
{
    mail_transfer_t  *t = arg;
    size_t            n;

    (void) curl;
    switch (type) {
    case CURLINFO_HEADER_IN:
        n = size < sizeof(t->answer) - 1 ? size : sizeof(t->answer) - 1;
        while (n > 0 && (data[n - 1] == '\r' || data[n - 1] == '\n')) {
            n--;
        }
        if (n > 0) {
            memcpy(t->answer, data, n);
            t->answer[n] = '\0';
        }
        if (n > 3 && t->refusal_code == 0
            && (t->answer[0] == '4' || t->answer[0] == '5'))
        {
            /* the QUIT that follows must not hide the refusal */
            t->refusal_code = strtol(t->answer, NULL, 10);
            memcpy(t->refusal, t->answer, n + 1);
            memcpy(t->refused_at, t->stage, sizeof(t->stage));
        }
        break;
    case CURLINFO_HEADER_OUT:
        n = strcspn(data, " \r\n");
        n = n < size ? n : size;
        n = n < sizeof(t->stage) - 1 ? n : sizeof(t->stage) - 1;
        memcpy(t->stage, data, n);
        t->stage[n] = '\0';
        break;
    case CURLINFO_DATA_OUT:
        snprintf(t->stage, sizeof(t->stage), "BODY");
        break;
    default:
        break;
    }
    return 0;
}


/*
 * A 5xx answer to RCPT TO or to the message itself is the recipient's or
 * the message's fault: permanent.  Other 5xx (greeting, MAIL FROM, AUTH)
 * are the server's or the configuration's: retried.
 */
static mail_send_result_t
mail_classify(CURLcode rc, const mail_transfer_t *t)
{
    const char  *at = t->refused_at;

    if (rc == CURLE_OK) {
        return MAIL_SEND_OK;
    }
    if (t->refusal_code >= 500 && rc != CURLE_LOGIN_DENIED
        && (strcmp(at, "RCPT") == 0 || strcmp(at, "DATA") == 0
            || strcmp(at, "BODY") == 0))
    {
        return MAIL_SEND_PERMANENT;
    }
    if (t->refusal_code != 0 || t->answer[0] != '\0') {
        return MAIL_SEND_RETRY;    /* the server is there and answers */
    }
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_USE_SSL_FAILED:
    case CURLE_GOT_NOTHING:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
        return MAIL_SEND_UNREACHABLE;
    default:
        return MAIL_SEND_RETRY;
    }
}


mail_send_result_t
mail_send(mail_sender_t *s, const worker_config_t *cfg, const char *from,
    const char *rcpt, const char *msg, size_t len, char *answer,
    size_t answer_size)
{
    static const long   tls[] = { CURLUSESSL_ALL, CURLUSESSL_TRY,
                                  CURLUSESSL_NONE };
    mail_transfer_t     t;
    struct curl_slist  *to;
    char                env_from[CONFIG_STR_MAX + 2], errbuf[CURL_ERROR_SIZE];
    CURL               *c = s->curl;
    CURLcode            rc;
    long                connect_ms;
    mail_send_result_t  result;

    memset(&t, 0, sizeof(t));
    t.data = msg;
    t.len = len;
    errbuf[0] = '\0';
    snprintf(env_from, sizeof(env_from), "<%s>", from);
    to = curl_slist_append(NULL, rcpt);
    if (to == NULL) {
        snprintf(answer, answer_size, "out of memory");
        return MAIL_SEND_RETRY;
    }
    connect_ms = cfg->mail_timeout_ms < 10000 ? cfg->mail_timeout_ms : 10000;

    curl_easy_reset(c);            /* keeps the open connection */
    curl_easy_setopt(c, CURLOPT_URL, cfg->mail_url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c, CURLOPT_USE_SSL, tls[cfg->mail_tls]);
    if (cfg->mail_ca_file[0] != '\0') {
        /* a private CA, e.g. a relay with its own certificate */
        curl_easy_setopt(c, CURLOPT_CAINFO, cfg->mail_ca_file);
    }
    curl_easy_setopt(c, CURLOPT_MAIL_FROM, env_from);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, to);
    curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c, CURLOPT_READFUNCTION, mail_read);
    curl_easy_setopt(c, CURLOPT_READDATA, &t);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long) cfg->mail_timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, connect_ms);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
    curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, mail_debug);
    curl_easy_setopt(c, CURLOPT_DEBUGDATA, &t);
    if (s->auth) {
        curl_easy_setopt(c, CURLOPT_USERNAME, s->username);
        curl_easy_setopt(c, CURLOPT_PASSWORD, s->password);
    }

    rc = curl_easy_perform(c);
    curl_easy_setopt(c, CURLOPT_MAIL_RCPT, NULL);
    curl_easy_setopt(c, CURLOPT_PASSWORD, NULL);
    curl_slist_free_all(to);

    result = mail_classify(rc, &t);
    if (result == MAIL_SEND_OK) {
        snprintf(answer, answer_size, "%s", t.answer);
    } else if (t.refusal_code != 0) {
        snprintf(answer, answer_size, "%s", t.refusal);
    } else {
        snprintf(answer, answer_size, "%s",
                 errbuf[0] ? errbuf : curl_easy_strerror(rc));
    }
    return result;
}
