# The worker's one settings table (--list-config) against docs/worker.md
# and packaging/orderhooks-worker.conf; --help lists every option.
use strict;
use warnings;
use FindBin;
use lib "$FindBin::Bin/lib";
use Test::More;
use WorkerTest;

my $repo = "$FindBin::Bin/../..";
my $bin = worker_bin();
my @table = map { [split /\t/] } grep { length } split /\n/,
    scalar `$bin --list-config`;
ok @table >= 5, 'settings listed';

open my $fh, '<', "$repo/docs/worker.md" or die;
my $doc = do { local $/; <$fh> };
open $fh, '<', "$repo/packaging/orderhooks-worker.conf" or die;
my $conf = do { local $/; <$fh> };
my %doc_rows = map { $_->[0] => $_ } map { [(split /\s*\|\s*/, $_, -1)[1 .. 4]] }
    grep { /^\| `[a-z_]+` \| [a-z]+ \|/ } split /\n/, $doc;

for my $row (@table) {
    my ($name, $type, $def, $reload) = @$row;
    my $d = $doc_rows{"`$name`"} // [$name];
    is_deeply [@$d[0 .. 3]], ["`$name`", $type, "`$def`", $reload],
        "docs: $name row matches";
    like $conf, qr/^\Q$name\E =/m, "sample config sets $name";
}
is scalar(keys %doc_rows), scalar(@table), 'docs list no extra settings';
my @conf_names = $conf =~ /^([a-z_]+) =/mg;
is scalar(@conf_names), scalar(@table), 'sample lists no extra settings';

is system("$bin -c $repo/packaging/orderhooks-worker.conf --check-config >/dev/null"),
    0, 'sample config is valid';
my $bad = "/tmp/oh-worker-bad-$$.conf";
open $fh, '>', $bad or die;
print $fh "batch_size = 0\n";
close $fh;
isnt system("$bin -c $bad --check-config 2>/dev/null"), 0,
    'out-of-range value refused';
unlink $bad;

my $help = `$bin --help`;
like $help, qr/--\Q$_\E/, "--help lists --$_"
    for qw(config db once set check-config list-config help);
like $doc, qr/`--\Q$_\E/, "docs list --$_"
    for qw(db once set check-config list-config);

done_testing;
