# Unit tests of the module's pure core (t/unit/unit.c, built as
# build/t-unit by make): the boundaries a suite cannot hold exactly (exp
# equal to the current second), the claim encoding, log escaping and the
# checks of degenerate keys.  build/t-unit prints TAP itself.

use strict;
use warnings;
use File::Basename qw(dirname);
use Cwd qw(abs_path);

my $bin = abs_path(dirname(__FILE__) . '/..') . '/build/t-unit';

if (!-x $bin) {
    print "1..0 # SKIP $bin is not built (make build/t-unit)\n";
    exit 0;
}

exec $bin or die "cannot run $bin: $!\n";
