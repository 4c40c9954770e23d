# orderhooks' Test::Nginx helpers: provider signing, SQL checks, module defaults.
#
#   use Test::Nginx::Socket 'no_plan';
#   use OrderhooksTest;
#
# Works unchanged under openresty's Test::Nginx::Socket and under the
# compatible runner in t/compat.  See docs/testing.md.
package OrderhooksTest;

use strict;
use warnings;

use Digest::SHA qw(hmac_sha256 hmac_sha256_hex);
use File::Basename qw(dirname);
use File::Spec ();
use IPC::Open3 qw(open3);
use MIME::Base64 qw(encode_base64 decode_base64);
use Symbol qw(gensym);

require Test::Nginx::Socket;

our @EXPORT = qw(
    stripe_sig_header svix_headers standard_webhook_headers svix_signature
    hmac_hex hmac_b64 razorpay_sig generic_sig shopify_sig github_sig
    sql sql_quote pg_stop pg_start pg_running repo_dir
);

# Test::Base evaluates "--- xxx eval" sections inside Test::Base::Filter and
# the real Test::Nginx evaluates "--- init" inside Test::Nginx::Util, so the
# helpers are exported there too: eval/init code can call them unqualified
# under both runners.
my @TARGETS = qw(Test::Base::Filter Test::Nginx::Util);

sub import {
    my $caller = caller;
    for my $pkg ($caller, @TARGETS) {
        no strict 'refs';
        for my $sub (@EXPORT) {
            next if defined &{"${pkg}::$sub"};
            *{"${pkg}::$sub"} = \&{"OrderhooksTest::$sub"};
        }
    }
    return;
}

# ---- signing helpers: the request body must be the exact bytes sent ------
# (Test::Nginx strips leading/trailing whitespace of a --- request body, so
# sign bodies without it.)

sub hmac_hex {
    my ($secret, $data) = @_;
    return hmac_sha256_hex($data, $secret);
}

sub hmac_b64 {
    my ($secret, $data) = @_;
    return encode_base64(hmac_sha256($data, $secret), '');
}

# Stripe-Signature: "t=<ts>,v1=<hex HMAC of '<ts>.<body>'>"; the whsec_
# secret is used as is.
sub stripe_sig_header {
    my ($secret, $body, $ts) = @_;
    $ts //= time;
    return "t=$ts,v1=" . hmac_hex($secret, "$ts.$body");
}

# Svix / Standard Webhooks: key = base64 of the part after "whsec_",
# signature "v1,<base64 HMAC of '<id>.<ts>.<body>'>".
sub svix_signature {
    my ($secret, $id, $ts, $body) = @_;
    (my $b64 = $secret) =~ s/^whsec_//;
    return 'v1,' . hmac_b64(decode_base64($b64), "$id.$ts.$body");
}

# svix_headers($whsec, $id, $ts, $body): the three svix-* request header
# lines, ready for "--- more_headers eval".
sub svix_headers {
    my ($secret, $id, $ts, $body) = @_;
    $ts //= time;
    return "svix-id: $id\nsvix-timestamp: $ts\n"
         . 'svix-signature: ' . svix_signature($secret, $id, $ts, $body)
         . "\n";
}

# The same scheme under the Standard Webhooks header names (webhook-*).
sub standard_webhook_headers {
    my ($secret, $id, $ts, $body) = @_;
    $ts //= time;
    return "webhook-id: $id\nwebhook-timestamp: $ts\n"
         . 'webhook-signature: ' . svix_signature($secret, $id, $ts, $body)
         . "\n";
}

sub razorpay_sig { my ($s, $b) = @_; return hmac_hex($s, $b) }
sub generic_sig  { my ($s, $b) = @_; return hmac_hex($s, $b) }
sub shopify_sig  { my ($s, $b) = @_; return hmac_b64($s, $b) }
sub github_sig   { my ($s, $b) = @_; return 'sha256=' . hmac_hex($s, $b) }

# ---- the test database ---------------------------------------------------

sub repo_dir {
    return $ENV{TEST_NGINX_REPO}
        // File::Spec->rel2abs(dirname(__FILE__) . '/../..');
}

sub _pg_env {
    my @missing = grep { !defined $ENV{$_} }
                  qw(TEST_NGINX_PG_HOST TEST_NGINX_PG_PORT TEST_NGINX_PG_DB
                     TEST_NGINX_PG_USER);
    die "OrderhooksTest: @missing not set (run the suites through "
        . "scripts/run-t-suites)\n" if @missing;
    return ('-h', $ENV{TEST_NGINX_PG_HOST}, '-p', $ENV{TEST_NGINX_PG_PORT},
            '-d', $ENV{TEST_NGINX_PG_DB}, '-U', $ENV{TEST_NGINX_PG_USER});
}

# sql($query, @params): run $query with psql against the test database and
# return its unaligned, tuples-only output, trimmed.  Parameters are psql
# variables p1, p2, ... and are referenced as :'p1' (a quoted literal) in
# the query, so values are never spliced into SQL text.  Dies on error.
sub sql {
    my ($query, @params) = @_;
    my @vars = map { ('-v', "p$_=$params[$_ - 1]") } 1 .. @params;
    my @cmd = ('psql', '-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1',
               _pg_env(), @vars);

    my $err = gensym;
    my $pid = open3(my $in, my $out, $err, @cmd);
    print $in $query, "\n";
    close $in;
    my $got = do { local $/; <$out> } // '';
    my $msg = do { local $/; <$err> } // '';
    waitpid $pid, 0;
    die "sql failed: $msg" if $? != 0;
    $got =~ s/^\s+|\s+$//g;
    return $got;
}

# sql_quote($s): $s as a SQL string literal, for the rare query that must be
# assembled in Perl (prefer sql()'s parameters).
sub sql_quote {
    my ($s) = @_;
    $s =~ s/'/''/g;
    return "'$s'";
}

sub _pg_cluster {
    my ($cmd) = @_;
    my @missing = grep { !defined $ENV{$_} }
                  qw(TEST_NGINX_PG_DATA TEST_NGINX_PG_PORT);
    die "OrderhooksTest: @missing not set\n" if @missing;
    return system(repo_dir() . '/scripts/pg-cluster', $cmd,
                  $ENV{TEST_NGINX_PG_DATA}, $ENV{TEST_NGINX_PG_PORT});
}

# pg_stop() / pg_start(): take the test cluster down and bring it back, to
# test database loss and recovery.  Both die on failure.
sub pg_stop {
    _pg_cluster('stop') == 0 or die "pg-cluster stop failed\n";
    return 1;
}

sub pg_start {
    _pg_cluster('start') == 0 or die "pg-cluster start failed\n";
    return 1;
}

sub pg_running {
    return _pg_cluster('status') == 0;
}

# ---- block defaults ------------------------------------------------------
#
# Every block loads the module and points it at the test database unless it
# says otherwise:
#   --- no_module   neither load_module nor orderhooks_db (stock nginx)
#   --- no_db       load_module only
# A block's own load_module / orderhooks_db lines are left alone.

sub _preprocess {
    my ($block) = @_;
    return if defined $block->no_module;

    my $main = $block->main_config // '';
    if ($main !~ /\bload_module\b/) {
        $block->set_value('main_config',
                          "load_module \$TEST_NGINX_MODULE;\n$main");
    }

    return if defined $block->no_db;
    my $http = $block->http_config // '';
    if ($http !~ /\borderhooks_db\b/) {
        $block->set_value('http_config',
                          "    orderhooks_db \"\$TEST_NGINX_PG_CONNINFO\";\n"
                          . $http);
    }
    return;
}

# --- sql / --- sql_result / --- sql_result_like: after the block's last
# response, run the query and compare its output (trimmed) exactly, or
# match it against a regex.
sub _check_sql {
    my ($block, $body, $req_idx, $repeat, $dry_run) = @_;
    return if !defined $block->sql || $dry_run;

    my $reqs = $block->pipelined_requests // $block->request;
    my $count = ref $reqs eq 'ARRAY' ? scalar @$reqs : 1;
    return if $req_idx != $count - 1;

    my $name = $block->name;
    my $got = eval { sql(scalar $block->sql) };
    if (!defined $got) {
        Test::More::fail("$name - sql query ran (req $repeat)");
        Test::More::diag($@);
        return;
    }

    if (defined $block->sql_result) {
        my $want = $block->sql_result;
        $want =~ s/^\s+|\s+$//g if !ref $want;
        if (ref $want eq 'Regexp') {
            Test::More::like($got, $want, "$name - sql_result (req $repeat)");
        } else {
            Test::More::is($got, $want, "$name - sql_result (req $repeat)");
        }
    }
    if (defined $block->sql_result_like) {
        my $pat = $block->sql_result_like;
        $pat =~ s/^\s+|\s+$//g if !ref $pat;
        Test::More::like($got, ref $pat ? $pat : qr/$pat/s,
                         "$name - sql_result_like (req $repeat)");
    }
    return;
}

# Bypass the prototypes: these exist in both runners' Test::Nginx::Socket.
&Test::Nginx::Socket::add_block_preprocessor(\&_preprocess);
&Test::Nginx::Socket::add_response_body_check(\&_check_sql);

1;
