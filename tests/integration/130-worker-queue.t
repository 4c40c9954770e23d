# Queue mechanics: two workers drain one queue exactly once; a worker
# SIGKILLed mid-batch loses and doubles nothing; the daemon wakes on
# NOTIFY, keeps its config on a bad SIGHUP and exits on SIGTERM.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(sleep time);
use POSIX qw(WNOHANG);
use WorkerTest;

my $p = prefix();
my $N = 1500;

# refunds of 0.01 with unique ids on 10 orders: every event leaves one row
sub load {
    my ($tag, $n) = @_;
    for my $o (1 .. 10) {
        create_order("${p}$tag$o", 'USD', 100000);
        sql(q{UPDATE orderhooks.orders SET status = 'paid',
              paid_minor = 100000 WHERE order_number = :'n'},
            n => "${p}$tag$o");
    }
    sql(q{INSERT INTO orderhooks.webhook_events (source, provider, event_id,
              body, body_size)
          SELECT 'generic', 'generic', :'t' || i,
                 convert_to(b, 'UTF8'), octet_length(b)
            FROM generate_series(1, :'n'::int) i,
                 LATERAL (SELECT format('{"event_id":"%s%s","order_number":"%s%s","amount":0.01,"currency":"USD","status":"refunded"}',
                                 :'t', i, :'o', i % 10 + 1) AS b) x},
        t => "${p}$tag-", n => $n, o => "${p}$tag");
}

sub check_exactly_once {
    my ($tag, $n, $what) = @_;
    my $r = sql_row(q{SELECT count(*) AS n,
            count(*) FILTER (WHERE state = 'done') AS done,
            max(attempts) AS max_attempts
          FROM orderhooks.webhook_events WHERE event_id LIKE :'t'},
        t => "${p}$tag-%");
    is $r->{done}, $n, "$what: every event done";
    is $r->{max_attempts}, 1, "$what: each applied in one attempt";
    my $s = sql_row(q{SELECT count(*) AS rows, sum(o.refunded_minor) AS total
          FROM orderhooks.refunds f JOIN orderhooks.orders o
            ON o.id = f.order_id WHERE f.provider_refund_id LIKE :'t'},
        t => "${p}$tag-%");
    is $s->{rows}, $n, "$what: one refund row per event";
    my $t = sql_row(q{SELECT sum(refunded_minor) AS total
          FROM orderhooks.orders WHERE order_number LIKE :'t'},
        t => "${p}$tag%");
    is $t->{total}, $n, "$what: order totals add up (no lost update)";
}

sub spawn {
    my @args = @_;
    my $pid = fork // die;
    if ($pid == 0) {
        open STDERR, '>', '/dev/null';
        exec worker_bin(), '--db', conninfo(), @args;
        exit 127;
    }
    return $pid;
}

# two workers side by side, small batches so they interleave
load('A', $N);
my @w = map { spawn('--once', '--set', 'batch_size=20',
                    '--set', 'log_level=warn') } 1 .. 2;
waitpid $_, 0 for @w;
check_exactly_once('A', $N, 'two workers');

# two workers, each order's payment and tracking updates queued together
# and split across batches: a worker waiting for an order another worker
# is updating still finds it once the lock is granted (no "order not
# found" for an order that exists)
my $M = 300;
for my $o (1 .. $M) {
    create_order("${p}M$o", 'USD', 1000);
}
sql(q{INSERT INTO orderhooks.webhook_events (source, provider, event_id,
          body, body_size)
      SELECT 'generic', 'generic', :'t' || o || '-' || k,
             convert_to(b, 'UTF8'), octet_length(b)
        FROM generate_series(1, :'m'::int) o, generate_series(1, 3) k,
             LATERAL (SELECT CASE k
                WHEN 1 THEN format('{"event_id":"%s%s-1","order_number":"%s%s","amount":10.00,"currency":"USD","status":"paid"}', :'t', o, :'n', o)
                ELSE format('{"order_number":"%s%s","tracking_number":"TM%s","carrier":"DHL","events":[{"status_code":"%s","occurred_at":"2026-01-0%sT10:00:00Z"}]}',
                            :'n', o, o, CASE k WHEN 2 THEN 'in_transit' ELSE 'delivered' END, k)
                END AS b) x
       ORDER BY o, k},
    t => "${p}M-", m => $M, n => "${p}M");
# an update that overtakes its order's payment waits early_retry once
for my $pass (1, 2) {
    @w = map { spawn('--once', '--set', 'batch_size=7',
                     '--set', 'early_retry=1s', '--set', 'log_level=warn') }
         1 .. 2;
    waitpid $_, 0 for @w;
    sleep 1.2 if $pass == 1;
}
my $m = sql_row(q{SELECT count(*) FILTER (WHERE state = 'done') AS done,
        max(attempts) AS max_attempts,
        string_agg(DISTINCT last_error, '; ') AS errors
      FROM orderhooks.webhook_events WHERE event_id LIKE :'t'},
    t => "${p}M-%");
is $m->{done}, 3 * $M, 'interleaved orders: every event done'
    or diag "errors: " . ($m->{errors} // '');
ok $m->{max_attempts} <= 2, 'interleaved orders: at most one early retry';
is sql_row(q{SELECT count(*) AS n FROM orderhooks.orders
             WHERE order_number LIKE :'t' AND status = 'delivered'
               AND paid_minor = 1000}, t => "${p}M%")->{n}, $M,
   'interleaved orders: every order paid once and delivered';

# SIGKILL mid-batch, then drain with another worker
load('K', $N);
my $k = spawn('--set', 'batch_size=50', '--set', 'log_level=warn');
my $t0 = time;
while (time - $t0 < 10) {
    my $d = sql_row(q{SELECT count(*) AS n FROM orderhooks.webhook_events
        WHERE event_id LIKE :'t' AND state = 'done'}, t => "${p}K-%")->{n};
    last if $d > 0;
    sleep 0.02;
}
kill 'KILL', $k;
waitpid $k, 0;
my $before = sql_row(q{SELECT count(*) AS n FROM orderhooks.webhook_events
    WHERE event_id LIKE :'t' AND state = 'done'}, t => "${p}K-%")->{n};
ok $before > 0 && $before < $N, "killed part way ($before of $N done)";
run_worker('--set', 'log_level=warn');
check_exactly_once('K', $N, 'after SIGKILL');

# daemon: NOTIFY wakes it well before the 60 s poll; SIGHUP with a broken
# config keeps running; SIGTERM exits 0
my $cfg = "/tmp/oh-worker-test-$$.conf";
open my $fh, '>', $cfg or die;
print $fh "poll_interval = 60s\nlog_level = info\n";
close $fh;
my $err = "/tmp/oh-worker-test-$$.log";
my $d = fork // die;
if ($d == 0) {
    open STDERR, '>', $err;
    exec worker_bin(), '-c', $cfg, '--db', conninfo();
    exit 127;
}
sleep 1;
create_order("${p}D1", 'USD', 100);
my $ev = insert_event('generic', qq({"order_number":"${p}D1","amount":1,"currency":"USD","status":"paid","provider_reference":"d$p"}));
$t0 = time;
sleep 0.05 while event_row($ev)->{state} ne 'done' && time - $t0 < 10;
my $lat = time - $t0;
is event_row($ev)->{state}, 'done', 'daemon applied the event';
ok $lat < 5, sprintf('woken by NOTIFY in %.2f s (poll is 60 s)', $lat);

open $fh, '>', $cfg or die;
print $fh "batch_size = many\n";
close $fh;
kill 'HUP', $d;
sleep 0.5;
is waitpid($d, WNOHANG), 0, 'still running after a bad reload';
my $ev2 = insert_event('generic', qq({"order_number":"${p}D1","amount":1,"currency":"USD","status":"failed","provider_reference":"d2$p"}));
$t0 = time;
sleep 0.05 while event_row($ev2)->{state} ne 'done' && time - $t0 < 10;
is event_row($ev2)->{state}, 'done', 'still processing after a bad reload';
kill 'TERM', $d;
waitpid $d, 0;
is $? >> 8, 0, 'SIGTERM: exit 0';
open $fh, '<', $err or die;
my @lines = <$fh>;
close $fh;
ok((grep { /"reload failed, configuration kept"/ } @lines),
   'bad reload logged');
ok((grep { /"msg":"stopping","signal":"SIGTERM"/ } @lines),
   'SIGTERM logged');
unlink $cfg, $err;

done_testing;
