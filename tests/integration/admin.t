# admin.t: orderhooks-admin against a real PostgreSQL.
#
# Environment:
#   TEST_NGINX_PG_CONNINFO  key=value conninfo of a role that may CREATE
#                           DATABASE (each block uses its own database).
#                           Unset: a private cluster is started with
#                           scripts/pg-cluster in var/admin/t-cluster on
#                           port $TEST_ADMIN_PG_PORT (default 25440) and
#                           stopped at the end.
#   TEST_NGINX_ADMIN        the binary (default build/bin/orderhooks-admin)
use strict;
use warnings;

use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Temp qw(tempdir);
use JSON::PP qw(decode_json);
use Time::HiRes qw(time sleep);
use Test::More;

my $ROOT = abs_path(dirname(__FILE__) . '/../..');
my $ADMIN = $ENV{TEST_NGINX_ADMIN} || "$ROOT/build/bin/orderhooks-admin";
my $PSQL = -x '/usr/lib/postgresql/15/bin/psql'
    ? '/usr/lib/postgresql/15/bin/psql' : 'psql';
my $LOCK_KEY = '7955749843323889268';
my $TMP = tempdir(CLEANUP => 1);

-x $ADMIN or BAIL_OUT("no $ADMIN; run make worker first");

my ($BASE, $OWN_CLUSTER) = base_conninfo();
$BASE !~ m{^\w+://} or BAIL_OUT('TEST_NGINX_PG_CONNINFO must be key=value');
my @DATABASES;

# Files the migrate command must apply, in order.
my @SQL_FILES = sort { ver($a) <=> ver($b) }
    map { s{.*/}{}r } glob("$ROOT/sql/[0-9]*_*.sql");

sub ver { my ($f) = @_; $f =~ /^(\d+)_/ ? $1 + 0 : 0 }

sub base_conninfo {
    return ($ENV{TEST_NGINX_PG_CONNINFO}, 0) if $ENV{TEST_NGINX_PG_CONNINFO};
    my $port = $ENV{TEST_ADMIN_PG_PORT} || 25440;
    my $dir = "$ROOT/var/admin/t-cluster";
    system("$ROOT/scripts/pg-cluster", 'init', $dir, $port) == 0
        or BAIL_OUT('cannot start a private cluster');
    chomp(my $ci = `$ROOT/scripts/pg-cluster conninfo $dir $port`);
    return ($ci, [$dir, $port]);
}

# A fresh database for one block; its conninfo.
sub fresh_db {
    my ($tag) = @_;
    my $name = "oh_admin_t_${tag}_$$";
    psql($BASE, "DROP DATABASE IF EXISTS $name");
    psql($BASE, "CREATE DATABASE $name");
    push @DATABASES, $name;
    return "$BASE dbname=$name";
}

sub psql {
    my ($ci, $sql) = @_;
    my $out = `$PSQL -X -A -t -q -v ON_ERROR_STOP=1 -d '$ci' -c "$sql" 2>&1`;
    die "psql failed: $sql\n$out" if $? != 0;
    chomp $out;
    return $out;
}

# Runs the admin command; returns { rc, out, err }.
sub admin {
    my ($ci, @args) = @_;
    my @db = defined $ci ? ('--db', $ci) : ();
    my $pid = fork() // die "fork: $!";
    if ($pid == 0) {
        open STDOUT, '>', "$TMP/out.$$" or die;
        open STDERR, '>', "$TMP/err.$$" or die;
        exec $ADMIN, @db, @args or exit 127;
    }
    waitpid($pid, 0);
    my $rc = $? >> 8;
    return { rc => $rc, out => slurp("$TMP/out.$pid"),
             err => slurp("$TMP/err.$pid") };
}

sub slurp {
    my ($f) = @_;
    open my $fh, '<', $f or return '';
    local $/;
    my $s = <$fh>;
    unlink $f;
    return $s;
}

sub migrated_db {
    my ($tag) = @_;
    my $ci = fresh_db($tag);
    my $r = admin($ci, 'migrate');
    $r->{rc} == 0 or die "migrate failed: $r->{err}";
    return $ci;
}

# An event row; returns its id.
sub add_event {
    my ($ci, %e) = @_;
    my $age = $e{age} // '0 days';
    my $state = $e{state} // 'pending';
    my $eid = $state eq 'rejected' ? 'NULL' : "'$e{event_id}'";
    my $reason = $state eq 'rejected' ? "'bad signature'" : 'NULL';
    my $err = $e{last_error} ? "'$e{last_error}'" : 'NULL';
    return psql($ci, "INSERT INTO orderhooks.webhook_events"
        . " (source, provider, event_id, event_type, body, body_size, state,"
        . " attempts, received_at, reject_reason, last_error)"
        . " VALUES ('$e{source}', 'generic', $eid, 'payment.succeeded',"
        . " '{}', 2, '$state', " . ($e{attempts} // 0)
        . ", now() - interval '$age', $reason, $err) RETURNING id");
}

subtest 'usage and exit codes' => sub {
    my $r = admin(undef);
    is($r->{rc}, 2, 'no command: 2');
    like($r->{err}, qr/^Usage: orderhooks-admin/m, 'usage on stderr');

    $r = admin(undef, '--help');
    is($r->{rc}, 0, '--help: 0');
    like($r->{out}, qr/^  $_ /m, "--help lists $_")
        for qw(migrate order events replay reconcile prune);

    $r = admin(undef, 'frobnicate');
    is($r->{rc}, 2, 'unknown command: 2');
    is($r->{err}, "orderhooks-admin: unknown command 'frobnicate'\n"
        . "Try 'orderhooks-admin --help'.\n", 'one clear message');

    for my $cmd (['migrate'], [qw(order create)], [qw(order show)],
                 [qw(events stats)], ['replay'], [qw(reconcile resolve)],
                 ['prune'])
    {
        $r = admin(undef, @$cmd, '--help');
        is($r->{rc}, 0, "@$cmd --help: 0");
        like($r->{out}, qr/Usage: orderhooks-admin .*\Q$cmd->[0]\E/,
             "@$cmd --help describes it");
    }
    $r = admin(undef, 'migrate', '--bogus');
    is($r->{rc}, 2, 'unknown option: 2');
    like($r->{err}, qr/unknown option '--bogus'/, 'names the option');
    $r = admin(undef, 'migrate', '--sql-dir');
    is($r->{rc}, 2, 'missing value: 2');
    like($r->{err}, qr/option '--sql-dir' needs a value/, 'says so');
};

subtest 'connection failure hides the password' => sub {
    my $r = admin('host=127.0.0.1 port=1 user=x password=s3cr3t-pw',
                  'events', 'stats');
    is($r->{rc}, 1, 'exit 1');
    like($r->{err}, qr/^orderhooks-admin: cannot connect to the database: /,
         'clear message');
    is(scalar(() = $r->{err} =~ /\n/g), 1, 'one line');
    unlike($r->{err}, qr/s3cr3t-pw/, 'no password');

    local $ENV{ORDERHOOKS_DB} = 'host=127.0.0.1 port=1 password=env-pw-9';
    $r = admin(undef, 'events', 'stats');
    is($r->{rc}, 1, 'ORDERHOOKS_DB is used');
    like($r->{err}, qr/port 1 failed/, 'it is the one tried');
    unlike($r->{err}, qr/env-pw-9/, 'no password');
};

subtest 'migrate applies once, second run is a no-op' => sub {
    my $ci = fresh_db('mig');
    my $r = admin($ci, 'migrate', '--status');
    is($r->{rc}, 0, 'status before any migrate');
    like($r->{out}, qr/^${\ scalar @SQL_FILES} pending$/m, 'all pending');

    $r = admin($ci, 'migrate');
    is($r->{rc}, 0, 'first migrate') or diag $r->{err};
    is($r->{out}, join('', map { "applied $_\n" } @SQL_FILES),
       'every file applied in order');
    is($r->{err}, '', 'nothing on stderr');
    is(psql($ci, 'SELECT string_agg(version::text, \',\' ORDER BY version)'
                 . ' FROM orderhooks.schema_migrations'),
       join(',', map { ver($_) } @SQL_FILES), 'versions recorded');
    is(psql($ci, "SELECT name FROM orderhooks.schema_migrations"
                 . " WHERE version = 1"), 'webhook_events', 'name recorded');

    $r = admin($ci, 'migrate');
    is($r->{rc}, 0, 'second migrate');
    like($r->{out}, qr/^nothing to apply/, 'is a no-op');
    is(psql($ci, 'SELECT count(*) FROM orderhooks.schema_migrations'),
       scalar @SQL_FILES, 'no version recorded twice');

    $r = admin($ci, 'migrate', '--status');
    like($r->{out}, qr/^1\s+webhook_events\s+applied\s+\d{4}-/m,
         'status lists applied');
    like($r->{out}, qr/^0 pending$/m, 'none pending');
};

subtest 'concurrent migrates apply each file exactly once' => sub {
    my $ci = fresh_db('conc');
    my @pids;
    for my $i (1 .. 4) {
        my $pid = fork() // die;
        if ($pid == 0) {
            open STDOUT, '>', "$TMP/conc.$i" or die;
            open STDERR, '>&', \*STDOUT or die;
            exec $ADMIN, '--db', $ci, 'migrate' or exit 127;
        }
        push @pids, $pid;
    }
    my @rc = map { waitpid($_, 0); $? >> 8 } @pids;
    is_deeply(\@rc, [0, 0, 0, 0], 'all four succeed');
    my $all = join '', map { slurp("$TMP/conc.$_") } 1 .. 4;
    for my $f (@SQL_FILES) {
        is(scalar(() = $all =~ /^applied \Q$f\E$/mg), 1, "$f applied once");
    }
    is(psql($ci, 'SELECT count(*) FROM orderhooks.schema_migrations'),
       scalar @SQL_FILES, 'one row per version');
};

subtest 'migrate waits for the advisory lock' => sub {
    my $ci = fresh_db('lock');
    my $holder = fork() // die;
    if ($holder == 0) {
        exec $PSQL, '-X', '-q', '-o', '/dev/null', '-d', $ci, '-c',
            "SELECT pg_advisory_lock($LOCK_KEY), pg_sleep(2)" or exit 127;
    }
    sleep 0.5;
    my $t0 = time;
    my $r = admin($ci, 'migrate');
    my $took = time - $t0;
    waitpid($holder, 0);
    is($r->{rc}, 0, 'migrate succeeds after the lock is released');
    cmp_ok($took, '>=', 1.0, sprintf('it waited (%.1fs)', $took));
};

subtest 'a failing migration is rolled back whole' => sub {
    my $ci = fresh_db('fail');
    my $dir = "$TMP/sqlfail";
    mkdir $dir;
    open my $a, '>', "$dir/001_first.sql" or die;
    print $a "CREATE SCHEMA IF NOT EXISTS orderhooks;\n"
        . "CREATE TABLE orderhooks.t1 (id int);\n";
    close $a;
    open my $b, '>', "$dir/002_broken.sql" or die;
    print $b "CREATE TABLE orderhooks.t2 (id int);\n"
        . "INSERT INTO orderhooks.t2 VALUES (1);\n"
        . "SELEKT nonsense;\n";
    close $b;
    open my $c, '>', "$dir/README" or die;
    close $c;

    my $r = admin($ci, 'migrate', '--sql-dir', $dir);
    is($r->{rc}, 1, 'exit 1');
    like($r->{out}, qr/^applied 001_first.sql$/m, 'first applied');
    like($r->{err}, qr/^orderhooks-admin: migration 002_broken.sql failed at line 3: syntax error/,
         'error names the file and line');
    is(psql($ci, 'SELECT string_agg(version::text, \',\')'
                 . ' FROM orderhooks.schema_migrations'), '1',
       'only version 1 recorded');
    is(psql($ci, "SELECT to_regclass('orderhooks.t2') IS NULL"), 't',
       'the failed file left nothing behind');

    local $ENV{ORDERHOOKS_SQL_DIR} = $dir;
    $r = admin($ci, 'migrate', '--status');
    like($r->{out}, qr/^2\s+broken\s+pending$/m, 'ORDERHOOKS_SQL_DIR used');

    $r = admin($ci, 'migrate', '--sql-dir', "$TMP/nowhere");
    is($r->{rc}, 1, 'missing directory: 1');
    like($r->{err}, qr/cannot open migrations directory/, 'says so');
};

subtest 'order create' => sub {
    my $ci = migrated_db('oc');
    my $r = admin($ci, qw(order create OC-1 --email a@example.com
                          --total 129.99 --currency usd --provider stripe
                          --payment-ref pi_1 --provider-order-ref cs_1));
    is($r->{rc}, 0, 'created') or diag $r->{err};
    like($r->{out}, qr/^created order OC-1 \(id \d+\): total 129.99 USD = 12999 minor units, status pending_payment$/,
         'reports minor units');
    is(psql($ci, "SELECT concat_ws('|', total_minor, currency, status,"
                 . " payment_provider, provider_payment_id,"
                 . " provider_order_id, customer_email)"
                 . " FROM orderhooks.orders WHERE order_number = 'OC-1'"),
       '12999|USD|pending_payment|stripe|pi_1|cs_1|a@example.com', 'row');
    is(psql($ci, "SELECT count(*) FROM orderhooks.order_status_history h"
                 . " JOIN orderhooks.orders o ON o.id = h.order_id"
                 . " WHERE o.order_number = 'OC-1' AND h.from_status IS NULL"
                 . " AND h.to_status = 'pending_payment'"), 1,
       'first history row');

    for my $case (['OC-JPY', '1500', 'JPY', 1500],
                  ['OC-BHD', '1.234', 'BHD', 1234],
                  ['OC-ZERO', '0.10', 'EUR', 10],
                  ['OC-TRAIL', '19.900', 'USD', 1990])
    {
        my ($num, $total, $cur, $minor) = @$case;
        $r = admin($ci, 'order', 'create', $num, '--email', 'x@y',
                   '--total', $total, '--currency', $cur);
        is($r->{rc}, 0, "$total $cur created");
        is(psql($ci, "SELECT total_minor FROM orderhooks.orders"
                     . " WHERE order_number = '$num'"), $minor,
           "$total $cur = $minor minor units");
    }

    $r = admin($ci, qw(order create OC-1 --email a@b --total 1 --currency USD));
    is($r->{rc}, 1, 'duplicate: 1');
    is($r->{err}, "orderhooks-admin: order OC-1 already exists\n", 'says so');

    my @bad = (
        [[qw(--total 1.999 --currency USD)], qr/invalid --total '1.999'/],
        [[qw(--total -5 --currency USD)], qr/invalid --total/],
        [[qw(--total 5 --currency US)], qr/invalid currency 'US'/],
        [[qw(--total 5 --currency USD --status lost)], qr/unknown status/],
        [[qw(--currency USD)], qr/--total and --currency are required/],
    );
    for my $b (@bad) {
        my ($args, $re) = @$b;
        $r = admin($ci, qw(order create OC-BAD --email e@x), @$args);
        is($r->{rc}, 2, "@$args: usage error");
        like($r->{err}, $re, "@$args: message");
    }
    is(psql($ci, "SELECT count(*) FROM orderhooks.orders"
                 . " WHERE order_number = 'OC-BAD'"), 0, 'nothing created');
};

subtest 'order show' => sub {
    my $ci = migrated_db('os');
    admin($ci, qw(order create OS-1 --email s@x --total 50 --currency EUR
                  --status payment_mismatch))->{rc} == 0 or die;
    psql($ci, "INSERT INTO orderhooks.payments (order_id, provider,"
        . " provider_payment_id, status, amount_minor, currency)"
        . " SELECT id, 'stripe', 'pi_os', 'succeeded', 4000, 'EUR'"
        . " FROM orderhooks.orders WHERE order_number = 'OS-1'");
    psql($ci, "INSERT INTO orderhooks.shipments (order_id, tracking_number,"
        . " carrier, status) SELECT id, 'TRK1', 'dhl', 'in_transit'"
        . " FROM orderhooks.orders WHERE order_number = 'OS-1'");
    psql($ci, "INSERT INTO orderhooks.tracking_events (shipment_id,"
        . " status_code, description, location, occurred_at)"
        . " SELECT id, 'IT', 'In transit', 'Berlin', now()"
        . " FROM orderhooks.shipments WHERE tracking_number = 'TRK1'");

    my $r = admin($ci, qw(order show OS-1));
    is($r->{rc}, 0, 'text') or diag $r->{err};
    like($r->{out}, qr/^Order OS-1 \(id \d+\)$/m, 'heading');
    like($r->{out}, qr/^  total\s+50.00 EUR$/m, 'total in major units');
    like($r->{out}, qr/^  status\s+payment_mismatch$/m, 'status');
    like($r->{out}, qr/^Payments \(1\)\n  #\d+ provider=stripe provider_payment_id=pi_os status=succeeded amount=40.00 EUR/m,
         'payment');
    like($r->{out}, qr/^Shipments \(1\)\n  #\d+ .*tracking_number=TRK1/m,
         'shipment');
    like($r->{out}, qr/^Tracking events \(1\)\n.*status_code=IT .*location=Berlin/m,
         'tracking event');
    like($r->{out}, qr/^Refunds \(0\)$/m, 'empty section');
    like($r->{out}, qr/^Status history \(1\)\n.*to_status=payment_mismatch/m,
         'history');

    $r = admin($ci, qw(order show OS-1 --json));
    is($r->{rc}, 0, 'json');
    my $doc = eval { decode_json($r->{out}) };
    ok($doc, 'valid JSON') or diag $@;
    is($doc->{order}{total_minor}, 5000, 'order.total_minor');
    is($doc->{payments}[0]{amount_minor}, 4000, 'payments[0]');
    is(scalar @{ $doc->{tracking_events} }, 1, 'tracking_events');
    is_deeply([sort keys %$doc],
              [sort qw(order payments refunds reconciliation shipments
                       tracking_events status_history)], 'all sections');

    $r = admin($ci, qw(order show OS-404));
    is($r->{rc}, 1, 'unknown order: 1');
    is($r->{err}, "orderhooks-admin: no order OS-404\n", 'says so');
    $r = admin($ci, qw(order show));
    is($r->{rc}, 2, 'no order number: 2');
};

subtest 'events stats and list' => sub {
    my $ci = migrated_db('ev');
    add_event($ci, source => 'ev-a', event_id => 'a1', state => 'pending',
              age => '3 hours');
    add_event($ci, source => 'ev-a', event_id => 'a2', state => 'done');
    add_event($ci, source => 'ev-a', event_id => 'a3', state => 'dead',
              age => '10 days', last_error => 'no such order');
    add_event($ci, source => 'ev-b', event_id => 'b1', state => 'retry',
              age => '1 hour');
    add_event($ci, source => 'ev-b', state => 'rejected');

    my $r = admin($ci, qw(events stats --json));
    is($r->{rc}, 0, 'stats --json') or diag $r->{err};
    my $s = decode_json($r->{out});
    is_deeply($s->{sources}{'ev-a'},
              { pending => 1, retry => 0, done => 1, ignored => 0, dead => 1,
                rejected => 0, total => 3 }, 'ev-a counts');
    is($s->{sources}{'ev-b'}{rejected}, 1, 'ev-b rejected');
    is($s->{total}{total}, 5, 'total');
    is($s->{due_now}, 2, 'pending and retry are due');
    cmp_ok($s->{oldest_pending}{age_seconds}, '>=', 3 * 3600 - 5,
           'oldest pending age');
    is($s->{oldest_pending}{source}, 'ev-a', 'oldest pending source');

    $r = admin($ci, qw(events stats --since), '1 day', '--json');
    $s = decode_json($r->{out});
    is($s->{sources}{'ev-a'}{total}, 2, '--since leaves out old events');

    $r = admin($ci, qw(events stats));
    is($r->{rc}, 0, 'text stats');
    like($r->{out}, qr/^ev-a\s+1\s+0\s+1\s+0\s+1\s+0\s+3$/m, 'text row');
    like($r->{out}, qr/^oldest pending: event \d+ \(ev-a\), 03:00:0\d old$/m,
         'text oldest');

    $r = admin($ci, qw(events stats --since yesterday-ish));
    is($r->{rc}, 2, 'bad interval: 2');
    like($r->{err}, qr/invalid --since interval/, 'says so');

    $r = admin($ci, qw(events list --state dead));
    is($r->{rc}, 0, 'list');
    like($r->{out}, qr/^\d+\s+\S+ \S+ ev-a\s+payment.succeeded\s+dead\s+0 .*no such order$/m,
         'dead row with its error');
    like($r->{out}, qr/^\(1 event\)$/m, 'only the dead one');
    $r = admin($ci, qw(events list --source ev-b --limit 1));
    like($r->{out}, qr/^\(1 event\)$/m, '--limit');
    like($r->{out}, qr/rejected .*bad signature/, 'newest first');
    $r = admin($ci, qw(events list --state nope));
    is($r->{rc}, 2, 'bad state: 2');
    $r = admin($ci, qw(events list --limit 0));
    is($r->{rc}, 2, 'bad limit: 2');
};

subtest 'replay' => sub {
    my $ci = migrated_db('rp');
    my $dead = add_event($ci, source => 'rp-a', event_id => 'd1',
                         state => 'dead', attempts => 6,
                         last_error => 'order not found');
    my $dead2 = add_event($ci, source => 'rp-b', event_id => 'd2',
                          state => 'dead', attempts => 6);
    my $dead3 = add_event($ci, source => 'rp-b', event_id => 'd3',
                          state => 'dead', attempts => 1);
    my $done = add_event($ci, source => 'rp-a', event_id => 'ok1',
                         state => 'done');
    my $rej = add_event($ci, source => 'rp-a', state => 'rejected');
    psql($ci, "UPDATE orderhooks.webhook_events SET processed_at = now(),"
        . " next_attempt_at = now() + interval '1 day' WHERE id = $dead");

    my $r = admin($ci, 'replay', $dead);
    is($r->{rc}, 0, 'replay one') or diag $r->{err};
    is($r->{out}, "event $dead (rp-a) is pending again\n", 'says so');
    is(psql($ci, "SELECT concat_ws('|', state, attempts,"
                 . " next_attempt_at <= now(), processed_at IS NULL,"
                 . " last_error) FROM orderhooks.webhook_events"
                 . " WHERE id = $dead"),
       'pending|0|t|t|order not found', 'pending, attempts 0, due, error kept');

    $r = admin($ci, 'replay', $dead);
    is($r->{rc}, 0, 'again: no-op');
    like($r->{out}, qr/already pending/, 'says so');

    $r = admin($ci, 'replay', $rej);
    is($r->{rc}, 1, 'rejected: 1');
    like($r->{err}, qr/is rejected and cannot be replayed/, 'says so');

    $r = admin($ci, 'replay', $done);
    is($r->{rc}, 1, 'done without --force: 1');
    is(psql($ci, "SELECT state FROM orderhooks.webhook_events"
                 . " WHERE id = $done"), 'done', 'left alone');
    $r = admin($ci, 'replay', $done, '--force');
    is($r->{rc}, 0, 'done with --force');
    is(psql($ci, "SELECT state FROM orderhooks.webhook_events"
                 . " WHERE id = $done"), 'pending', 'replayed');

    $r = admin($ci, 'replay', '999999');
    is($r->{rc}, 1, 'unknown id: 1');
    is($r->{err}, "orderhooks-admin: no webhook event 999999\n", 'says so');
    $r = admin($ci, 'replay', 'abc');
    is($r->{rc}, 2, 'bad id: 2');
    $r = admin($ci, 'replay');
    is($r->{rc}, 2, 'nothing to replay: 2');
    $r = admin($ci, qw(replay 5 --source x));
    is($r->{rc}, 2, '--source without --dead: 2');

    psql($ci, "UPDATE orderhooks.webhook_events SET state = 'dead'"
        . " WHERE id = $dead");
    $r = admin($ci, qw(replay --dead --source rp-b));
    is($r->{rc}, 0, 'replay --dead --source');
    is($r->{out}, "replayed 2 dead events from rp-b\n", 'counts');
    is(psql($ci, "SELECT state FROM orderhooks.webhook_events"
                 . " WHERE id = $dead"), 'dead', 'other source untouched');
    $r = admin($ci, qw(replay --dead));
    is($r->{out}, "replayed 1 dead event\n", 'replay --dead');
    is(psql($ci, "SELECT count(*) FROM orderhooks.webhook_events"
                 . " WHERE state = 'dead'"), 0, 'no dead left');
    is(psql($ci, "SELECT string_agg(DISTINCT attempts::text, ',')"
                 . " FROM orderhooks.webhook_events"
                 . " WHERE id IN ($dead, $dead2, $dead3)"), '0',
       'attempts reset');
};

subtest 'reconcile resolve' => sub {
    my $ci = migrated_db('rc');
    for my $n (qw(RC-1 RC-2)) {
        admin($ci, 'order', 'create', $n, qw(--email r@x --total 50
              --currency EUR --status payment_mismatch))->{rc} == 0 or die;
        psql($ci, "INSERT INTO orderhooks.payments (order_id, provider,"
            . " provider_payment_id, status, amount_minor, currency)"
            . " SELECT id, 'stripe', 'pi_$n', 'succeeded', 4000, 'EUR'"
            . " FROM orderhooks.orders WHERE order_number = '$n'");
        psql($ci, "INSERT INTO orderhooks.payment_reconciliation (order_id,"
            . " payment_id, expected_minor, expected_currency,"
            . " received_minor, received_currency, status, notes)"
            . " SELECT o.id, p.id, 5000, 'EUR', 4000, 'EUR', 'mismatch',"
            . " 'amount differs' FROM orderhooks.orders o"
            . " JOIN orderhooks.payments p ON p.order_id = o.id"
            . " WHERE o.order_number = '$n'");
    }

    my $r = admin($ci, qw(reconcile resolve RC-1));
    is($r->{rc}, 2, 'no --note: 2');
    like($r->{err}, qr/--note is required/, 'says so');
    $r = admin($ci, qw(reconcile fix RC-1 --note x));
    is($r->{rc}, 2, 'unknown subcommand: 2');

    $r = admin($ci, qw(reconcile resolve RC-1 --by alice --note),
               'rest paid by bank transfer');
    is($r->{rc}, 0, 'resolved') or diag $r->{err};
    like($r->{out}, qr/payment_mismatch -> paid/, 'order moved');
    is(psql($ci, "SELECT concat_ws('|', c.status, c.resolved_by,"
                 . " c.resolved_at IS NOT NULL, replace(c.notes, chr(10), '/'))"
                 . " FROM orderhooks.payment_reconciliation c"
                 . " JOIN orderhooks.orders o ON o.id = c.order_id"
                 . " WHERE o.order_number = 'RC-1'"),
       'resolved|alice|t|amount differs/rest paid by bank transfer',
       'record resolved with note');
    is(psql($ci, "SELECT concat_ws('|', o.status, o.paid_at IS NOT NULL,"
                 . " h.from_status, h.to_status, h.changed_by, h.reason)"
                 . " FROM orderhooks.orders o"
                 . " JOIN orderhooks.order_status_history h"
                 . " ON h.order_id = o.id AND h.to_status = 'paid'"
                 . " WHERE o.order_number = 'RC-1'"),
       'paid|t|payment_mismatch|paid|alice|'
       . 'reconciliation resolved: rest paid by bank transfer',
       'order paid, history recorded');

    $r = admin($ci, qw(reconcile resolve RC-1 --note again));
    is($r->{rc}, 1, 'nothing open: 1');
    like($r->{err}, qr/has no open payment mismatch/, 'says so');

    $r = admin($ci, qw(reconcile resolve RC-2 --keep-status --note),
               'refund pending');
    is($r->{rc}, 0, '--keep-status');
    is(psql($ci, "SELECT status FROM orderhooks.orders"
                 . " WHERE order_number = 'RC-2'"), 'payment_mismatch',
       'order status kept');
    is(psql($ci, "SELECT c.status FROM orderhooks.payment_reconciliation c"
                 . " JOIN orderhooks.orders o ON o.id = c.order_id"
                 . " WHERE o.order_number = 'RC-2'"), 'resolved',
       'record resolved');

    $r = admin($ci, qw(reconcile resolve RC-404 --note x));
    is($r->{rc}, 1, 'unknown order: 1');
    is($r->{err}, "orderhooks-admin: no order RC-404\n", 'says so');
};

subtest 'prune: dry run, then real' => sub {
    my $ci = migrated_db('pr');
    my %id;
    $id{old_done} = add_event($ci, source => 'pr', event_id => 'p1',
                              state => 'done', age => '40 days');
    $id{old_ignored} = add_event($ci, source => 'pr', event_id => 'p2',
                                 state => 'ignored', age => '40 days');
    $id{old_rejected} = add_event($ci, source => 'pr', state => 'rejected',
                                  age => '40 days');
    $id{old_dead} = add_event($ci, source => 'pr', event_id => 'p3',
                              state => 'dead', age => '40 days');
    $id{old_pending} = add_event($ci, source => 'pr', event_id => 'p4',
                                 state => 'pending', age => '40 days');
    $id{old_retry} = add_event($ci, source => 'pr', event_id => 'p5',
                               state => 'retry', age => '40 days');
    $id{new_done} = add_event($ci, source => 'pr', event_id => 'p6',
                              state => 'done', age => '29 days');
    admin($ci, qw(order create PR-1 --email p@x --total 10 --currency USD
                  --status paid))->{rc} == 0 or die;
    psql($ci, "INSERT INTO orderhooks.payments (order_id, provider,"
        . " provider_payment_id, status, amount_minor, currency,"
        . " webhook_event_id) SELECT id, 'generic', 'pay1', 'succeeded',"
        . " 1000, 'USD', $id{old_done} FROM orderhooks.orders"
        . " WHERE order_number = 'PR-1'");
    my $count = sub {
        psql($ci, 'SELECT count(*) FROM orderhooks.webhook_events');
    };

    my $r = admin($ci, qw(prune --older-than 30 --dry-run));
    is($r->{rc}, 0, 'dry run') or diag $r->{err};
    is($r->{out}, "would delete 3 webhook events received more than 30 days"
        . " ago (done 1, ignored 1, rejected 1)\n", 'counts');
    is($count->(), 7, 'dry run deletes nothing');

    $r = admin($ci, qw(prune --older-than 30));
    is($r->{rc}, 0, 'real run');
    is($r->{out}, "deleted 3 webhook events received more than 30 days"
        . " ago (done 1, ignored 1, rejected 1)\n", 'reports what it did');
    is(psql($ci, "SELECT string_agg(id::text, ',' ORDER BY id)"
                 . " FROM orderhooks.webhook_events"),
       join(',', sort { $a <=> $b } @id{qw(old_dead old_pending old_retry
                                           new_done)}),
       'dead, pending, retry and recent events kept');
    is(psql($ci, "SELECT webhook_event_id FROM orderhooks.payments"
                 . " WHERE provider_payment_id = 'pay1'"), $id{old_done},
       'payment kept with its event id');
    is(psql($ci, "SELECT count(*) FROM orderhooks.orders"), 1, 'order kept');

    $r = admin($ci, qw(prune --older-than 30));
    like($r->{out}, qr/^deleted 0 webhook events/, 'second run: nothing');

    $r = admin($ci, qw(prune --older-than 30 --include-dead --dry-run));
    like($r->{out}, qr/\(done 0, ignored 0, rejected 0, dead 1\)/,
         '--include-dead counts dead');
    $r = admin($ci, qw(prune --older-than 30 --include-dead));
    is($r->{rc}, 0, '--include-dead');
    is(psql($ci, "SELECT count(*) FROM orderhooks.webhook_events"
                 . " WHERE id = $id{old_dead}"), 0, 'dead deleted');
    is($count->(), 3, 'pending, retry, recent still there');

    $r = admin($ci, qw(prune --dry-run));
    is($r->{rc}, 2, 'no --older-than: 2');
    $r = admin($ci, qw(prune --older-than -1));
    is($r->{rc}, 2, 'negative days: 2');
    $r = admin($ci, qw(prune --older-than 1x));
    is($r->{rc}, 2, 'not a number: 2');
};

END {
    local $?;
    return unless $BASE;
    for my $db (@DATABASES) {
        eval { psql($BASE, "DROP DATABASE IF EXISTS $db WITH (FORCE)") };
    }
    if (ref $OWN_CLUSTER) {
        system("$ROOT/scripts/pg-cluster", 'stop', @$OWN_CLUSTER);
    }
}

done_testing();
