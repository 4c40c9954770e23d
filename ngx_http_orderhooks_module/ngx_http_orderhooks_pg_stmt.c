
/*
 * Copyright (C) orderhooks authors
 */

/* The statements every pool connection prepares once. */


#include <ngx_config.h>
#include <ngx_core.h>

#include "ngx_http_orderhooks_pg_int.h"


#define NGX_HTTP_ORDERHOOKS_TEXTARRAYOID   1009
#define NGX_HTTP_ORDERHOOKS_BYTEAARRAYOID  1001


static const Oid  ngx_http_orderhooks_insert_types[] = {
    NGX_HTTP_ORDERHOOKS_TEXTARRAYOID,
    NGX_HTTP_ORDERHOOKS_TEXTARRAYOID,
    NGX_HTTP_ORDERHOOKS_TEXTARRAYOID,
    NGX_HTTP_ORDERHOOKS_TEXTARRAYOID,
    NGX_HTTP_ORDERHOOKS_TEXTARRAYOID,
    NGX_HTTP_ORDERHOOKS_TEXTARRAYOID,
    NGX_HTTP_ORDERHOOKS_BYTEAARRAYOID
};


/*
 * One statement records a whole batch of webhooks: the rows travel as
 * binary arrays (no escaping of bodies), ON CONFLICT makes duplicates
 * race-free, and the final SELECT gives every input row its id, whether
 * it was inserted now or found from an earlier delivery (coalesce() only
 * runs that lookup for rows the INSERT skipped).
 */

ngx_http_orderhooks_pg_stmt_t  ngx_http_orderhooks_pg_insert = {
    "oh_insert",
    "WITH input AS ("
    " SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],"
    " $5::text[], $6::text[], $7::bytea[]) WITH ORDINALITY"
    " AS i(source, provider, event_id, event_type, remote_addr, headers,"
    " body, ord)"
    "), ins AS ("
    " INSERT INTO orderhooks.webhook_events"
    " (source, provider, event_id, event_type, remote_addr, headers, body,"
    " body_size)"
    " SELECT source, provider, event_id, event_type, remote_addr::inet,"
    " headers::jsonb, body, length(body) FROM input ORDER BY ord"
    " ON CONFLICT (source, event_id) WHERE state <> 'rejected' DO NOTHING"
    " RETURNING id, source, event_id"
    ") SELECT i.ord, coalesce(ins.id, (SELECT e.id"
    " FROM orderhooks.webhook_events e WHERE e.source = i.source"
    " AND e.event_id = i.event_id AND e.state <> 'rejected')),"
    " ins.id IS NOT NULL"
    " FROM input i"
    " LEFT JOIN ins ON ins.source = i.source AND ins.event_id = i.event_id"
    " ORDER BY i.ord",
    NGX_HTTP_ORDERHOOKS_EVENT_NPARAMS,
    ngx_http_orderhooks_insert_types
};


ngx_http_orderhooks_pg_stmt_t
    ngx_http_orderhooks_pg_stmts[NGX_HTTP_ORDERHOOKS_STMT_COUNT] =
{

    /* NGX_HTTP_ORDERHOOKS_STMT_REJECT */
    { "oh_reject",
      "INSERT INTO orderhooks.webhook_events"
      " (source, provider, event_id, event_type, remote_addr, headers, body,"
      " body_size, state, reject_reason)"
      " VALUES ($1, $2, $3, $4, $5::inet, $6::jsonb, $7, $8::integer,"
      " 'rejected', $9) RETURNING id",
      9, NULL },

    /* NGX_HTTP_ORDERHOOKS_STMT_HEALTH: the queue, for health checks */
    { "oh_health",
      "SELECT count(*) FILTER (WHERE state = 'pending'),"
      " count(*) FILTER (WHERE state = 'retry'),"
      " count(*) FILTER (WHERE state = 'dead'),"
      " greatest(0, coalesce(floor(extract(epoch FROM now()"
      " - min(received_at) FILTER (WHERE state = 'pending'))), 0))::bigint"
      " FROM orderhooks.webhook_events"
      " WHERE state IN ('pending', 'retry', 'dead')",
      0, NULL },

    /*
     * NGX_HTTP_ORDERHOOKS_STMT_TRACK: what a customer may see of one
     * order, as JSON; no ids, amounts, emails or notes.  $1 order number,
     * $2 email (compared case-insensitively).
     */
    { "oh_track",
      "SELECT row_to_json(r) FROM (SELECT o.order_number,"
      " CASE o.status WHEN 'payment_mismatch' THEN 'processing'"
      " ELSE o.status END AS status,"
      " to_char(coalesce(o.shipped_at, s.shipped_at) AT TIME ZONE 'UTC',"
      " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS shipped_at,"
      " to_char(coalesce(o.delivered_at, s.delivered_at) AT TIME ZONE 'UTC',"
      " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS delivered_at,"
      " coalesce(o.tracking_number, s.tracking_number) AS tracking_number,"
      " coalesce(o.carrier, s.carrier) AS carrier,"
      " coalesce(o.tracking_url, s.tracking_url) AS tracking_url,"
      " coalesce((SELECT array_to_json(array_agg(e ORDER BY e.\"time\"))"
      " FROM (SELECT to_char(t.occurred_at AT TIME ZONE 'UTC',"
      " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') AS \"time\","
      " t.status_code AS status, t.status_label AS label, t.description,"
      " t.location FROM orderhooks.tracking_events t"
      " JOIN orderhooks.shipments sh ON sh.id = t.shipment_id"
      " WHERE sh.order_id = o.id) e), '[]'::json) AS events"
      " FROM orderhooks.orders o"
      " LEFT JOIN LATERAL (SELECT tracking_number, carrier, tracking_url,"
      " shipped_at, delivered_at FROM orderhooks.shipments"
      " WHERE order_id = o.id AND NOT is_return ORDER BY id DESC LIMIT 1)"
      " s ON true"
      " WHERE o.order_number = $1 AND lower(o.customer_email) = lower($2))"
      " r",
      2, NULL },

    /* NGX_HTTP_ORDERHOOKS_STMT_NOTIFY: wake the workers after a commit */
    { "oh_notify",
      "SELECT pg_notify('orderhooks_webhook_events', '')",
      0, NULL }
};
