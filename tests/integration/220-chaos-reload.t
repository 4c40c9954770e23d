# Chaos: `nginx -s reload` three times while clients post signed webhooks.
# No request fails, every 2xx has its row, and once the old worker
# processes are gone the database sees exactly workers x pool connections
# from nginx (none leaked by the old generations).
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(sleep time);
use File::Temp qw(tempdir);
use ChaosTest;

my $SECRET = 'chaos-reload-secret';
my $RUN = sprintf '%d%05d', time, $$;
my ($WORKERS, $POOL, $CLIENTS, $RELOADS) = (2, 4, 4, 3);

# orderhooks-nginx connections to the test database
sub nginx_conns {
    return psql(conninfo_for(undef), "SELECT count(*) FROM pg_stat_activity"
        . " WHERE application_name = 'orderhooks-nginx'"
        . " AND datname = current_database();\n");
}

# wait_for(seconds, sub): polls until sub returns true; returns its value
sub wait_for {
    my ($secs, $cond) = @_;
    my $t0 = time;
    while (1) {
        my $v = $cond->();
        return $v if $v || time - $t0 > $secs;
        sleep 0.1;
    }
}

is nginx_conns(), 0, 'no nginx connections before the test';
my $ng = nginx_start(workers => $WORKERS, pool => $POOL, server => <<"END");
        location = /wh {
            orderhooks generic;
            orderhooks_secret $SECRET;
        }
END
END { nginx_stop($ng) if $ng }
ok wait_for(10, sub { nginx_conns() == $WORKERS * $POOL }),
   'workers x pool connections after start';

my $stop = tempdir(CLEANUP => 1) . '/stop';
my $generations = 0;
my $res = load_run(
    clients => $CLIENTS, port => $ng->{port}, stop_file => $stop,
    next => sub {
        my ($c, $seq) = @_;
        my $id = "rld-$RUN-$c-$seq";
        my $b = qq({"event_id":"$id","order_number":"RLD-$c","amount":1.00,)
              . qq("currency":"USD","status":"paid"});
        return ['/wh', generic_request($SECRET, $b), $b, $id];
    },
    during => sub {
        sleep 1;
        for (1 .. $RELOADS) {
            nginx_signal($ng, 'reload');
            $generations++;
            sleep 1.5;
        }
        sleep 1;
        open my $fh, '>', $stop or die "$stop: $!";
        close $fh;
    });

my @ok = grep { $_->{status} == 200 } @$res;
my @failed = grep { $_->{status} != 200 } @$res;
diag sprintf '%d requests across %d reloads', scalar @$res, $generations;
ok @$res > 500, scalar(@$res) . ' requests under load';
is scalar @failed, 0, 'no failed request'
    or diag explain [@failed[0 .. ($#failed > 4 ? 4 : $#failed)]];

my $copy = join('', map { "$_->{tag}\n" } @ok);
my $rows = psql(conninfo_for(undef), <<"END" . $copy . <<'END2');
CREATE TEMP TABLE acked (event_id text);
COPY acked FROM STDIN;
END
\.
SELECT count(*) FROM acked a JOIN orderhooks.webhook_events w
    ON w.source = 'generic' AND w.event_id = a.event_id
   AND w.state = 'pending';
END2
is $rows, scalar @ok, 'every 2xx has its row';

# the old generations exit by themselves (no worker_shutdown_timeout is
# set: pool connections must not keep them alive); their connections go
# with them
my $t0 = time;
ok wait_for(20, sub { nginx_pids($ng) == $WORKERS }),
   sprintf('old worker processes exited (%.1f s after the load)',
           time - $t0);
my $conns = wait_for(5, sub { my $n = nginx_conns();
                              $n == $WORKERS * $POOL ? $n : 0 })
    || nginx_conns();
is $conns, $WORKERS * $POOL,
   "orderhooks-nginx connections = $WORKERS workers x pool $POOL";

my $log = nginx_stop($ng);
undef $ng;
unlike $log, qr/\[(alert|crit|emerg)\]/, 'no alert/crit in the error log';
ok wait_for(5, sub { nginx_conns() == 0 }),
   'nginx stopped: its connections are closed';

done_testing;
