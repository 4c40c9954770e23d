# WorkerTest: helpers for the worker integration tests (psql + the binary).
#
# Needs TEST_NGINX_PG_CONNINFO (a migrated database) and TEST_NGINX_WORKER
# (the orderhooks-worker binary), as scripts/run-t-suites and
# scripts/worker-tests export them.  Every test file works on its own
# order numbers (prefix()), so files never depend on each other's rows.
package WorkerTest;

use strict;
use warnings;
use Exporter 'import';
use IPC::Open3 qw(open3);
use JSON::PP ();
use Symbol qw(gensym);

our @EXPORT = qw(conninfo worker_bin prefix sql sql_row create_order
    insert_event run_worker event_row order_row history);

my $JSON = JSON::PP->new->canonical;

sub conninfo {
    my $c = $ENV{TEST_NGINX_PG_CONNINFO};
    die "TEST_NGINX_PG_CONNINFO is not set: run scripts/worker-tests "
        . "or scripts/run-t-suites\n" unless $c;
    return $c;
}

sub worker_bin {
    my $w = $ENV{TEST_NGINX_WORKER} || 'build/bin/orderhooks-worker';
    die "no worker binary at $w: run make\n" unless -x $w;
    return $w;
}

my $PREFIX;
sub prefix {
    $PREFIX //= sprintf('T%d%04d-', $$, int(rand(10000)));
    return $PREFIX;
}

# sql($query, name => value, ...): runs one statement with psql; values
# are passed as psql variables and used as :'name' (quoted by psql).
# Returns the rows as lists of fields.
sub sql {
    my ($q, %vars) = @_;
    my @cmd = ('psql', '-X', '-q', '-A', '-t', '-F', "\x1f",
               '-v', 'ON_ERROR_STOP=1', '-d', conninfo());
    push @cmd, '-v', "$_=$vars{$_}" for sort keys %vars;
    my $err = gensym;
    my $pid = open3(my $in, my $out, $err, @cmd);
    print $in $q;
    close $in;
    local $/;
    my $o = <$out> // '';
    my $e = <$err> // '';
    waitpid $pid, 0;
    die "psql failed: $e\n$q\n" if $? != 0;
    return map { [split /\x1f/, $_, -1] } grep { length } split /\n/, $o;
}

# One row as a hash (via row_to_json).
sub sql_row {
    my ($q, %vars) = @_;
    my @r = sql("SELECT row_to_json(x) FROM ($q) x", %vars);
    return @r ? $JSON->decode($r[0][0]) : undef;
}

sub create_order {
    my ($number, $currency, $total_minor, %o) = @_;
    sql(q{INSERT INTO orderhooks.orders (order_number, customer_email,
            currency, total_minor, provider_payment_id, provider_order_id)
          VALUES (:'n', 'buyer@example.com', :'c', :'t',
                  nullif(:'pp', ''), nullif(:'po', ''))},
        n => $number, c => $currency, t => $total_minor,
        pp => $o{payment_id} // '', po => $o{provider_order_id} // '');
}

# insert_event(provider, body, %opts) -> webhook row id
sub insert_event {
    my ($provider, $body, %o) = @_;
    my $body_text = ref $body ? $JSON->encode($body) : $body;
    my $eid = $o{event_id} // prefix() . 'ev' . int(rand(1e9));
    my @r = sql(q{INSERT INTO orderhooks.webhook_events (source, provider,
            event_id, event_type, body, body_size, state, reject_reason)
          VALUES (:'src', :'p', :'e', nullif(:'t', ''),
                  convert_to(:'b', 'UTF8'), octet_length(:'b'), :'st',
                  nullif(:'rr', ''))
          RETURNING id},
        src => $o{source} // $provider, p => $provider, e => $eid,
        t => $o{type} // '', b => $body_text, st => $o{state} // 'pending',
        rr => $o{reject_reason} // '');
    return $r[0][0];
}

# run_worker(@args) -> (exit code, [decoded log lines])
sub run_worker {
    my @args = @_;
    my $err = gensym;
    my $pid = open3(my $in, my $out, $err, worker_bin(), '--once',
                    '--db', conninfo(), @args);
    close $in;
    local $/;
    my $e = <$err> // '';
    <$out>;
    waitpid $pid, 0;
    my $rc = $? >> 8;
    my @lines = map { eval { $JSON->decode($_) } // { raw => $_ } }
                grep { length } split /\n/, $e;
    return ($rc, \@lines);
}

sub event_row {
    my ($id) = @_;
    return sql_row(q{SELECT state, attempts, last_error, processed_at,
        extract(epoch FROM next_attempt_at - now())::int AS due_in
        FROM orderhooks.webhook_events WHERE id = :'id'}, id => $id);
}

sub order_row {
    my ($n) = @_;
    return sql_row(q{SELECT * FROM orderhooks.orders
        WHERE order_number = :'n'}, n => $n);
}

# history(number) -> ["from>to:applied", ...]
sub history {
    my ($n) = @_;
    return [map { "$_->[0]>$_->[1]:$_->[2]" } sql(q{
        SELECT coalesce(h.from_status, ''), h.to_status,
               CASE WHEN h.applied THEN 'y' ELSE 'n' END
          FROM orderhooks.order_status_history h
          JOIN orderhooks.orders o ON o.id = h.order_id
         WHERE o.order_number = :'n' ORDER BY h.id}, n => $n)];
}

1;
