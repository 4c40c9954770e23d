# The nginx under test: server root, generated nginx.conf, start/stop, error log.
package Test::Nginx::Compat::Server;

use strict;
use warnings;

use File::Path qw(make_path remove_tree);
use File::Spec ();
use IO::Socket::INET ();
use POSIX qw(SIGQUIT SIGTERM SIGKILL WNOHANG);
use Time::HiRes qw(sleep);

# Settings shared by the runner; the public setters in Test::Nginx::Socket
# change them before run_tests().  Defaults and environment variables are
# the ones documented for openresty's Test::Nginx.
our %Cfg;

sub init_settings {
    my $servroot = $ENV{TEST_NGINX_SERVROOT}
                   || File::Spec->rel2abs('t/servroot');
    my $port = $ENV{TEST_NGINX_SERVER_PORT} || $ENV{TEST_NGINX_PORT} || 1984;

    %Cfg = (
        binary            => $ENV{TEST_NGINX_BINARY} || 'nginx',
        workers           => 1,
        worker_connections => 64,
        log_level         => $ENV{TEST_NGINX_LOG_LEVEL} || 'debug',
        master            => $ENV{TEST_NGINX_MASTER_PROCESS} || 'off',
        daemon            => 'on',
        port              => $port,
        client_port       => $ENV{TEST_NGINX_CLIENT_PORT} || $port,
        server_addr       => '127.0.0.1',
        server_name       => 'localhost',
        timeout           => $ENV{TEST_NGINX_TIMEOUT} || 3,
        sleep             => $ENV{TEST_NGINX_SLEEP} || 0.015,
        no_shuffle        => $ENV{TEST_NGINX_NO_SHUFFLE} || 0,
        repeat_each       => 1,
        no_root_location  => 0,
        no_long_string    => 0,
        accum_error_log   => $ENV{TEST_NGINX_CHECK_ACCUM_ERR_LOG} || 0,
        load_modules      => $ENV{TEST_NGINX_LOAD_MODULES},
        config_preamble   => '',
        env_to_nginx      => [],
        servroot          => $servroot,
        verbose           => $ENV{TEST_NGINX_VERBOSE},
        err_log_pos       => 0,
        prev_config       => undef,
    );

    $ENV{TEST_NGINX_SERVER_ROOT} = $servroot;
    return;
}

sub path {
    my ($what) = @_;
    my $root = $Cfg{servroot};
    my %p = (
        logs   => "$root/logs",
        html   => "$root/html",
        conf   => "$root/conf",
        errlog => "$root/logs/error.log",
        acclog => "$root/logs/access.log",
        pid    => "$root/logs/nginx.pid",
        file   => "$root/conf/nginx.conf",
    );
    return $p{$what} // die "unknown path $what";
}

# expand_env($text, $name, $rand_ports): replace $TEST_NGINX_* with the
# environment's value; an unset variable aborts the run like the real runner.
sub expand_env {
    my ($text, $name, $rand_ports) = @_;
    return undef if !defined $text;

    $text =~ s{\$(TEST_NGINX_[_A-Z0-9]+)}{
        my $var = $1;
        my $val;
        if ($var =~ /^TEST_NGINX_RAND_PORT_\d+$/) {
            $val = $rand_ports->{$var} //= free_port($rand_ports);
        } elsif (defined $ENV{$var}) {
            $val = $ENV{$var};
        } else {
            Test::Nginx::Socket::bail_out(
                "$name - No environment $var defined.\n");
        }
        $val;
    }eg;

    return $text;
}

sub free_port {
    my ($taken) = @_;
    my %used = map { $_ => 1 } $Cfg{port}, values %$taken;
    for (1 .. 1000) {
        my $port = 1985 + int(rand 63550);
        next if $used{$port};
        my $sock = IO::Socket::INET->new(LocalAddr => $Cfg{server_addr},
                                         LocalPort => $port,
                                         Proto => 'tcp');
        if ($sock) {
            close $sock;
            return $port;
        }
    }
    Test::Nginx::Socket::bail_out("Cannot find a free port");
}

sub setup_server_root {
    my $root = $Cfg{servroot};
    if (-d $root) {
        # Only what this runner creates is removed, so a mistaken
        # TEST_NGINX_SERVROOT never loses user data.
        remove_tree(path('conf'), path('html'), path('logs'),
                    glob("$root/*_temp"), glob("$root/*_cache"));
    }
    make_path(path('logs'), path('html'), path('conf'));

    write_file(path('html') . '/index.html',
               '<html><head><title>It works!</title></head>'
               . '<body>It works!</body></html>');
    $Cfg{err_log_pos} = 0;
    return;
}

sub write_file {
    my ($file, $data) = @_;
    open my $out, '>', $file
        or Test::Nginx::Socket::bail_out("Can't open $file for writing: $!");
    binmode $out;
    print $out $data;
    close $out;
    return;
}

# --- user_files: ">>> name [touch-date]" headers followed by file contents,
# relative names land in the html directory.
sub write_user_files {
    my ($block, $rand_ports) = @_;
    my $files = $block->user_files;
    return if !$files;

    my $list = $files;
    if (!ref $files) {
        $list = [];
        my $cur;
        for my $line (split /^/, $files) {
            if ($line =~ />>> (\S+)(?:\s+(.+))?/) {
                $cur = [$1, '', $2];
                push @$list, $cur;
            } elsif ($cur) {
                $cur->[1] .= $line;
            }
        }
    }

    for my $f (@$list) {
        my ($fname, $body, $date) = @$f;
        my $file = $fname =~ m{^/} ? $fname : path('html') . "/$fname";
        (my $dir = $file) =~ s{/[^/]*$}{};
        make_path($dir) if !-d $dir;
        write_file($file, expand_env($body // '', $block->name, $rand_ports));
        if ($date) {
            system('touch', '-t', $date, $file) == 0
                or Test::Nginx::Socket::bail_out("touch $file failed");
        }
    }
    return;
}

sub write_config {
    my ($block, $config, $rand_ports) = @_;
    my $name = $block->name;

    my $main = expand_env($block->main_config // '', $name, $rand_ports);
    my $http = expand_env($block->http_config // '', $name, $rand_ports);
    my $post = expand_env($block->post_main_config // '', $name,
                          $rand_ports);
    my $server_name = $block->server_name // $Cfg{server_name};
    my $log_level = $block->log_level || $Cfg{log_level};

    if ($Cfg{load_modules}) {
        $main .= join ' ', map { "load_module $_;" }
                           grep { length } split /\s+/, $Cfg{load_modules};
    }

    (my $quoted_name = $server_name) =~ s/(['\\])/\\$1/g;

    my $env = '';
    for my $var (qw(MOCKEAGAIN_VERBOSE MOCKEAGAIN
                    MOCKEAGAIN_WRITE_TIMEOUT_PATTERN LD_PRELOAD
                    LD_LIBRARY_PATH DYLD_INSERT_LIBRARIES
                    DYLD_FORCE_FLAT_NAMESPACE))
    {
        $env .= "env $var;\n";
    }
    for my $var (@{ $Cfg{env_to_nginx} }) {
        $env .= $var =~ /\s/ ? "env '$var';\n" : "env $var;\n";
    }

    my $root_location = $Cfg{no_root_location} ? '' : <<"EOC";
        location / {
            root $Cfg{servroot}/html;
            index index.html index.htm;
        }
EOC

    my $user = $> == 0 ? "user root;\n" : '';
    my $errlog = path('errlog');
    my $acclog = path('acclog');
    my $pid = path('pid');

    write_file(path('file'), <<"EOC");
worker_processes  $Cfg{workers};
daemon $Cfg{daemon};
master_process $Cfg{master};
error_log $errlog $log_level;
pid       $pid;
$env
$main

http {
    access_log $acclog;

    default_type text/plain;
    keepalive_timeout  68;

$http

    server {
        listen          $Cfg{port};
        server_name     '$quoted_name';

        client_max_body_size 30M;

        # Begin preamble config...
$Cfg{config_preamble}
        # End preamble config...

        # Begin test case config...
$config
        # End test case config.

$root_location    }
}

$post

events {
    accept_mutex off;

    worker_connections  $Cfg{worker_connections};
}
env ASAN_OPTIONS;
env MOCKNOEAGAIN_VERBOSE;
env MOCKNOEAGAIN;
$user
EOC
    return;
}

sub nginx_pid {
    my $file = path('pid');
    open my $in, '<', $file or return undef;
    my $pid = do { local $/; <$in> };
    close $in;
    return undef if !defined $pid;
    $pid =~ s/\s+//g;
    return $pid =~ /^\d+$/ ? $pid : undef;
}

# is_running($pid): alive and not a zombie waiting for init to reap it.
sub is_running {
    my ($pid) = @_;
    return 0 if !defined $pid || !kill(0, $pid);
    if (open my $st, '<', "/proc/$pid/stat") {
        my $line = <$st> // '';
        close $st;
        return 0 if $line =~ /^\d+ \(.*\) Z/s;
    }
    return 1;
}

# stop_nginx(): graceful QUIT, then TERM, then KILL; returns once it is gone.
sub stop_nginx {
    my $pid = nginx_pid();
    if (!is_running($pid)) {
        unlink path('pid');
        return;
    }

    kill SIGQUIT, $pid;
    my $left = $Cfg{timeout};
    while ($left > 0 && is_running($pid)) {
        waitpid($pid, WNOHANG);
        sleep 0.02;
        $left -= 0.02;
    }

    for my $sig (SIGTERM, SIGKILL) {
        last if !is_running($pid);
        warn "WARNING: nginx $pid did not quit in time, sending signal $sig\n";
        kill $sig, $pid;
        sleep 0.2;
    }
    unlink path('pid') if !is_running($pid);
    return;
}

# start_nginx(): returns the command's wait status (0 = started).
sub start_nginx {
    my $cmd = "$Cfg{binary} -p $Cfg{servroot}/ -c " . path('file')
              . " > /dev/null";
    warn "starting: $cmd\n" if $Cfg{verbose};
    system($cmd);
    return ($?, $cmd);
}

# nginx_version(): canonical "1.022001" form, or undef.
sub nginx_version {
    my $out = `$Cfg{binary} -V 2>&1`;
    return undef if !defined $out || $out !~ m{nginx[^/]*/(\d+)\.(\d+)\.(\d+)};
    return sprintf '%d.%03d%03d', $1, $2, $3;
}

# error_log_lines(): the error.log lines written since the last call for the
# current block (all of the block's lines with check_accum_error_log()).
sub error_log_lines {
    # Lines from the log phase are written after the response was sent.
    sleep $Cfg{sleep} * 3;

    open my $in, '<', path('errlog') or return [];
    seek $in, $Cfg{err_log_pos}, 0
        if !$Cfg{accum_error_log} && $Cfg{err_log_pos} > 0;
    my @lines = <$in>;
    $Cfg{err_log_pos} = tell $in if !$Cfg{accum_error_log};
    close $in;
    return \@lines;
}

# mark_error_log(): start the block's view of error.log at its current end.
sub mark_error_log {
    $Cfg{err_log_pos} = -s path('errlog') || 0;
    return;
}

1;
