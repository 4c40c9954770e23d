# ChaosTest: helpers for the reliability suites (tests/integration/2*-chaos-*.t):
# scratch databases, a private nginx with the module, a load generator
# that records every answer, and a canonical dump of the order domain.
#
# Needs the environment of scripts/run-t-suites (TEST_NGINX_PG_*,
# TEST_NGINX_MODULE, TEST_NGINX_WORKER, TEST_NGINX_ADMIN).  nginx listens on
# 127.0.0.1:$OH_CHAOS_PORT, default TEST_NGINX_PORT + 1, so two runs with
# different TEST_NGINX_PORT never collide.
package ChaosTest;

use strict;
use warnings;
use Exporter 'import';
use Digest::SHA qw(hmac_sha256_hex);
use File::Temp qw(tempdir);
use IO::Socket::INET;
use IPC::Open3 qw(open3);
use POSIX ();
use Symbol qw(gensym);
use Time::HiRes qw(time sleep);

our @EXPORT = qw(conninfo_for psql create_db drop_db nginx_start nginx_stop
    nginx_signal nginx_pids chaos_port http_post load_run canonical_dump
    generic_request hmac_hex);

sub hmac_hex { my ($k, $d) = @_; return hmac_sha256_hex($d, $k) }

# ---- databases ------------------------------------------------------------

sub base_conninfo {
    my $c = $ENV{TEST_NGINX_PG_CONNINFO}
        or die "TEST_NGINX_PG_CONNINFO not set: run scripts/run-t-suites\n";
    return $c;
}

# conninfo_for(db): the test cluster's conninfo with another dbname
sub conninfo_for {
    my ($db) = @_;
    my $c = base_conninfo();
    return $c if !defined $db;
    $c =~ s/\bdbname=\S+/dbname=$db/ or $c .= " dbname=$db";
    return $c;
}

# psql(conninfo, script): runs the script with ON_ERROR_STOP; returns the
# unaligned, tuples-only output; dies on failure.
sub psql {
    my ($conninfo, $script) = @_;
    my $err = gensym;
    my $pid = open3(my $in, my $out, $err, 'psql', '-X', '-q', '-A', '-t',
                    '-v', 'ON_ERROR_STOP=1', '-d', $conninfo);
    print $in $script;
    close $in;
    my $o = do { local $/; <$out> } // '';
    my $e = do { local $/; <$err> } // '';
    waitpid $pid, 0;
    die "psql failed: $e" if $? != 0;
    $o =~ s/\s+\z//;
    return $o;
}

# create_db(name): a new database in the test cluster, migrated with
# orderhooks-admin; returns its conninfo.
sub create_db {
    my ($name) = @_;
    my $admin = conninfo_for('postgres');
    psql($admin, qq{DROP DATABASE IF EXISTS "$name";\nCREATE DATABASE "$name";\n});
    my $c = conninfo_for($name);
    my $out = `"$ENV{TEST_NGINX_ADMIN}" --db "$c" migrate 2>&1`;
    die "migrate $name failed: $out" if $? != 0;
    return $c;
}

sub drop_db {
    my ($name) = @_;
    psql(conninfo_for('postgres'),
         qq{DROP DATABASE IF EXISTS "$name" WITH (FORCE);\n});
}

# ---- nginx ----------------------------------------------------------------

sub chaos_port {
    return $ENV{OH_CHAOS_PORT} // (($ENV{TEST_NGINX_PORT} // 1984) + 1);
}

sub nginx_bin {
    return $ENV{TEST_NGINX_BINARY} // '/usr/sbin/nginx';
}

# nginx_start(http => $server_block_text, workers => N, pool => N,
#             conninfo => ...): a private nginx (prefix in a temp dir) with
# the module; returns a handle for nginx_signal/nginx_stop.
sub nginx_start {
    my (%o) = @_;
    my $prefix = tempdir('oh-chaos-nginx-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    mkdir "$prefix/$_" for qw(logs conf tmp);
    my $workers = $o{workers} // 1;
    my $pool = $o{pool} // 4;
    my $conninfo = $o{conninfo} // base_conninfo();
    my $port = chaos_port();
    my $timeout = defined $o{timeout} ? " timeout=$o{timeout}" : '';
    my $user = $> == 0 ? "user root;\n" : '';
    my $conf = <<"END";
load_module $ENV{TEST_NGINX_MODULE};
${user}worker_processes $workers;
daemon on;
master_process on;
pid $prefix/logs/nginx.pid;
error_log $prefix/logs/error.log notice;
events {
    worker_connections 1024;
}
http {
    access_log off;
    client_body_temp_path $prefix/tmp/body;
    proxy_temp_path $prefix/tmp/proxy;
    fastcgi_temp_path $prefix/tmp/fastcgi;
    uwsgi_temp_path $prefix/tmp/uwsgi;
    scgi_temp_path $prefix/tmp/scgi;
    orderhooks_db "$conninfo" pool=$pool$timeout;
    server {
        listen 127.0.0.1:$port;
$o{server}
    }
}
END
    open my $fh, '>', "$prefix/conf/nginx.conf" or die "$prefix: $!";
    print $fh $conf;
    close $fh;
    my $out = `"${\nginx_bin()}" -p "$prefix/" -c conf/nginx.conf 2>&1`;
    die "nginx failed to start: $out\n" . error_log($prefix) if $? != 0;
    my $h = { prefix => $prefix, port => $port };
    for (1 .. 100) {
        last if IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                      PeerPort => $port, Timeout => 1);
        sleep 0.05;
    }
    return $h;
}

sub error_log {
    my ($prefix) = @_;
    open my $fh, '<', "$prefix/logs/error.log" or return '';
    local $/;
    return <$fh>;
}

sub master_pid {
    my ($h) = @_;
    open my $fh, '<', "$h->{prefix}/logs/nginx.pid" or return;
    my $pid = <$fh>;
    chomp $pid;
    return $pid;
}

# nginx_signal(h, 'reload'|'quit'|'stop'): nginx -s ...
sub nginx_signal {
    my ($h, $sig) = @_;
    my $out = `"${\nginx_bin()}" -p "$h->{prefix}/" -c conf/nginx.conf -s $sig 2>&1`;
    die "nginx -s $sig failed: $out" if $? != 0;
}

# nginx_pids(h): the pids of the master's children (worker processes,
# including old ones still shutting down)
sub nginx_pids {
    my ($h) = @_;
    my $master = master_pid($h) // return ();
    my @kids;
    for my $stat (glob '/proc/[0-9]*/stat') {
        open my $fh, '<', $stat or next;
        my $line = <$fh> // next;
        my ($pid, $ppid) = $line =~ /^(\d+) \(.*\) \S+ (\d+)/ or next;
        push @kids, $pid if $ppid == $master;
    }
    return @kids;
}

sub nginx_stop {
    my ($h) = @_;
    my $master = master_pid($h) or return;
    kill 'QUIT', $master;
    for (1 .. 200) {
        last if !kill 0, $master;
        sleep 0.05;
    }
    kill 'KILL', $master if kill 0, $master;
    return error_log($h->{prefix});
}

# ---- HTTP -----------------------------------------------------------------

# http_post(port, uri, [headers], body): one request on a new connection;
# returns { status, retry_after, body, err }.
sub http_post {
    my ($port, $uri, $headers, $body) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                  Timeout => 10)
        or return { status => 0, err => "connect: $!" };
    my $req = "POST $uri HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
            . join('', map { "$_\r\n" } @$headers)
            . 'Content-Length: ' . length($body) . "\r\n\r\n" . $body;
    print {$s} $req or return { status => 0, err => "write: $!" };
    local $/;
    my $resp = <$s>;
    close $s;
    return { status => 0, err => 'no response' }
        if !defined $resp || $resp !~ m{^HTTP/1\.\d (\d{3})};
    my $r = { status => $1 };
    my ($head, $b) = split /\r\n\r\n/, $resp, 2;
    $r->{retry_after} = $1 if $head =~ /^Retry-After:\s*(\S+)/mi;
    $r->{body} = $b // '';
    return $r;
}

# generic_request(secret, body): headers of a signed generic webhook
sub generic_request {
    my ($secret, $body) = @_;
    return ['Content-Type: application/json',
            'X-Signature: ' . hmac_hex($secret, $body)];
}

# load_run(clients => K, port => P, next => sub { ($client, $seq) -> undef
#          or [uri, headers, body, tag] }, until => sub { stop? } ...):
# K forked clients each send requests (one connection per request) until
# next() returns undef or the file $stop exists.  Returns every answer as
# { client, seq, tag, status, retry_after, body, err, t0, t1 } (times from
# Time::HiRes::time).
sub load_run {
    my (%o) = @_;
    my $dir = tempdir('oh-chaos-load-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    my $stop = $o{stop_file};
    my $parent = $$;
    my @pids;
    for my $c (0 .. $o{clients} - 1) {
        my $pid = fork // die "fork: $!";
        if ($pid == 0) {
            open my $fh, '>', "$dir/$c" or POSIX::_exit(1);
            for (my $seq = 0; ; $seq++) {
                # never outlive the test that started us
                last if getppid() != $parent;
                last if defined $stop && -e $stop;
                my $r = $o{next}->($c, $seq) or last;
                my $t0 = time;
                my $res = http_post($o{port}, @$r[0 .. 2]);
                my $t1 = time;
                my $body = $res->{body} // '';
                $body =~ s/[\t\n]/ /g;
                my $err = $res->{err} // '';
                print $fh join("\t", $c, $seq, $r->[3], $res->{status},
                    $res->{retry_after} // '', $body, $err, $t0, $t1), "\n";
            }
            close $fh;
            POSIX::_exit(0);
        }
        push @pids, $pid;
    }
    if (!eval { $o{during}->() if $o{during}; 1 }) {
        my $err = $@;
        kill 'TERM', @pids;
        waitpid $_, 0 for @pids;
        die $err;
    }
    waitpid $_, 0 for @pids;
    my @res;
    for my $c (0 .. $o{clients} - 1) {
        open my $fh, '<', "$dir/$c" or next;
        while (my $l = <$fh>) {
            chomp $l;
            my %r;
            @r{qw(client seq tag status retry_after body err t0 t1)}
                = split /\t/, $l, -1;
            push @res, \%r;
        }
    }
    return \@res;
}

# ---- the order domain, canonically ---------------------------------------

# canonical_dump(conninfo): every row of the order domain and the state of
# every webhook, without surrogate ids or wall-clock times, sorted.  Two
# databases that received the same webhooks in the same order and applied
# them the same way dump identically.
sub canonical_dump {
    my ($c) = @_;
    my $notifications = psql($c, "SELECT to_regclass("
        . "'orderhooks.notifications') IS NOT NULL;\n") eq 't';
    our ($DUMP, $DUMP_NOTIFICATIONS);
    return psql($c, $DUMP . ($notifications ? $DUMP_NOTIFICATIONS : q()));
}

# t(ts): a time taken from a payload as is; one the worker took from its
# clock ("now") as "clock", since two runs never share it
our $DUMP = <<'END';
CREATE FUNCTION pg_temp.t(ts timestamptz) RETURNS text LANGUAGE sql
    AS $$ SELECT CASE WHEN ts IS NULL THEN ''
                      WHEN ts > now() - interval '1 day' THEN 'clock'
                      ELSE ts::text END $$;
SELECT 'order', order_number, status, currency, total_minor, paid_minor,
       refunded_minor, coalesce(payment_provider, ''),
       coalesce(provider_payment_id, ''), coalesce(provider_order_id, ''),
       coalesce(tracking_number, ''), coalesce(carrier, ''),
       coalesce(tracking_url, ''), paid_at IS NOT NULL,
       pg_temp.t(shipped_at), pg_temp.t(delivered_at),
       cancelled_at IS NOT NULL
  FROM orderhooks.orders ORDER BY order_number;
SELECT 'payment', o.order_number, p.provider, p.provider_payment_id,
       p.status, p.amount_minor, p.currency, p.webhook_event_id
  FROM orderhooks.payments p JOIN orderhooks.orders o ON o.id = p.order_id
 ORDER BY 2, 3, 4;
SELECT 'reconciliation', o.order_number, p.provider_payment_id, r.status,
       r.expected_minor, r.expected_currency, r.received_minor,
       r.received_currency, coalesce(r.notes, '')
  FROM orderhooks.payment_reconciliation r
  JOIN orderhooks.orders o ON o.id = r.order_id
  JOIN orderhooks.payments p ON p.id = r.payment_id
 ORDER BY 2, 3;
SELECT 'refund', o.order_number, f.provider, f.provider_refund_id,
       coalesce(f.provider_payment_id, ''), f.status, f.amount_minor,
       f.currency, f.webhook_event_id
  FROM orderhooks.refunds f JOIN orderhooks.orders o ON o.id = f.order_id
 ORDER BY 2, 3, 4;
SELECT 'shipment', o.order_number, s.tracking_number,
       coalesce(s.order_item_id::text, ''), coalesce(s.carrier, ''),
       coalesce(s.status, ''), s.is_return,
       pg_temp.t(s.shipped_at), pg_temp.t(s.delivered_at)
  FROM orderhooks.shipments s JOIN orderhooks.orders o ON o.id = s.order_id
 ORDER BY 2, 3, 4;
SELECT 'scan', s.tracking_number, t.status_code,
       coalesce(t.status_label, ''), coalesce(t.description, ''),
       coalesce(t.location, ''), t.occurred_at, t.webhook_event_id
  FROM orderhooks.tracking_events t
  JOIN orderhooks.shipments s ON s.id = t.shipment_id
 ORDER BY 2, 7, 3, 6, 5;
SELECT 'history', o.order_number, coalesce(h.from_status, ''), h.to_status,
       h.applied, coalesce(h.reason, ''), coalesce(h.webhook_event_id, 0)
  FROM orderhooks.order_status_history h
  JOIN orderhooks.orders o ON o.id = h.order_id
 ORDER BY 2, h.id;
SELECT 'webhook', id, source, event_id, state, attempts,
       coalesce(last_error, '')
  FROM orderhooks.webhook_events ORDER BY id;
END

our $DUMP_NOTIFICATIONS = <<'END';
SELECT 'notification', o.order_number, n.kind, n.shipment_key, n.recipient,
       n.subject, coalesce(n.webhook_event_id, 0)
  FROM orderhooks.notifications n
  JOIN orderhooks.orders o ON o.id = n.order_id
 ORDER BY 2, 3, 4;
END

1;
