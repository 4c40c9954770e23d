# Test::Nginx::Socket-compatible runner: the block loop and the public API.
#
# This is orderhooks' own small implementation of the documented interface
# of openresty's Test::Nginx::Socket, used when the real one is not
# installed (see docs/testing.md).  Blocks are parsed and filtered by
# Test::Base exactly as in the real framework; nginx.conf, defaults and the
# checks follow the real runner's documented behaviour.
package Test::Nginx::Socket;

use strict;
use warnings;

use Test::Base -base;

use List::Util qw(shuffle);
use Time::HiRes qw(sleep);

use Test::Nginx::Compat::Server ();
use Test::Nginx::Compat::Request ();
use Test::Nginx::Compat::Check ();

our $VERSION = '0.01';

our @EXPORT = qw(
    env_to_nginx is_str plan run_tests run_test repeat_each config_preamble
    worker_connections master_process_enabled no_long_string workers
    master_on master_off log_level no_shuffle no_root_location use_hup
    server_name server_addr server_root html_dir server_port
    server_port_for_client timeout no_nginx_manager check_accum_error_log
    add_block_preprocessor bail_out add_cleanup_handler
    add_response_body_check
);

Test::Nginx::Compat::Server::init_settings();
*Cfg = \%Test::Nginx::Compat::Server::Cfg;
our %Cfg;

our (@BlockPreprocessors, @ResponseBodyChecks, @CleanupHandlers);
our $InSubprocess;
my $Started = 0;
my $Master = $$;

# ---- settings, called before run_tests() -------------------------------

sub _setting {
    my ($key, @val) = @_;
    $Cfg{$key} = $val[0] if @val;
    return $Cfg{$key};
}

sub repeat_each            { _setting('repeat_each', @_) }
sub workers                { _setting('workers', @_) }
sub worker_connections     { _setting('worker_connections', @_) }
sub log_level              { _setting('log_level', @_) }
sub timeout                { _setting('timeout', @_) }
sub server_addr            { _setting('server_addr', @_) }
sub server_name            { _setting('server_name', @_) }
sub server_port            { _setting('port', @_) }
sub server_port_for_client { _setting('client_port', @_) }
sub config_preamble        { _setting('config_preamble', @_) }
sub master_on ()           { $Cfg{master} = 'on' }
sub master_off ()          { $Cfg{master} = 'off' }
sub no_shuffle ()          { $Cfg{no_shuffle} = 1 }
sub no_long_string ()      { $Cfg{no_long_string} = 1 }
sub no_root_location ()    { $Cfg{no_root_location} = 1 }
sub check_accum_error_log () { $Cfg{accum_error_log} = 1 }
sub server_root ()         { $Cfg{servroot} }
sub html_dir ()            { "$Cfg{servroot}/html" }

sub master_process_enabled {
    $Cfg{master} = $_[0] ? 'on' : 'off' if @_;
    return $Cfg{master};
}

# HUP reloading and "no nginx manager" modes are not provided: accepted so
# suites written for them still load, and nginx is restarted per block.
sub use_hup ()          { return }
sub no_nginx_manager () { return }

sub env_to_nginx {
    Carp::croak('env_to_nginx: no arguments specified') if !@_;
    for my $v (@_) {
        Carp::croak("env_to_nginx: bad argument value: $v\n")
            if $v !~ /^[A-Za-z_]/ || $v =~ /\n/;
        push @{ $Cfg{env_to_nginx} }, $v;
    }
    return;
}

sub add_block_preprocessor (&) { unshift @BlockPreprocessors, shift }
sub add_response_body_check ($) { push @ResponseBodyChecks, shift }
sub add_cleanup_handler ($)     { unshift @CleanupHandlers, shift }

sub is_str { goto &Test::Nginx::Compat::Check::is_str }

sub bail_out {
    cleanup();
    Test::More::BAIL_OUT(join '', @_);
}

sub parse_time {
    my ($t) = @_;
    return undef if !defined $t;
    $t =~ s/^\s+|\s+$//g;
    return $1 / 1000 if $t =~ /^([\d.]+)ms$/;
    return $1 if $t =~ /^([\d.]+)s?$/;
    return $t;
}

# ---- the block loop -----------------------------------------------------

sub run_tests () {
    $ENV{TEST_NGINX_SERVER_PORT} //= $Cfg{port};
    if (!defined Test::Nginx::Compat::Server::nginx_version()) {
        bail_out("Failed to run \"$Cfg{binary} -V\"; set TEST_NGINX_BINARY");
    }

    my @blocks = Test::Base::blocks();
    @blocks = shuffle @blocks if !$Cfg{no_shuffle};
    for my $block (@blocks) {
        $_->($block) for @BlockPreprocessors;
        $block->set_value('name', "$0 " . $block->name);
        run_test($block);
    }
    cleanup();
    return;
}

sub run_test {
    my ($block) = @_;
    return if defined $block->SKIP;

    my $name = $block->name;
    my $rand_ports = {};
    # Section accessors return () in list context when a section is absent.
    my $config = Test::Nginx::Compat::Server::expand_env(
        scalar $block->config, $name, $rand_ports);

    my $skip = skip_count($block);
    if (defined $skip) {
        SKIP: { Test::More::skip("$name - skip_eval", $skip) }
        return;
    }

    if (!defined $config) {
        # Like the real runner: a block without --- config reuses the
        # running nginx of the previous block.
        bail_out("$name - No '--- config' section specified and could not "
                 . "get previous one.") if !defined $Cfg{prev_config};
        Test::Nginx::Compat::Server::mark_error_log();

    } else {
        $Cfg{prev_config} = $config;
        Test::Nginx::Compat::Server::stop_nginx();
        Test::Nginx::Compat::Server::setup_server_root();
        Test::Nginx::Compat::Server::write_user_files($block, $rand_ports);
        Test::Nginx::Compat::Server::write_config($block, $config,
                                                  $rand_ports);
        if (defined $block->must_die) {
            return run_must_die($block);
        }
        return if !start_or_fail($block);
    }

    if (defined $block->init) {
        my $code = $block->init;
        # The real runner evaluates --- init inside Test::Nginx::Util.
        eval "package Test::Nginx::Util; no strict; $code; 1"
            or bail_out("$name - init failed: $@");
    }

    $Cfg{err_log_pos} = 0 if defined $config;
    for my $i (0 .. $Cfg{repeat_each} - 1) {
        if ($i > 0) {
            Test::Nginx::Compat::Server::write_user_files($block,
                                                          $rand_ports);
        }
        run_block_requests($block, $i);
    }
    return;
}

sub skip_count {
    my ($block) = @_;
    my $spec = $block->skip_eval;
    return undef if !defined $spec;
    if ($spec !~ /^\s*(\d+)\s*:\s*(.*)/s) {
        bail_out($block->name . " - invalid --- skip_eval: $spec");
    }
    my ($n, $code) = ($1, $2);
    my $skip = eval "package Test::Nginx::Util; $code";
    bail_out($block->name . " - skip_eval failed: $@") if $@;
    return $skip ? $n : undef;
}

sub start_or_fail {
    my ($block) = @_;
    my $name = $block->name;
    my ($status, $cmd);
    # A port still held by the previous nginx frees up within a moment;
    # any other start failure is final.
    for my $try (1 .. 10) {
        ($status, $cmd) = Test::Nginx::Compat::Server::start_nginx();
        last if $status == 0 || !port_busy();
        sleep 0.1 * $try;
    }
    if ($status != 0) {
        Test::More::fail("$name - nginx failed to start: \"$cmd\" "
                         . "(status $status)");
        Test::More::diag(Test::Nginx::Compat::Check::tail_diag(
            Test::Nginx::Compat::Server::error_log_lines()));
        return 0;
    }
    $Started = 1;
    sleep $Cfg{sleep};
    return 1;
}

sub port_busy {
    my $log = Test::Nginx::Compat::Server::path('errlog');
    open my $in, '<', $log or return 0;
    my $busy = grep { /Address already in use/ } <$in>;
    close $in;
    return $busy;
}

# --- must_die: nginx must refuse to start (optionally with an exit code).
sub run_must_die {
    my ($block) = @_;
    my $name = $block->name;
    my $want = $block->must_die;
    for my $i (0 .. $Cfg{repeat_each} - 1) {
        $Cfg{err_log_pos} = 0;
        my ($status) = Test::Nginx::Compat::Server::start_nginx();
        if ($status == -1) {
            Test::More::fail("$name - failed to execute the nginx command");
        } elsif ($want =~ /^\s*(\d+)\s*$/) {
            Test::More::is($status >> 8, $1,
                           "$name - die with the expected exit code");
        } else {
            Test::More::isnt($status, 0, "$name - die as expected");
        }
        Test::Nginx::Compat::Check::check_error_log($block, $i);
        if ($status == 0) {
            warn "WARNING: $name - nginx must die but it does not; "
                 . "killing it\n";
            sleep $Cfg{sleep} * 3;
            Test::Nginx::Compat::Server::stop_nginx();
        }
    }
    return;
}

sub run_block_requests {
    my ($block, $repeat) = @_;
    my $name = $block->name;
    my $reqs = Test::Nginx::Compat::Request::requests_from_block($block);
    bail_out("$name - request empty") if !@$reqs;

    my $timeout = parse_time(scalar $block->timeout) // $Cfg{timeout};
    my $pipelined = $block->pipelined_requests;
    my $need_array = $pipelined ? 1 : @$reqs > 1;
    my $wait = parse_time(scalar $block->wait);

    my $idx = 0;
    for my $r (0 .. $#$reqs) {
        my ($raw, $err) = Test::Nginx::Compat::Request::send_request(
            $reqs->[$r], $block, $timeout);
        report_send_error($block, $err) if defined $err;

        my $n = $pipelined ? scalar @$pipelined : 1;
        for (1 .. $n) {
            my $is_head = !$pipelined
                && join('', map { $_->{value} } @{ $reqs->[$r] })
                   =~ /^\s*HEAD\s+/;
            my $left = check_response($block, $raw // '', $is_head, $idx,
                                      $repeat, $need_array);
            $raw = $left // '';
            my $last = $r == $#$reqs && $_ == $n;
            if (!$last) {
                sleep $wait if $wait;
                Test::Nginx::Compat::Check::check_error_log($block, $repeat);
            }
            $idx++;
        }
    }

    sleep $wait if $wait;
    Test::Nginx::Compat::Check::check_error_log($block, $repeat);
    return;
}

sub report_send_error {
    my ($block, $err) = @_;
    return if $err eq 'timeout' && defined $block->abort;
    my $name = $block->name;
    if ($err eq 'timeout') {
        Test::More::fail("ERROR: client socket timed out - $name");
    } else {
        Test::More::fail("$name - $err");
    }
    return;
}

# check_response(...): runs every response check; returns the bytes left
# over after this response (pipelined requests).
sub check_response {
    my ($block, $raw, $is_head, $idx, $repeat, $need_array) = @_;
    return undef if defined $block->ignore_response;

    my $name = $block->name;
    my ($res, $raw_headers, $left, $perr) =
        Test::Nginx::Compat::Request::parse_response($name, $raw, $is_head);
    Test::More::fail($perr) if defined $perr;

    if (!$need_array && defined $left && length $left) {
        (my $show = $left) =~ s/([\0-\037\200-\377])/sprintf('\x{%02x}',ord $1)/eg;
        warn "WARNING: $name - unexpected extra bytes after last chunk in "
             . "response: \"$show\"\n";
    }

    Test::Nginx::Compat::Check::check_status($block, $res, $idx, $need_array);
    Test::Nginx::Compat::Check::check_headers($block, $res, $raw_headers,
                                              $idx, $need_array);
    Test::Nginx::Compat::Check::check_body($block, $res, $idx, $repeat,
                                           $need_array);
    for my $check (@ResponseBodyChecks) {
        $check->($block, $res ? $res->content : undef, $idx, $repeat, 0);
    }
    return $left;
}

sub cleanup {
    return if $$ != $Master || $InSubprocess;
    $_->() for @CleanupHandlers;
    @CleanupHandlers = ();
    return;
}

END {
    if ($$ == $Master && !$InSubprocess) {
        local $?;
        cleanup();
        Test::Nginx::Compat::Server::stop_nginx()
            if $Started && !$ENV{TEST_NGINX_NO_CLEAN};
    }
}

1;
