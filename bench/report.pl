#!/usr/bin/perl
#
# bench/report.pl - the arithmetic and the Markdown of bench/run.sh
#
#   perl bench/report.pl parse WRK_OUTPUT
#       one wrk --latency output -> "rps<TAB>p50_us<TAB>p99_us<TAB>bad"
#       (bad = non-2xx/3xx answers + socket errors)
#   perl bench/report.pl wrk FACTS RESULTS SPEED
#       the report of the wrk mode (Markdown on stdout)
#   perl bench/report.pl callgrind FACTS RESULTS
#       the callgrind section
#   perl bench/report.pl cgtop WARM.txt RUN.txt N [TOP]
#       from two callgrind_annotate outputs: Ir per request by function
#       (self cost, (run - warm) / N), the TOP (20) largest
#
# FACTS: "key<TAB>value" lines written by run.sh, among them one
# "config<TAB>id<TAB>kind<TAB>alg<TAB>label" per configuration, in order;
# kind is base, info (no target), cached, uncached, default (no cache
# directive in the build: judged like uncached), or introspect.
# RESULTS (wrk): "round<TAB>id<TAB>rps<TAB>p50_us<TAB>p99_us<TAB>bad".
# RESULTS (callgrind): "id<TAB>warm<TAB>n<TAB>Ir(warm)<TAB>Ir(warm+n)".
# SPEED: openssl speed -mr output (rsa2048 ecdsap256 ed25519, -hmac sha256).
#
# Targets: cached (any alg) >= 0.90 x baseline; uncached >= 0.85 x limit,
# limit = 1 / (1/baseline_rps + t_verify); introspection warm >= 0.85 x
# baseline; RSS growth <= 1 MB.

use strict;
use warnings;

my %TARGET = (cached => 0.90, uncached => 0.85, introspect => 0.85,
              rss_kb => 1024);

my $cmd = shift // '';

if    ($cmd eq 'parse')     { parse_wrk(@ARGV) }
elsif ($cmd eq 'wrk')       { report_wrk(@ARGV) }
elsif ($cmd eq 'callgrind') { report_callgrind(@ARGV) }
elsif ($cmd eq 'cgtop')     { print cgtop(@ARGV) }
else  { die "usage: $0 parse FILE | wrk FACTS RESULTS SPEED"
            . " | callgrind FACTS RESULTS\n" }
exit 0;


# --- helpers ---------------------------------------------------------------

sub slurp_lines {
    my ($f) = @_;
    open my $fh, '<', $f or die "$f: $!\n";
    chomp(my @l = <$fh>);
    return @l;
}

sub median {
    my @v = sort { $a <=> $b } grep { defined } @_;
    return undef unless @v;
    my $m = int(@v / 2);
    return @v % 2 ? $v[$m] : ($v[$m - 1] + $v[$m]) / 2;
}

sub thousands {
    my ($n) = @_;
    my $s = sprintf '%.0f', $n;
    1 while $s =~ s/^(-?\d+)(\d{3})/$1,$2/;
    return $s;
}

sub us {
    my ($v) = @_;
    return 'n/a' unless defined $v;
    return sprintf('%.0f us', $v) if $v < 1000;
    return sprintf('%.2f ms', $v / 1000);
}

sub ratio { defined $_[0] ? sprintf('%.3f', $_[0]) : 'n/a' }

sub read_facts {
    my ($f) = @_;
    my (%f, @configs);
    for (slurp_lines($f)) {
        my ($k, @v) = split /\t/;
        next unless defined $k && length $k;
        if ($k eq 'config') {
            my %c;
            @c{qw(id kind alg label)} = @v;
            push @configs, \%c;
        } else {
            $f{$k} = join "\t", @v;
        }
    }
    return (\%f, \@configs);
}


# --- parse one wrk output ---------------------------------------------------

sub to_us {
    my ($v, $unit) = @_;
    return $v * { us => 1, ms => 1e3, s => 1e6, m => 60e6, h => 3600e6 }->{$unit};
}

sub parse_wrk {
    my ($file) = @_;
    my ($rps, $p50, $p99, $bad) = (undef, undef, undef, 0);
    for (slurp_lines($file)) {
        $rps = $1 if /^Requests\/sec:\s+([\d.]+)/;
        $p50 = to_us($1, $2) if /^\s+50%\s+([\d.]+)(us|ms|s|m|h)\b/;
        $p99 = to_us($1, $2) if /^\s+99%\s+([\d.]+)(us|ms|s|m|h)\b/;
        $bad += $1 if /Non-2xx or 3xx responses:\s+(\d+)/;
        if (/Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/) {
            $bad += $1 + $2 + $3 + $4;
        }
    }
    die "$file: no Requests/sec in the wrk output\n" unless defined $rps;
    print join("\t", $rps, $p50 // '', $p99 // '', $bad), "\n";
}


# --- openssl speed ---------------------------------------------------------

# seconds per verification: RS256, ES256, EdDSA from the verify column;
# HS256 from the HMAC throughput, interpolated at the signing input length
sub verify_times {
    my ($file, $hs_len) = @_;
    my (%t, %src, @blocks, @bps);

    for (slurp_lines($file)) {
        if (/^\+F2:\d+:2048:([\d.]+):([\d.]+)/) {
            $t{RS256} = 1 / $2;
            $src{RS256} = ['RSA-2048 (RS256)', $2];
        } elsif (/^\+F4:\d+:256:([\d.]+):([\d.]+)/) {
            $t{ES256} = 1 / $2;
            $src{ES256} = ['ECDSA P-256 (ES256)', $2];
        } elsif (/^\+F6:\d+:\d+:Ed25519:([\d.]+):([\d.]+)/) {
            $t{EdDSA} = 1 / $2;
            $src{EdDSA} = ['Ed25519 (EdDSA)', $2];
        } elsif (/^\+H:([\d:]+)/) {
            @blocks = split /:/, $1;
        } elsif (/^\+F:\d+:hmac\(sha256\):([\d.:]+)/) {
            @bps = split /:/, $1;
        }
    }

    if (@blocks && @bps == @blocks && $hs_len && $hs_len <= $blocks[-1]) {
        # time per HMAC at each block size, linear between the two around
        my @tb = map { $blocks[$_] / $bps[$_] } 0 .. $#blocks;
        my $i = 0;
        $i++ while $i < $#blocks && $blocks[$i + 1] < $hs_len;
        my $t;
        if ($hs_len <= $blocks[0]) {
            $t = $tb[0];
        } else {
            my ($b0, $b1) = @blocks[$i, $i + 1];
            $t = $tb[$i] + ($tb[$i + 1] - $tb[$i]) * ($hs_len - $b0) / ($b1 - $b0);
        }
        $t{HS256} = $t;
        $src{HS256} = ["HMAC-SHA256 over $hs_len bytes (HS256)", 1 / $t];
    }

    return (\%t, \%src);
}


# --- the wrk report --------------------------------------------------------

sub report_wrk {
    my ($facts_file, $results_file, $speed_file) = @_;
    my ($f, $configs) = read_facts($facts_file);

    my (%run, %rounds);          # $run{$id}{$round} = [rps, p50, p99, bad]
    for (slurp_lines($results_file)) {
        my ($r, $id, @v) = split /\t/;
        next unless defined $id;
        $v[$_] = ($v[$_] // '') eq '' ? undef : $v[$_] for 0 .. 3;
        $run{$id}{$r} = \@v;
        $rounds{$r} = 1;
    }
    my @rounds = sort { $a <=> $b } keys %rounds;

    my ($tv, $src) = verify_times($speed_file, $f->{hs256_input_len});
    my $base = $run{baseline} or die "no baseline results\n";

    my (@rows, @missed);
    for my $c (@$configs) {
        my $id = $c->{id};
        my $rr = $run{$id} or next;
        my (@rps, @p50, @p99, @xb, @xl);
        my $bad = 0;
        for my $r (@rounds) {
            my $v = $rr->{$r} or next;
            push @rps, $v->[0];
            push @p50, $v->[1];
            push @p99, $v->[2];
            $bad += $v->[3] // 0;
            my $b = $base->{$r} && $base->{$r}[0];
            next unless $b;
            push @xb, $v->[0] / $b;
            if (($c->{kind} eq 'uncached' || $c->{kind} eq 'default')
                && defined $tv->{$c->{alg}})
            {
                push @xl, $v->[0] * (1 / $b + $tv->{$c->{alg}});
            }
        }
        my %row = (c => $c, rps => median(@rps), p50 => median(@p50),
                   p99 => median(@p99), xb => median(@xb),
                   xl => (@xl ? median(@xl) : undef), bad => $bad);

        my $k = $c->{kind};
        my ($target, $ok) = ('', undef);
        if ($k eq 'cached') {
            $target = sprintf '≥ %.2f × baseline', $TARGET{cached};
            $ok = $row{xb} >= $TARGET{cached};
        } elsif ($k eq 'uncached' || $k eq 'default') {
            $target = sprintf '≥ %.2f × limit', $TARGET{uncached};
            $ok = defined $row{xl} ? $row{xl} >= $TARGET{uncached} : undef;
        } elsif ($k eq 'introspect') {
            $target = sprintf '≥ %.2f × baseline', $TARGET{introspect};
            $ok = $row{xb} >= $TARGET{introspect};
        }
        my $result = ($k eq 'base' || $k eq 'info') ? ''
                   : !defined $ok ? 'n/a'
                   : $ok          ? 'PASS' : 'MISS';
        $result = "INVALID ($bad errors)" if $bad;
        push @missed, $c->{label} if $result ne 'PASS' && $result ne '';
        $row{target} = $target;
        $row{result} = $result;
        push @rows, \%row;
    }

    my $base_rps = median(map { $base->{$_}[0] } @rounds);

    # --- the document
    my @o;
    push @o, '# Performance', '',
        'Generated by `make bench` (bench/run.sh); do not edit by hand.', '';
    push @o, '## Machine', '',
        "- CPU: $f->{cpu}, $f->{cpus} cores",
        "- kernel: $f->{kernel} ($f->{os})",
        "- nginx: $f->{nginx}; $f->{openssl}; wrk $f->{wrk}",
        "- module: git $f->{module}",
        "- date: $f->{date}; $f->{knobs}", '';
    push @o, '## Method', '', $f->{method}, '';
    push @o, "Note: $f->{note}", '' if $f->{note};
    push @o, '**QUICK=1: a smoke test of the harness, not a measurement.**', ''
        if $f->{knobs} =~ /QUICK=1/;

    push @o, '## Requests per second', '',
        '| configuration | req/s | p50 | p99 | × baseline | × limit '
        . '| target | result |',
        '|---|---:|---:|---:|---:|---:|---|---|';
    for my $r (@rows) {
        push @o, sprintf '| %s | %s | %s | %s | %s | %s | %s | %s |',
            $r->{c}{label}, thousands($r->{rps}), us($r->{p50}),
            us($r->{p99}), ratio($r->{xb}),
            (defined $r->{xl} ? ratio($r->{xl}) : '—'),
            $r->{target} || '—', $r->{result} || '—';
    }
    push @o, '', 'Medians over ' . scalar(@rounds) . ' round(s); ratios are '
        . 'medians of the per-round ratios (baseline of the same round). '
        . '× limit = req/s × (1/baseline_rps + t_verify), per round.', '';

    push @o, '## Signature verification and the limits', '',
        'openssl speed -seconds 1 on CPU ' . ($f->{nginx_cpu} // 0)
        . ' in the same run (`rsa2048 ecdsap256 ed25519`, verify column; '
        . '`-hmac sha256`).  limit = 1 / (t_baseline + t_verify), '
        . 't_baseline = 1 / ' . thousands($base_rps) . ' (median baseline): '
        . 'the best an uncached request can do.', '',
        '| algorithm | verify/s | t_verify | limit (req/s) |',
        '|---|---:|---:|---:|';
    for my $alg (qw(RS256 ES256 EdDSA HS256)) {
        if (!$src->{$alg}) {
            push @o, "| $alg | n/a | n/a | n/a |";
            next;
        }
        my ($name, $per_s) = @{ $src->{$alg} };
        push @o, sprintf '| %s | %s | %.1f us | %s |', $name,
            thousands($per_s), $tv->{$alg} * 1e6,
            thousands(1 / (1 / $base_rps + $tv->{$alg}));
    }
    push @o, '', 'HS256: openssl speed reuses one HMAC context; the module '
        . 'sets one up per token, so this limit is optimistic and HS256 '
        . 'uncached is judged against a near-baseline figure.', '';

    # (a partial run, ONLY=..., measures neither capacity nor memory)
    push @o, '## Zone capacity', ''
        if defined $f->{capacity_tokens} || defined $f->{capacity};
    if (defined $f->{capacity_tokens}) {
        my $bytes = 10 * 1024 * 1024;
        $bytes = parse_size($f->{capacity_zone}) if $f->{capacity_zone};
        push @o, sprintf('A %s zone holds **%s** verified tokens '
            . '(about %.0f bytes of zone per token).',
            $f->{capacity_zone}, thousands($f->{capacity_tokens}),
            $bytes / $f->{capacity_tokens}), '',
            'Measured: a fresh nginx, ' . thousands($f->{capacity_sent})
            . ' distinct valid HS256 tokens sent once each, oldest first, to '
            . 'a cached location (the cache entry does not depend on the '
            . 'algorithm); then the same tokens from the newest down, reading '
            . '`X-Cache: $auth_token_cache`: HITs do not change what is '
            . 'cached, the first MISS marks the newest evicted token '
            . '(bench/capacity.lua).', '';
    } elsif (defined $f->{capacity}) {
        push @o, "Capacity $f->{capacity}.", '';
    }

    if (my $rss = $f->{rss}) {
        push @o, '## Memory', '';
        my ($id, $n1, $r1, $a1, $s1, $n2, $r2, $a2, $s2) = split /\t/, $rss;
        my $d = $r2 - $r1;
        my $ok = $d <= $TARGET{rss_kb};
        push @missed, 'RSS growth' unless $ok;
        push @o, "Worker VmRSS (/proc/<pid>/status), fresh nginx, `$id`, "
            . "wrk -c" . ($f->{knobs} =~ /CONNECTIONS=(\d+)/ ? $1 : '?')
            . ' with a request count (bench/wrk.lua count=):', '',
            '| after requests | VmRSS | RssAnon | RssShmem |',
            '|---:|---:|---:|---:|',
            sprintf('| %s | %s kB | %s kB | %s kB |', thousands($n1),
                    thousands($r1), thousands($a1), thousands($s1)),
            sprintf('| %s | %s kB | %s kB | %s kB |', thousands($n2),
                    thousands($r2), thousands($a2), thousands($s2)),
            '',
            sprintf('Growth: **%s kB** (RssAnon %+d kB, RssShmem %+d kB); '
                . 'target ≤ 1 MB: **%s**.', thousands($d), $a2 - $a1,
                $s2 - $s1, $ok ? 'PASS' : 'MISS'), '';
    }

    my @rss = split /\t/, $f->{rss} // '';
    push @o, '## Targets', '',
        sprintf('- cached, any algorithm: ≥ %.2f × baseline', $TARGET{cached}),
        sprintf('- uncached: ≥ %.2f × limit', $TARGET{uncached}),
        sprintf('- introspection, warm cache: ≥ %.2f × baseline',
                $TARGET{introspect}),
        sprintf('- RSS growth from %s to %s requests: ≤ 1 MB',
                thousands($rss[1] // 10000), thousands($rss[5] // 1e6)), '',
        (@missed ? 'Not met: ' . join('; ', @missed) . '.'
                 : 'All targets met.'), '';

    print join("\n", @o);
}

sub parse_size {
    my ($s) = @_;
    return $1 * 1024 * 1024 if $s =~ /^(\d+)m$/i;
    return $1 * 1024 if $s =~ /^(\d+)k$/i;
    return $s;
}


# --- the callgrind section -------------------------------------------------

sub report_callgrind {
    my ($facts_file, $results_file) = @_;
    my ($f, $configs) = read_facts($facts_file);

    my %per;
    for (slurp_lines($results_file)) {
        my ($id, $warm, $n, $irw, $irt) = split /\t/;
        next unless defined $irt;
        $per{$id} = { warm => $warm, n => $n, ir => ($irt - $irw) / $n };
    }
    my $base = $per{baseline} or die "no baseline in $results_file\n";

    my @o;
    push @o, '## Instructions per request (callgrind)', '',
        "$f->{date}, module git $f->{module}, $f->{valgrind}.  nginx as one "
        . 'process (`master_process off; daemon off;`) under '
        . '`valgrind --tool=callgrind`, the configuration of the wrk run. '
        . "Per configuration two runs: W warm-up requests (1; 1,000 for the "
        . "rotation: every token cached once) and W + $f->{requests}, one "
        . 'connection (wrk -c1 with a request count); '
        . "Ir per request = (Ir(W + $f->{requests}) - Ir(W)) / "
        . "$f->{requests}.", '',
        '| configuration | Ir per request | × baseline | over baseline |',
        '|---|---:|---:|---:|';
    for my $c (@$configs) {
        my $p = $per{$c->{id}} or next;
        push @o, sprintf '| %s | %s | %.2f | %s |', $c->{label},
            thousands($p->{ir}), $p->{ir} / $base->{ir},
            $c->{id} eq 'baseline' ? '—' : thousands($p->{ir} - $base->{ir});
    }
    push @o, '';

    # where the instructions of the first cached configuration go
    my ($c) = grep { $_->{kind} eq 'cached' } @$configs;
    my $dir = $f->{cgdir};
    if ($c && $dir && -f "$dir/$c->{id}-run.txt") {
        push @o, "Ir per request by function (self cost), $c->{label}, "
            . 'the 12 largest:', '', '```',
            split(/\n/, cgtop("$dir/$c->{id}-warm.txt",
                              "$dir/$c->{id}-run.txt", $f->{requests}, 12)),
            '```', '',
            "The same for every configuration: build/bench/cg/<id>.top.txt "
            . '(after a callgrind run).', '';
    }
    print join("\n", @o);
}

sub annotate_self {
    my ($file) = @_;
    my %ir;
    for (slurp_lines($file)) {
        next unless /^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.+?)\s*$/;
        my ($n, $fn) = ($1, $2);
        next if $fn eq 'PROGRAM TOTALS';
        $n =~ tr/,//d;
        $fn =~ s{^\S*/}{};                   # the directory of the source
        $fn =~ s{\[\S*/([^/\]]+)\]\z}{[$1]};   # and of the object
        $ir{$fn} += $n;
    }
    return \%ir;
}

sub cgtop {
    my ($warm, $run, $n, $top) = @_;
    $top ||= 20;
    my ($w, $r) = (annotate_self($warm), annotate_self($run));
    my %d = map { $_ => (($r->{$_} // 0) - ($w->{$_} // 0)) / $n }
            keys %$r;
    my @f = (sort { $d{$b} <=> $d{$a} } grep { $d{$_} > 0 } keys %d)
            [0 .. $top - 1];
    return join '', map { sprintf "%9s  %s\n", thousands($d{$_}), $_ }
                    grep { defined } @f;
}
