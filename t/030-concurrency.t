# Concurrent deliveries across two nginx workers: one row per event, and every
# reply names it; concurrent distinct events share commits but keep their
# own answers.
use Test::Nginx::Socket 'no_plan';
use OrderhooksTest;

use IO::Socket::INET;
use POSIX ();

repeat_each(1);
no_shuffle();
master_on();
workers(2);

our $RUN = sprintf '%d%05d', time, $$;

# burst(\@bodies): POSTs every body at once, each from its own process and
# connection, and returns the raw responses in the same order.
sub burst {
    my ($bodies) = @_;
    my @kids;
    for my $i (0 .. $#$bodies) {
        pipe my $r, my $w or die "pipe: $!";
        my $pid = fork // die "fork: $!";
        if ($pid == 0) {
            close $r;
            my $b = $bodies->[$i];
            my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                              PeerPort => server_port(),
                                              Timeout => 10);
            if ($sock) {
                print $sock "POST /wh HTTP/1.0\r\nHost: localhost\r\n"
                    . 'X-Signature: ' . generic_sig('s3cret', $b) . "\r\n"
                    . 'Content-Length: ' . length($b) . "\r\n\r\n$b";
                local $/;
                print $w (<$sock> // '');
            }
            close $w;
            POSIX::_exit(0);
        }
        close $w;
        push @kids, [$pid, $r];
    }
    my @out;
    for my $k (@kids) {
        my $fh = $k->[1];
        local $/;
        push @out, scalar(<$fh>) // '';
        waitpid $k->[0], 0;
    }
    return @out;
}

# --- burst_same: N copies of one event at once; --- burst_distinct: N
# different events at once.  Checked after the block's own request.
add_response_body_check(sub {
    my ($block, $body, $req_idx, $repeat, $dry_run) = @_;
    return if $dry_run;
    my $name = $block->name;

    if (defined $block->burst_same) {
        my $n = $block->burst_same;
        my $b = qq({"event":"order.paid","event_id":"same-$::RUN"});
        my @res = burst([($b) x $n]);
        my @ok = grep { m{^HTTP/1\.\d 200 } } @res;
        is(scalar @ok, $n, "$name - all $n concurrent deliveries got 200");
        my @new = grep { /"status":"recorded"/ } @res;
        is(scalar @new, 1, "$name - exactly one was recorded");
        my %ids = map { /"id":(\d+)/ ? ($1 => 1) : () } @res;
        is(join(',', keys %ids),
           sql("SELECT id FROM orderhooks.webhook_events WHERE "
               . "event_id = 'same-$::RUN'"),
           "$name - every reply names the one row");
    }

    if (defined $block->burst_distinct) {
        my $n = $block->burst_distinct;
        my @b = map { qq({"event":"order.paid","event_id":"d$_-$::RUN"}) }
                1 .. $n;
        my @res = burst(\@b);
        is(scalar(grep { /"status":"recorded"/ } @res), $n,
           "$name - all $n distinct events recorded");
        my %ids = map { /"id":(\d+)/ ? ($1 => 1) : () } @res;
        is(scalar keys %ids, $n, "$name - each got its own row id");
        is(sql("SELECT count(*) FROM orderhooks.webhook_events WHERE "
               . "event_id LIKE 'd%-$::RUN'"), $n,
           "$name - $n rows committed");
    }
});

run_tests();

__DATA__

=== TEST 1: 40 copies of one event at once across two workers: one row
--- config
    location = /wh {
        orderhooks generic;
        orderhooks_secret s3cret;
    }
    location = /ping {
        return 204;
    }
--- request
GET /ping
--- error_code: 204
--- burst_same: 40
--- no_error_log
[error]



=== TEST 2: 60 distinct events at once: each recorded with its own answer
--- http_config
    orderhooks_db "$TEST_NGINX_PG_CONNINFO" pool=2 batch=16;
--- config
    location = /wh {
        orderhooks generic;
        orderhooks_secret s3cret;
    }
    location = /ping {
        return 204;
    }
--- request
GET /ping
--- error_code: 204
--- burst_distinct: 60
--- no_error_log
[error]
