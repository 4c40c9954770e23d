# Chaos: restart PostgreSQL while nginx takes signed webhooks from several
# clients.  Every 2xx has its row; requests while the database is down get
# 503 with Retry-After; the intake recovers within 1.5 s of the database
# accepting connections again, with the same nginx processes.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use Time::HiRes qw(sleep time);
use File::Temp qw(tempdir);
use ChaosTest;

my $SECRET = 'chaos-pg-secret';
my $RUN = sprintf '%d%05d', time, $$;
my $CLIENTS = 4;

my $pg_cluster = "$ENV{TEST_NGINX_REPO}/scripts/pg-cluster";
sub pg {
    my ($cmd) = @_;
    system($pg_cluster, $cmd, $ENV{TEST_NGINX_PG_DATA},
           $ENV{TEST_NGINX_PG_PORT}) == 0 or die "pg-cluster $cmd failed\n";
}

my $ng = nginx_start(workers => 1, pool => 4, server => <<"END");
        location = /wh {
            orderhooks generic;
            orderhooks_secret $SECRET;
        }
END
my @workers_before = sort { $a <=> $b } nginx_pids($ng);
END {
    nginx_stop($ng) if $ng;
    # never leave the cluster down for the suites after this one
    system($pg_cluster, 'start', $ENV{TEST_NGINX_PG_DATA},
           $ENV{TEST_NGINX_PG_PORT});
}

my $stop = tempdir(CLEANUP => 1) . '/stop';
my %t;
my $res = load_run(
    clients => $CLIENTS, port => $ng->{port}, stop_file => $stop,
    next => sub {
        my ($c, $seq) = @_;
        my $id = "pgr-$RUN-$c-$seq";
        my $b = qq({"event_id":"$id","order_number":"PGR-$c","amount":1.00,)
              . qq("currency":"USD","status":"paid"});
        return ['/wh', generic_request($SECRET, $b), $b, $id];
    },
    during => sub {
        sleep 2;
        $t{stop0} = time;
        pg('stop');
        $t{down} = time;
        sleep 2;
        $t{start0} = time;
        pg('start');            # returns once the server accepts connections
        $t{up} = time;
        sleep 3;
        open my $fh, '>', $stop or die "$stop: $!";
        close $fh;
    });

my @ok = grep { $_->{status} == 200 } @$res;
my @unavail = grep { $_->{status} == 503 } @$res;
my @other = grep { $_->{status} != 200 && $_->{status} != 503 } @$res;
diag sprintf '%d requests: %d 200, %d 503; pg stop took %.2f s, start %.2f s',
    scalar @$res, scalar @ok, scalar @unavail, $t{down} - $t{stop0},
    $t{up} - $t{start0};

is scalar @other, 0, 'every answer is 200 or 503 (no error, no reset)'
    or diag explain [@other[0 .. ($#other > 4 ? 4 : $#other)]];
ok @ok > 200, scalar(@ok) . ' webhooks recorded';

# every 2xx has its row, and the id the reply names is that row
my @ids = map { /"id":(\d+)/ ? $1 : 0 } map { $_->{body} } @ok;
my $copy = join('', map { "$ok[$_]{tag}\t$ids[$_]\n" } 0 .. $#ok);
my $check = psql(conninfo_for(undef), <<"END" . $copy . <<'END2');
CREATE TEMP TABLE acked (event_id text, id bigint);
COPY acked FROM STDIN;
END
\.
SELECT count(*), count(w.id), count(*) FILTER (WHERE w.id = a.id)
  FROM acked a LEFT JOIN orderhooks.webhook_events w
    ON w.source = 'generic' AND w.event_id = a.event_id
   AND w.state <> 'rejected';
END2
my $n = @ok;
is $check, "$n|$n|$n", 'every 2xx has its row, the one its reply names';

# 503s: only around the outage, each with Retry-After and a JSON error
ok @unavail > 0, scalar(@unavail) . ' requests got 503 during the outage';
is scalar(grep { ($_->{retry_after} // '') !~ /^\d+$/ } @unavail), 0,
   'every 503 has Retry-After';
is scalar(grep { $_->{body} !~ /"error":"database_unavailable"/ } @unavail),
   0, 'every 503 says database_unavailable';
my @early = grep { $_->{t1} < $t{stop0} } @unavail;
is scalar @early, 0, 'no 503 before the database went down';
my @down = grep { $_->{t0} >= $t{down} && $_->{t1} <= $t{start0} } @$res;
ok @down > 0, scalar(@down) . ' requests made while the database was down';
is scalar(grep { $_->{status} != 503 } @down), 0,
   'all of them got 503';

# recovery: the first 200 after the database came back, and nothing but
# 200 from then on
my ($first) = sort { $a <=> $b } map { $_->{t1} } grep { $_->{t1} > $t{up} } @ok;
ok defined $first, 'requests succeed again';
my $recovery = ($first // 1e9) - $t{up};
ok $recovery < 1.5, sprintf('intake recovered %.3f s after the database '
                            . 'was back (limit 1.5 s)', $recovery);
my @late = grep { $_->{t0} > ($first // 0) } @unavail;
is scalar @late, 0, 'no 503 after recovery';
ok scalar(grep { $_->{t0} > ($first // 1e9) } @ok) > 100,
   'load continued after recovery';

# the same nginx worker processes throughout: recovered, not restarted
is_deeply [sort { $a <=> $b } nginx_pids($ng)], \@workers_before,
    'same nginx worker processes (no restart, no crash)';
my $log = nginx_stop($ng);
undef $ng;
unlike $log, qr/\[(alert|crit|emerg)\]/, 'no alert/crit in the error log';
like $log, qr/orderhooks: database at ".*" unavailable/,
    'the outage was logged';
like $log, qr/is reachable again/, 'the recovery was logged';

done_testing;
