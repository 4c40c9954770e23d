# scripts/sanitizer-reports: what fails the sanitizer run and what does
# not.  A file that only says LeakSanitizer's tracer crashed is a check
# that did not run (counted apart, fails only beyond TRACER_MAX), whether
# its lines start "==PID==" or "==program==PID==" (log_exe_name=1); the
# same crash next to a real error always counts.
use strict;
use warnings;
use FindBin;
use File::Temp qw(tempdir);
use Test::More;

my $repo = "$FindBin::Bin/../..";
my $tool = "$repo/scripts/sanitizer-reports";

# run(files) -> (exit code, output)
sub run {
    my (%files) = @_;
    my $dir = tempdir('oh-sr-XXXXXX', TMPDIR => 1, CLEANUP => 1);
    for my $f (keys %files) {
        open my $fh, '>', "$dir/$f" or die;
        print $fh $files{$f};
        close $fh;
    }
    my $out = `python3 $tool $dir 2>&1`;
    return ($? >> 8, $out);
}

my $tracer = "Tracer caught signal 11: addr=0x638 pc=0x7efcb64e80f0 sp=0x7efcb363dd10\n";
my $fatal = "LeakSanitizer has encountered a fatal error.\n";
my $hint = "HINT: LeakSanitizer does not work under ptrace (strace, gdb, etc)\n";

my ($rc, $out) = run('asan.nginx.13622' =>
    $tracer . "==nginx==13622==$fatal" . "==nginx==13622==$hint");
is $rc, 0, 'tracer crash, ==nginx==PID== prefix: not a finding';
like $out, qr/1 leak check\(s\) that could not run/, 'counted apart';

($rc, $out) = run('asan.worker.7' => $tracer . "==7==$fatal" . "==7==$hint");
is $rc, 0, 'tracer crash, ==PID== prefix: not a finding';

($rc, $out) = run(map { ("asan.nginx.$_" => $tracer . "==nginx==$_==$fatal") }
                  1 .. 3);
is $rc, 1, 'more than TRACER_MAX crashed tracers fail the run';

($rc, $out) = run('asan.nginx.9' => $tracer
    . "==nginx==9==ERROR: AddressSanitizer: heap-use-after-free on address 0x1\n");
is $rc, 1, 'a tracer crash next to a real error counts';
like $out, qr/1 report\(s\) counted/, 'as a report';

($rc, $out) = run('ubsan.orderhooks-worker.3' =>
    "worker/claim.c:10:5: runtime error: signed integer overflow\n");
is $rc, 1, 'a UBSan runtime error counts';

($rc, $out) = run('empty' => '');
is $rc, 0, 'no reports: passes';

done_testing;
