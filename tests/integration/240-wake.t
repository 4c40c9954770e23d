# LISTEN/NOTIFY wake-up: a worker daemon polling only once a minute applies
# a webhook within a second, whether it came through nginx (the module's
# pg_notify after its commit) or was inserted by another writer (the
# insert trigger).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(sleep time);
use POSIX ();
use ChaosTest;

my $RUN = sprintf '%d%05d', time, $$;
my $SECRET = 'wake-secret';
my $db = "wake_$RUN";
my $ci = create_db($db);
my $admin = $ENV{TEST_NGINX_ADMIN};

for my $o (qw(W-1 W-2)) {
    system($admin, '--db', $ci, 'order', 'create', "$o-$RUN", '--email',
           'a@example.com', '--total', '10.00', '--currency', 'USD') == 0
        or BAIL_OUT("order create $o failed");
}

my $log = "/tmp/oh-wake-$RUN.log";
my $wpid = fork // die "fork: $!";
if ($wpid == 0) {
    open STDERR, '>', $log or POSIX::_exit(1);
    exec $ENV{TEST_NGINX_WORKER}, '--db', $ci, '--set', 'poll_interval=60s'
        or POSIX::_exit(1);
}
my $ng = nginx_start(conninfo => $ci, server => <<"END");
        location = /wh {
            orderhooks generic;
            orderhooks_secret $SECRET;
        }
END

END {
    kill 'TERM', $wpid if $wpid;
    waitpid $wpid, 0 if $wpid;
    nginx_stop($ng) if $ng;
    drop_db($db) if $db;
    unlink $log if $log;
}

# the daemon has started listening once its first (empty) poll is done
for (1 .. 100) {
    last if -s $log && `cat $log` =~ /connected/;
    sleep 0.05;
}
sleep 0.5;

sub status_of {
    my ($order) = @_;
    return psql($ci, "SELECT status FROM orderhooks.orders WHERE order_number"
                   . " = '$order';\n");
}

sub seconds_until_paid {
    my ($order, $t0) = @_;
    while (time - $t0 < 5) {
        return time - $t0 if status_of($order) eq 'paid';
        sleep 0.02;
    }
    return undef;
}

my $body = qq({"event_id":"wake1-$RUN","order_number":"W-1-$RUN",)
         . qq("amount":10.00,"currency":"USD","status":"paid"});
my $t0 = time;
my $r = http_post($ng->{port}, '/wh', generic_request($SECRET, $body), $body);
is($r->{status}, 200, 'the webhook is recorded through nginx');
my $took = seconds_until_paid("W-1-$RUN", $t0);
ok(defined $took && $took < 1.0,
   sprintf('woken by the module after its commit: paid in %.3f s',
           $took // -1));

my $direct = qq({"event_id":"wake2-$RUN","order_number":"W-2-$RUN",)
           . qq("amount":10.00,"currency":"USD","status":"paid"});
$t0 = time;
psql($ci, "INSERT INTO orderhooks.webhook_events (source, provider, event_id,"
        . " headers, body, body_size) VALUES ('generic', 'generic',"
        . " 'wake2-$RUN', '{}', convert_to('$direct', 'UTF8'), "
        . length($direct) . ");\n");
$took = seconds_until_paid("W-2-$RUN", $t0);
ok(defined $took && $took < 1.0,
   sprintf('woken by the trigger for another writer: paid in %.3f s',
           $took // -1));

done_testing();
