# The README's first command: scripts/stack up brings the whole stack up, the
# sample command it prints records a webhook, and the worker pays the order.
use strict;
use warnings;
use Test::More;
use File::Temp qw(tempdir);
use Time::HiRes qw(sleep);

my $repo = $ENV{TEST_NGINX_REPO} // die "run through scripts/run-t-suites\n";
my $dir = "$repo/var/test-stack";
my %env = (OH_STACK_DIR => $dir, OH_STACK_PORT => 18088,
           OH_STACK_PG_PORT => 25438, OH_STACK_SMTP_PORT => 2531,
           OH_STACK_MAIL_DIR => "$dir/mail");
local @ENV{keys %env} = values %env;
my $admin = "$repo/build/bin/orderhooks-admin";
my $db = "host=$dir/pg/sock port=25438 dbname=orderhooks user=postgres";

system("rm -rf '$dir'");
END { system("$repo/scripts/stack down >/dev/null 2>&1"); }

my $out = `$repo/scripts/stack up 2>&1`;
is($?, 0, 'scripts/stack up succeeds') or diag($out);
like($out, qr/nginx on 127\.0\.0\.1:18088/, 'it says where nginx listens');

my ($cmd) = $out =~ /^(  curl -sS .*?--data-binary '[^']*')$/ms;
ok($cmd, 'it prints a ready-to-paste curl command') or diag($out);
$cmd =~ s/\\\n//g;
my $reply = `$cmd`;
like($reply, qr/^\{"status":"recorded","id":\d+\}$/, 'the sample is recorded')
    or diag($reply);

my $status = '';
for (1 .. 50) {
    $status = `$admin --db '$db' order show DEMO-1001 --json`;
    last if $status =~ /"status"\s*:\s*"paid"/;
    sleep 0.2;
}
like($status, qr/"status"\s*:\s*"paid"/, 'the worker applied it: DEMO-1001 is paid');

# the order confirmation reaches the stack's mail sink
my $mail = '';
for (1 .. 75) {
    $mail = `cat '$dir'/mail/* 2>/dev/null`;
    last if $mail =~ /DEMO-1001/;
    sleep 0.2;
}
like($mail, qr/^To:.*customer\@example\.com/mi, 'a confirmation email was delivered to the customer');
like($mail, qr/DEMO-1001/, 'it names the order');

like(`$repo/scripts/stack status 2>&1`, qr/worker: running/, 'status reports the worker');
my $down = `$repo/scripts/stack down 2>&1`;
like($down, qr/nginx stopped/, 'scripts/stack down stops nginx');
unlike(`$repo/scripts/stack status 2>&1`, qr/: running/, 'nothing is left running');

done_testing();
