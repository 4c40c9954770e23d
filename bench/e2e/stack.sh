# stack.sh: the private stack of bench/e2e/run and bench/memory/run (sourced).
#
# The pieces of scripts/stack, on the benchmark's own ports and directory:
# a private PostgreSQL cluster (scripts/pg-cluster), nginx with the module
# and bench/e2e/nginx.conf.in, N orderhooks-worker daemons configured from
# packaging/orderhooks-worker.conf (LISTEN on, default poll_interval), and,
# with MAIL=on, the mail sink (scripts/mail-sink).  Binaries are copied into
# the run's directory first, so a rebuild by someone else during the run
# changes nothing.  Everything started is recorded in a pid file under
# $STATE, and bs_down stops exactly those processes (also leftovers of an
# earlier, interrupted run).
#
# The caller sets: TOP STATE OUT HTTP_PORT PG_PORT SMTP_PORT NGX_WORKERS
#                  DB_PARAMS WORKERS MAIL, and defines log().

NODE_DIR=${OH_BENCH_NODE_DIR:-/tmp/oh-scratch/e2e}
export OH_BENCH_NODE_DIR=$NODE_DIR

bs_pg() { "$TOP/scripts/pg-cluster" "$1" "$STATE/pg" "$PG_PORT" "${@:2}"; }
bs_running() { [ -s "$1" ] && kill -0 "$(cat "$1" 2>/dev/null)" 2>/dev/null; }

# bs_stop PIDFILE [SIGNAL]: stop the process a pid file names, wait for it.
bs_stop() {
    local f=$1 sig=${2:-TERM} pid
    bs_running "$f" || { rm -f "$f"; return 0; }
    pid=$(cat "$f")
    kill -"$sig" "$pid" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
    rm -f "$f"
}

bs_env() {
    export PGHOST=$STATE/pg/sock PGPORT=$PG_PORT PGUSER=postgres PGDATABASE=orderhooks
    CONNINFO="host=$STATE/pg/sock port=$PG_PORT dbname=orderhooks user=postgres"
}

bs_node_deps() {
    [ -d "$NODE_DIR/node_modules/pg" ] && return 0
    log "installing the pg client for Node into $NODE_DIR (npm)"
    mkdir -p "$NODE_DIR"
    [ -f "$NODE_DIR/package.json" ] || echo '{"name":"oh-bench","private":true}' >"$NODE_DIR/package.json"
    (cd "$NODE_DIR" && npm install --no-audit --no-fund pg@8) >>"$OUT/bench.log" 2>&1
}

# Build, then time private copies of the binaries.  A failed build with
# binaries present is reported and the present ones are used.  OH_BIN_DIR:
# time the module, worker and admin found there instead (no build).
bs_build() {
    cp "$TOP/packaging/orderhooks-worker.conf" "$OUT/orderhooks-worker.conf.sample"
    rm -rf "$OUT/templates"
    cp -r "$TOP/packaging/templates" "$OUT/templates"
    if [ -n "${OH_BIN_DIR:-}" ]; then
        mkdir -p "$OUT/bin"
        cp "$OH_BIN_DIR/ngx_http_orderhooks_module.so" "$OH_BIN_DIR/orderhooks-worker" \
           "$OH_BIN_DIR/orderhooks-admin" "$OUT/bin/"
        BUILD_NOTE="binaries from $OH_BIN_DIR (no build)"
        log "binaries from $OH_BIN_DIR (no build): module $(sha256sum "$OUT/bin/ngx_http_orderhooks_module.so" | cut -c1-12)," \
            "worker $(sha256sum "$OUT/bin/orderhooks-worker" | cut -c1-12)"
        return 0
    fi
    if ! make -s -C "$TOP" all >>"$OUT/bench.log" 2>&1; then
        [ -x "$TOP/build/bin/orderhooks-worker" ] && [ -f "$TOP/build/nginx/ngx_http_orderhooks_module.so" ] \
            || { tail -30 "$OUT/bench.log"; log "ERROR: build failed"; return 1; }
        log "WARN: make all failed (see bench.log); timing the binaries already built"
        BUILD_NOTE="make all failed; timed the binaries already in build/"
    fi
    mkdir -p "$OUT/bin"
    cp "$TOP/build/nginx/ngx_http_orderhooks_module.so" "$TOP/build/bin/orderhooks-worker" \
       "$TOP/build/bin/orderhooks-admin" "$OUT/bin/"
    log "binaries: module $(sha256sum "$OUT/bin/ngx_http_orderhooks_module.so" | cut -c1-12)," \
        "worker $(sha256sum "$OUT/bin/orderhooks-worker" | cut -c1-12), tree" \
        "$(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$TOP" status --porcelain -- worker core ngx_http_orderhooks_module sql 2>/dev/null | grep -q . && echo ' + uncommitted changes')"
}

# A fresh cluster every run: the figures never depend on what an earlier
# run left in the tables.
bs_pg_up() {
    bs_pg stop >/dev/null 2>&1 || true
    rm -rf "$STATE/pg/data"
    bs_pg init >/dev/null
    "$OUT/bin/orderhooks-admin" --db "$CONNINFO" migrate >>"$OUT/bench.log" 2>&1
    rm -f "$STATE/worker.log"
}

# The bench-only NOTIFY on status changes (e2e only: it costs the workers).
bs_visible_trigger() {
    PGOPTIONS='-c client_min_messages=warning' \
        bs_pg psql -q -v ON_ERROR_STOP=1 -f "$TOP/bench/e2e/visible.sql" >>"$OUT/bench.log" 2>&1
}

bs_secrets() {
    mkdir -p "$STATE/secrets"
    chmod 700 "$STATE/secrets"
    [ -s "$STATE/secrets/stripe" ] || printf 'whsec_%s\n' "$(openssl rand -hex 16)" >"$STATE/secrets/stripe"
    chmod 600 "$STATE/secrets/stripe"
}

bs_nginx_up() {
    local ngx=$STATE/nginx
    mkdir -p "$ngx/logs" "$ngx/tmp"
    rm -f "$ngx/logs/"*.log
    sed -e "s|@MODULE@|$OUT/bin/ngx_http_orderhooks_module.so|" -e "s|@PREFIX@|$ngx|g" \
        -e "s|@PORT@|$HTTP_PORT|" -e "s|@CONNINFO@|$CONNINFO|" -e "s|@SECRETS@|$STATE/secrets|" \
        -e "s|@NGX_WORKERS@|$NGX_WORKERS|" -e "s|@DB_PARAMS@|$DB_PARAMS|" \
        "$TOP/bench/e2e/nginx.conf.in" >"$ngx/nginx.conf"
    cp "$ngx/nginx.conf" "$OUT/nginx.conf"
    nginx -p "$ngx" -c "$ngx/nginx.conf" -e "$ngx/logs/error.log"
    for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$HTTP_PORT/healthz" && break; sleep 0.1; done
    sleep 0.5   # the pools connect and prepare their statements
    curl -sf -o /dev/null "http://127.0.0.1:$HTTP_PORT/healthz" || { log "ERROR: nginx is not healthy"; return 1; }
}

bs_nginx_workers() {   # pids of nginx's worker processes
    local m
    m=$(cat "$STATE/nginx/nginx.pid")
    tr ' ' '\n' <"/proc/$m/task/$m/children" | grep .
}

bs_mail_up() {
    [ "$MAIL" = on ] || return 0
    rm -rf "$STATE/mail"
    mkdir -p "$STATE/mail"
    nohup "$TOP/scripts/mail-sink" --dir "$STATE/mail" --listen "127.0.0.1:$SMTP_PORT" \
        --pidfile "$STATE/mail-sink.pid" >>"$OUT/mail-sink.log" 2>&1 &
    for _ in $(seq 50); do [ -s "$STATE/mail-sink.pid" ] && break; sleep 0.1; done
}

# bs_workers_up: start $WORKERS orderhooks-worker daemons.  The config is
# rendered once per run, from the sample config as it was when the run
# started (others may change it while this runs).
bs_workers_up() {
    local i
    [ -f "$OUT/worker.conf" ] || sed -e "s|^db = .*|db = $CONNINFO|" -e "s|^log_file = .*|log_file = $STATE/worker.log|" \
        -e "s|^mail = .*|mail = $MAIL|" \
        -e "s|^mail_url = .*|mail_url = smtp://127.0.0.1:$SMTP_PORT|" \
        -e "s|^mail_tls = .*|mail_tls = off|" \
        -e "s|^mail_from = .*|mail_from = Bench Shop <shop@example.com>|" \
        -e "s|^mail_support_contact = .*|mail_support_contact = support@example.com|" \
        -e "s|^mail_templates = .*|mail_templates = $OUT/templates|" \
        "$OUT/orderhooks-worker.conf.sample" >"$OUT/worker.conf"
    for i in $(seq "$WORKERS"); do
        nohup "$OUT/bin/orderhooks-worker" -c "$OUT/worker.conf" >>"$STATE/worker.log" 2>&1 &
        echo $! >"$STATE/worker-$i.pid"
    done
    sleep 0.5
    for i in $(seq "$WORKERS"); do
        bs_running "$STATE/worker-$i.pid" || { tail -5 "$STATE/worker.log"; log "ERROR: worker $i did not start"; return 1; }
    done
}

bs_workers_down() {
    local f
    for f in "$STATE"/worker-*.pid; do [ -e "$f" ] && bs_stop "$f"; done
    return 0
}

bs_worker_pids() { cat "$STATE"/worker-*.pid; }

# Orders the webhooks pay: PREFIX1 .. PREFIXn, pending, 49.99 USD each.
bs_orders() {   # $1 prefix, $2 count
    bs_pg psql -q -v ON_ERROR_STOP=1 -v p="$1" -v n="$2" >/dev/null <<'EOF'
INSERT INTO orderhooks.orders (order_number, customer_email, currency, total_minor)
SELECT :'p' || g, 'buyer' || g || '@example.com', 'USD', 4999
  FROM generate_series(1, :'n'::int) AS g;
EOF
}

# A shop's past (bench/history.sql): HISTORY (20000) delivered orders with
# their rows, so the stack does not run on empty tables.
bs_history() {
    bs_pg psql -q -v ON_ERROR_STOP=1 -v history="${HISTORY:-20000}" \
        -f "$TOP/bench/history.sql" >/dev/null
}

bs_down() {
    [ -n "${STATE:-}" ] || return 0
    [ -e "$STATE/client.pid" ] && bs_stop "$STATE/client.pid"
    bs_workers_down
    if bs_running "$STATE/nginx/nginx.pid"; then
        nginx -p "$STATE/nginx" -c "$STATE/nginx/nginx.conf" -e "$STATE/nginx/logs/error.log" -s quit || true
        for _ in $(seq 100); do bs_running "$STATE/nginx/nginx.pid" || break; sleep 0.1; done
        bs_stop "$STATE/nginx/nginx.pid"
    fi
    [ -e "$STATE/mail-sink.pid" ] && bs_stop "$STATE/mail-sink.pid"
    [ -f "$STATE/pg/data/PG_VERSION" ] && { bs_pg stop >/dev/null 2>&1 || true; }
    return 0
}

# bs_keep_logs: copy what the stack wrote into the results directory.
bs_keep_logs() {
    cp "$STATE/nginx/logs/error.log" "$OUT/nginx-error.log" 2>/dev/null || true
    cp "$STATE/pg/log/postgres.log" "$OUT/postgres.log" 2>/dev/null || true
    # one line per applied event: keep the last ones and every warning
    if [ -f "$STATE/worker.log" ]; then
        tail -n 200 "$STATE/worker.log" >"$OUT/worker-log-tail.log"
        grep -E '"level":"(warn|error)"' "$STATE/worker.log" | head -n 1000 >"$OUT/worker-warnings.log" || true
    fi
}
