#!/usr/bin/env python3
"""Host side of make bench (tools/bench.sh runs it).

  bench-report.py ucli --console LOG --out DIR --ucli UCLI --bin DIR [--runs N]
      Take the 500-task dump the guest sent over the console, then time
      `ucli report` and `addr2line -f -e` on the same stacks, cold (files
      just evicted from the page cache) and warm (the same again). Prints
      BENCH-DATA lines like the guest's.

  bench-report.py report --console LOG [--data FILE] --json OUT
                         --release REL [--append ARGS]
      Turn every BENCH-DATA line into the Markdown table (stdout) and the
      JSON file. Each ratio is computed within one run, then summarized
      as the median and the min-max spread over the runs.

Benchmarks, not tests: nothing here judges a time against a limit; the
"met?" column only compares the medians with the targets of issue 5.
"""

import argparse
import base64
import binascii
import gzip
import hashlib
import json
import math
import os
import re
import shutil
import subprocess
import sys
import time

DATA_RE = re.compile(r'BENCH-DATA (\{.*\})')
B64_RE = re.compile(r'^[A-Za-z0-9+/=]+$')
DUMP_BINARY = '/varmon/bin/bench_capture'


def read_data(paths):
    """Every BENCH-DATA object in the files, and how many lines were bad."""
    rows, bad = [], 0
    for path in paths:
        if not path or not os.path.exists(path):
            continue
        with open(path, errors='replace') as f:
            for line in f:
                m = DATA_RE.search(line)
                if not m:
                    continue
                try:
                    rows.append(json.loads(m.group(1)))
                except ValueError:
                    # A kernel message that landed inside the line.
                    bad += 1
    return rows, bad


# ---- ucli against addr2line ----

def extract_dump(console, dest):
    """Decode the gzip+base64 dump between the markers; None or why not."""
    md5, chunks, inside = None, [], False
    with open(console, errors='replace') as f:
        for line in f:
            line = line.strip()
            if line.startswith('BENCH-UCLI-MD5 '):
                md5 = line.split()[1]
            elif line == 'BENCH-UCLI-BEGIN':
                inside, chunks = True, []
            elif line == 'BENCH-UCLI-END':
                inside = False
            elif inside and B64_RE.match(line):
                chunks.append(line)
    if not md5 or not chunks:
        return 'no dump in the console log'
    try:
        raw = gzip.decompress(base64.b64decode(''.join(chunks)))
    except (binascii.Error, OSError, EOFError) as e:
        return 'dump garbled on the console: %s' % e
    if hashlib.md5(raw).hexdigest() != md5:
        return 'dump garbled on the console: md5 differs'
    with open(dest, 'wb') as f:
        f.write(raw)
    return None


def shared_libs(path):
    """The files a dynamically linked program loads (ldd), itself included."""
    files = [path]
    try:
        out = subprocess.run(['ldd', path], capture_output=True, text=True,
                             check=False).stdout
    except OSError:
        return files
    for line in out.splitlines():
        parts = line.split()
        for p in parts:
            if p.startswith('/') and os.path.exists(p):
                files.append(p)
    return files


def evict(files):
    """Drop these files (only) from the page cache."""
    for path in files:
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            continue
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        finally:
            os.close(fd)


def timed(cmd, stdin=None):
    start = time.perf_counter()
    res = subprocess.run(cmd, input=stdin, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start, res


def is_exec(path):
    """ET_EXEC: runtime addresses are the file's own (no load bias)."""
    try:
        with open(path, 'rb') as f:
            head = f.read(18)
    except OSError:
        return False
    return head[:4] == b'\x7fELF' and int.from_bytes(head[16:18], 'little') == 2


def symbol_addrs(path):
    """Name to address of every defined symbol (nm): aliases share one."""
    out = subprocess.run(['nm', '--defined-only', path], capture_output=True,
                         text=True, check=False).stdout
    addrs = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 3:
            addrs.setdefault(parts[2], parts[0])
    return addrs


def cmd_ucli(args):
    os.makedirs(args.out, exist_ok=True)
    rec = os.path.join(args.out, 'dump500.rec')
    why = extract_dump(args.console, rec)
    if why:
        print('BENCH-DATA ' + json.dumps({'bench': 'ucli', 'error': why}))
        return 1

    # The guest's paths under a symfs: /varmon/bin is build/vm/bin, and
    # /bin/busybox is the same static busybox vm.sh copied in.
    symfs = os.path.join(args.out, 'symfs')
    shutil.rmtree(symfs, ignore_errors=True)
    os.makedirs(os.path.join(symfs, 'varmon'))
    os.makedirs(os.path.join(symfs, 'bin'))
    os.symlink(os.path.abspath(args.bin), os.path.join(symfs, 'varmon', 'bin'))
    busybox = shutil.which('busybox')
    if busybox:
        os.symlink(busybox, os.path.join(symfs, 'bin', 'busybox'))

    ucli = [args.ucli, 'report', '--symfs', symfs, '--quiet']
    res = subprocess.run(ucli + ['--format', 'json', rec], capture_output=True,
                         text=True, check=False)
    stacks, frames, names = 0, 0, {}
    per_file = {}
    a2l_stacks = 0
    for line in res.stdout.splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if obj.get('type') != 'dump':
            continue
        for task in obj.get('tasks', []):
            fr = (task.get('user_stack') or {}).get('frames') or []
            if not any(f.get('symbol') for f in fr):
                continue
            stacks += 1
            frames += len(fr)
            mine = False
            for f in fr:
                path = os.path.join(symfs, f.get('file', '').lstrip('/'))
                if f.get('file') and is_exec(path):
                    per_file.setdefault(path, []).append(f['addr'])
                    names[(path, f['addr'])] = f.get('symbol')
                    mine = True
            a2l_stacks += mine
    if not stacks:
        print('BENCH-DATA ' + json.dumps({
            'bench': 'ucli', 'error': 'ucli symbolized no user stack (exit %d)'
            % res.returncode}))
        return 1

    a2l = shutil.which('addr2line')
    ucli_files = shared_libs(args.ucli) + [rec] + [
        os.path.realpath(p) for p in per_file]
    a2l_files = shared_libs(a2l) + [os.path.realpath(p) for p in per_file]
    inputs = {p: ('\n'.join(a) + '\n').encode() for p, a in per_file.items()}
    syms = {p: symbol_addrs(p) for p in per_file}
    text_cmd = ucli + ['-o', os.devnull, rec]

    def run_a2l():
        total, agree, resolved = 0.0, 0, 0
        for path, stdin in inputs.items():
            t, r = timed([a2l, '-f', '-e', path], stdin)
            total += t
            out = r.stdout.decode(errors='replace').splitlines()
            # -f prints the function, then file:line, per address.
            for addr, fn in zip(per_file[path], out[0::2]):
                theirs = names.get((path, addr))
                resolved += fn != '??'
                # The same function under another name (an alias such
                # as pause and __libc_pause) is the same answer.
                agree += fn == theirs or (
                    fn in syms[path] and
                    syms[path][fn] == syms[path].get(theirs))
        return total, resolved, agree

    status = 0
    for run in range(1, args.runs + 1):
        evict(ucli_files)
        cold, r1 = timed(text_cmd)
        warm, r2 = timed(text_cmd)
        evict(a2l_files)
        a_cold, resolved, agree = run_a2l()
        a_warm, _, _ = run_a2l()
        row = {
            'bench': 'ucli', 'run': run, 'stacks': stacks, 'frames': frames,
            'ucli_cold_s': cold, 'ucli_warm_s': warm,
            'a2l_stacks': a2l_stacks,
            'a2l_addrs': sum(len(a) for a in per_file.values()),
            'a2l_resolved': resolved, 'a2l_agree': agree,
            'a2l_cold_s': a_cold, 'a2l_warm_s': a_warm,
            'ucli_status': max(r1.returncode, r2.returncode),
        }
        if row['ucli_status']:
            status = 1
        print('BENCH-DATA ' + json.dumps(row))
    return status


# ---- statistics ----

def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


def pct(sorted_xs, p):
    """Nearest-rank percentile of a sorted list."""
    k = max(1, math.ceil(p / 100 * len(sorted_xs)))
    return sorted_xs[k - 1]


def fmt(x, unit):
    if x is None:
        return 'n/a'
    if unit == '%':
        return '%.2f %%' % x
    if unit == 'x':
        return '%.2f' % x if abs(x) < 100 else '%.0f' % x
    if unit == 'B':
        return '%.0f B' % x
    if unit == 'KiB':
        return '%.1f KiB' % (x / 1024)
    if unit in ('ns', 'us', 'ms'):
        scale = {'ns': 1, 'us': 1e3, 'ms': 1e6}[unit]
        v = x / scale
        return ('%.1f %s' if abs(v) < 100 else '%.0f %s') % (v, unit)
    if unit == '/s':
        return '%.0f/s' % x
    if unit == 'frac':
        return '%.3g' % x
    return '%g %s' % (x, unit)


class Table:
    def __init__(self):
        self.sections = []
        self.summary = []
        self.json = []

    def section(self, title, note=None):
        self.sections.append((title, note, []))

    def row(self, metric, config, values, unit, target=None, met=None,
            key=False):
        """One row: median and min-max of the per-run values. Rows with a
        target, and @key ones, also go to the summary."""
        values = [v for v in values if v is not None]
        med = median(values) if values else None
        spread = ('%s - %s' % (fmt(min(values), unit), fmt(max(values), unit))
                  if values else '')
        verdict = ''
        if target and med is not None:
            verdict = 'yes' if met(med) else 'no'
        cells = (metric, config, fmt(med, unit), spread, target or '', verdict)
        self.sections[-1][2].append(cells)
        if target or key:
            self.summary.append((self.sections[-1][0].split('.')[0],) + cells)
        self.json.append({
            'section': self.sections[-1][0], 'metric': metric,
            'config': config, 'unit': unit, 'median': med,
            'min': min(values) if values else None,
            'max': max(values) if values else None, 'runs': len(values),
            'values': values, 'target': target, 'met': verdict or None})

    def markdown(self):
        out = ['### Summary\n',
               'The rows with a target of issue 5, and a few more; the '
               'sections below have them all.\n',
               '| # | metric | config | median | spread (min - max) | target | met? |',
               '| --- | --- | --- | --- | --- | --- | --- |']
        out += ['| %s |' % ' | '.join(r) for r in self.summary]
        out.append('')
        for title, note, rows in self.sections:
            out.append('### %s\n' % title)
            if note:
                out.append(note + '\n')
            out.append('| metric | config | median | spread (min - max) | target | met? |')
            out.append('| --- | --- | --- | --- | --- | --- |')
            for r in rows:
                out.append('| %s |' % ' | '.join(r))
            out.append('')
        return '\n'.join(out)


def label_interval(ns):
    return '%d us' % (ns // 1000) if ns < 1000000 else '%d ms' % (ns // 1000000)


# ---- the rows of issue 5 ----

def poll_sections(t, rows):
    poll = [r for r in rows if r.get('bench') == 'poll' and 'error' not in r]
    intervals = sorted({r['interval_ns'] for r in poll}, reverse=True)
    configs = []
    for r in poll:
        c = (r['watches'], r['per_timer'])
        if c not in configs:
            configs.append(c)

    def per_run(interval, cfg):
        return {r['run']: r for r in poll if r['interval_ns'] == interval and
                (r['watches'], r['per_timer']) == cfg}

    def med(r, key):
        return median(r[key]) if r.get(key) else None

    def cb_tick(r):
        return med(r, 'cb_ns_per_tick')

    def check_ns(r):
        c = cb_tick(r)
        return c / r['per_timer'] if c else None

    def plain(r):
        return med(r, 'calib_ns_per_word')

    def poller_check(r):
        c = med(r, 'poll_cpu_ns_per_check')
        return c / r['watches'] if c else None

    def irq_rate(r, i):
        if 'irqs' not in r or not r['irq_wall_ns'][i]:
            return None
        return r['irqs'][i] / (r['irq_wall_ns'][i] / 1e9)

    def lost_per_irq(r):
        """Loop time lost outside the callback per added interrupt, ns."""
        sd, w, wo = slowdown(r, 'mod'), irq_rate(r, 1), irq_rate(r, 0)
        if sd is None or w is None or wo is None or w <= wo:
            return None
        outside = sd / 100 - r['callback_ns'] / r['ticked_ns']
        return outside / (w - wo) * 1e9

    def slowdown(r, side):
        base, load = med(r, side + '_base_rate'), med(r, side + '_load_rate')
        return 100 * (1 - load / base) if base and load else None

    t.section('1. Polling cost (module counters; calibrate in the same run)',
              'N watches, K per timer. "marginal per watch" is the slope of '
              'callback time per tick from 1 watch per timer to K, both '
              'measured in the same run; "plain read" reads the same N words '
              'through the same pointers with no compare, in that run too.')
    for iv in intervals:
        single = per_run(iv, (1, 1))
        for cfg in configs:
            runs = per_run(iv, cfg)
            if not runs:
                continue
            name = 'N=%d, %d/timer, %s' % (cfg[0], cfg[1], label_interval(iv))
            t.row('callback time per tick', name,
                  [cb_tick(r) for r in runs.values()], 'ns')
            t.row('ticks per second per timer (asked: %d)' % (1e9 // iv), name,
                  [r['ticks'] / r['timers'] / (r['ticked_ns'] / 1e9)
                   for r in runs.values() if r['timers'] and r['ticked_ns']],
                  '/s')
            t.row('plain read per word', name,
                  [plain(r) for r in runs.values()], 'ns')
            if cfg[1] == 1:
                t.row('per watch-check / plain read', name,
                      [check_ns(r) / plain(r) for r in runs.values()
                       if check_ns(r) and plain(r)], 'x')
                continue
            marg, ratio = [], []
            for run, r in runs.items():
                s = single.get(run)
                if not s or not cb_tick(r) or not cb_tick(s):
                    continue
                m = (cb_tick(r) - cb_tick(s)) / (cfg[1] - 1)
                marg.append(m)
                if plain(r):
                    ratio.append(m / plain(r))
            t.row('marginal time per watch', name, marg, 'ns')
            t.row('marginal per watch / plain read', name, ratio, 'x',
                  '<= 2', lambda v: v <= 2)

    t.section('2. Against a userspace poller (process_vm_readv, same N, same interval)',
              'CPU per variable checked: the poller thread\'s CPU time (the '
              'clock getrusage(RUSAGE_THREAD) reads) per check, over N; the '
              'module\'s callback time per tick, over the watches per timer. '
              'Medians over 10 ms pieces; both from the same run.')
    for iv in intervals:
        for cfg in configs:
            runs = per_run(iv, cfg)
            if not runs:
                continue
            name = 'N=%d, %d/timer, %s' % (cfg[0], cfg[1], label_interval(iv))
            pol = {k: poller_check(r) for k, r in runs.items()}
            mod = {k: check_ns(r) for k, r in runs.items()}
            t.row('poller CPU per variable check', name, list(pol.values()), 'ns')
            t.row('module CPU per variable check', name, list(mod.values()), 'ns')
            t.row('poller checks per second (asked: %d)' % (1e9 // iv), name,
                  [r['poll_checks'] / (r['poll_wall_ns'] / 1e9)
                   for r in runs.values() if r['poll_wall_ns']], '/s')
            t.row('poller / module CPU per check', name,
                  [pol[k] / mod[k] for k in runs if pol[k] and mod[k]], 'x',
                  '>= 20', lambda v: v >= 20)

    t.section('3. Cost to the machine (CPU-bound loop on the timers\' CPU)',
              'Iterations per second of a loop pinned to CPU 0 with the '
              'watches (or the poller) against the loop alone: median over '
              '10 ms pieces of interleaved 100 ms slices of the same run. '
              '"CPU time inside the callback" is the module\'s own '
              'callback_ns over the same time; the rest of a slowdown is '
              'the timer interrupts themselves (counted from the LOC line of '
              '/proc/interrupts), which an emulated CPU takes very slowly. '
              'Once the callbacks fill the CPU (1024 watches and up), '
              'expired timers share interrupts and the per-interrupt figure '
              'means little.')
    for iv in intervals:
        for cfg in configs:
            runs = per_run(iv, cfg)
            if not runs:
                continue
            name = 'N=%d, %d/timer, %s' % (cfg[0], cfg[1], label_interval(iv))
            target = met = None
            if cfg == (32, 32) and iv == 100000:
                target, met = '<= 1 %', (lambda v: v <= 1)
            t.row('slowdown with the module', name,
                  [slowdown(r, 'mod') for r in runs.values()], '%', target,
                  met)
            t.row('CPU time inside the callback (module counters)', name,
                  [100 * r['callback_ns'] / r['ticked_ns']
                   for r in runs.values() if r['ticked_ns']], '%',
                  key=target is not None)
            t.row('CPU 0 timer interrupts per second, with the module', name,
                  [irq_rate(r, 1) for r in runs.values()], '/s')
            t.row('CPU 0 timer interrupts per second, loop alone', name,
                  [irq_rate(r, 0) for r in runs.values()], '/s')
            t.row('loop time lost outside the callback, per added interrupt',
                  name,
                  [lost_per_irq(r) for r in runs.values()], 'us')
            t.row('slowdown with the poller', name,
                  [slowdown(r, 'poll') for r in runs.values()], '%')


def latency_section(t, rows):
    lat = [r for r in rows if r.get('bench') == 'latency']
    t.section('4. Detection latency (trip_mono_ns of the dump - CLOCK_MONOTONIC stamp before the write)',
              'Per run: 200 trips at a random phase of the timer; p50, p99 '
              'and max of that run, then median and spread over the runs. '
              'Miss rate: pulses that go back at once, and pulses of half an '
              'interval (caught with probability about width / real period).')
    for iv in sorted({r['interval_ns'] for r in lat}):
        runs = [r for r in lat if r['interval_ns'] == iv]
        ok = [r for r in runs if 'error' not in r and r['latency_ns']]
        name = label_interval(iv)
        p50, p99, mx, ratio = [], [], [], []
        for r in ok:
            s = sorted(r['latency_ns'])
            p50.append(pct(s, 50))
            p99.append(pct(s, 99))
            mx.append(s[-1])
            ratio.append(pct(s, 99) / iv)
        samples = sum(len(r['latency_ns']) for r in ok)
        t.row('trips measured (all runs)', name, [samples], 'trips')
        t.row('latency p50', name, p50, 'us', key=True)
        t.row('latency p99', name, p99, 'us', key=True)
        t.row('latency max', name, mx, 'us')
        t.row('p99 / interval', name, ratio, 'x')
        t.row('real timer period', name,
              [r['period_ns'] for r in ok if r.get('period_ns')], 'us')
        t.row('miss rate, instant pulses', name,
              [100 * (1 - r['caught_instant'] / r['pulses'])
               for r in ok if r['pulses']], '%')
        t.row('miss rate, pulses of interval/2', name,
              [100 * (1 - r['caught_half'] / r['pulses'])
               for r in ok if r['pulses']], '%')
        t.row('expected miss, interval/2 (1 - width / period)', name,
              [100 * max(0.0, 1 - r['half_width_ns'] / r['period_ns'])
               for r in ok if r.get('period_ns')], '%')


def capture_section(t, rows):
    cap = [r for r in rows if r.get('bench') == 'capture' and 'error' not in r]
    t.section('5. Capture (every thread of the tripped process is dumped)',
              '"trip to last record": from the tick that saw the trip to the '
              'last record of the dump (queueing and capture); "capture": '
              'header to last record; "work item": report_ns per report '
              '(dmesg block and capture). Bytes as drained.')
    for n in sorted({r['threads'] for r in cap}):
        runs = [r for r in cap if r['threads'] == n]
        name = '%d threads' % n
        t.row('tasks per dump', name, [r['selected'] for r in runs], 'tasks')
        t.row('dump duration, trip to last record', name,
              [r['trip_to_last_ns'] for r in runs], 'ms', key=n >= 500)
        t.row('capture, header to last record', name,
              [r['capture_ns'] for r in runs], 'ms')
        t.row('work item duration', name,
              [r['report_ns'] / r['reports'] for r in runs if r['reports']], 'ms')
        t.row('bytes per dump', name, [r['bytes'] for r in runs], 'KiB',
              key=n >= 500)


def ucli_section(t, rows):
    uc = [r for r in rows if r.get('bench') == 'ucli' and 'error' not in r]
    t.section('6. ucli on a saved dump of 500 tasks (host)',
              'The dump recorded in the VM with `ucli record`, reported on '
              'the host with `ucli report --symfs` (unwinding and '
              'symbolizing), against `addr2line -f -e` resolving the same '
              'frames of the same stacks (symbols only, no unwinding). '
              'Cold: the files just evicted from the page cache; warm: the '
              'same command again. Each run is a new process, so ucli\'s '
              'own caches always start empty. Where the two name a frame '
              'differently, addr2line names a function inlined there (it '
              'reads DWARF) and ucli the symbol that holds it.')
    if not uc:
        t.row('symbolized user stacks per second', 'cold', [], '/s')
        return
    name = '%d stacks, %d frames' % (uc[0]['stacks'], uc[0]['frames'])
    a2l = '%d stacks, %d addresses' % (uc[0]['a2l_stacks'], uc[0]['a2l_addrs'])
    for mode in ('cold', 'warm'):
        u = [r['stacks'] / r['ucli_%s_s' % mode] for r in uc]
        a = [r['a2l_stacks'] / r['a2l_%s_s' % mode] for r in uc]
        t.row('ucli report: user stacks per second, %s' % mode, name, u, '/s')
        t.row('addr2line: stacks per second, %s' % mode, a2l, a, '/s')
        t.row('ucli / addr2line stacks per second, %s' % mode, name,
              [r['stacks'] / r['ucli_%s_s' % mode] /
               (r['a2l_stacks'] / r['a2l_%s_s' % mode]) for r in uc], 'x',
              key=True)
    t.row('addr2line answers naming ucli\'s function (or an alias)', a2l,
          [r['a2l_agree'] / r['a2l_addrs'] for r in uc if r['a2l_addrs']],
          'frac')


def memory_section(t, rows):
    mem = [r for r in rows if r.get('bench') == 'memory' and 'error' not in r]
    t.section('7. Memory',
              'Kernel memory while registering, from /proc/slabinfo (live '
              'objects times their size, summed over all caches) and from '
              'SUnreclaim in /proc/meminfo (whole slab pages, so coarser): '
              '"spread" is 4096 watches, 128 timers, 64 pages; "timers" is '
              '128 watches with an interval each (128 timers). Per watch and '
              'per timer solve those two equations within each run. '
              '"shared": 4096 1-byte watches in one page.')
    by_run = {}
    for r in mem:
        by_run.setdefault(r['run'], {})[r['layout']] = r

    def solve(key, scale):
        per_watch, per_timer = [], []
        for lay in by_run.values():
            a, b = lay.get('spread'), lay.get('timers')
            if not a or not b or key not in a or key not in b:
                continue
            da, db = a[key] * scale, b[key] * scale
            k = a['timers'] / b['timers']
            w = (da - db * k) / (a['watches'] - b['watches'] * k)
            per_watch.append(w)
            per_timer.append((db - b['watches'] * w) / b['timers'])
        return per_watch, per_timer

    w, tm = solve('slab_bytes_delta', 1)
    t.row('kernel memory per watch (slabinfo)', '32 watches/timer', w, 'B',
          key=True)
    t.row('kernel memory per timer (slabinfo)', '32 slots', tm, 'B', key=True)
    w, tm = solve('sunreclaim_kb_delta', 1024)
    t.row('kernel memory per watch (SUnreclaim)', '32 watches/timer', w, 'B')
    t.row('kernel memory per timer (SUnreclaim)', '32 slots', tm, 'B')
    for layout, desc in (('spread', '4096 watches on 64 pages'),
                         ('shared', '4096 watches in 1 page')):
        runs = [lay[layout] for lay in by_run.values() if layout in lay]
        t.row('pinned pages per distinct page', desc,
              [r['pinned_pages'] / r['distinct_pages'] for r in runs], 'x',
              '= 1', lambda v: v == 1)
        t.row('pinned pages per watch', desc,
              [r['pinned_pages'] / r['watches'] for r in runs], 'frac')


def header(info, release, append, host, cpus, load, bad):
    kernel = info.get('kernel', release)
    loads = [float(x) for x in load.split()]
    if cpus and loads:
        host = '%s, %d CPUs, load average %.2f before the run and %.2f - %.2f ' \
            'during it (2 of that is the VM itself)' % (
                host, cpus, loads[0], min(loads[1:] or loads),
                max(loads[1:] or loads))
    lines = [
        '## make bench: %s' % kernel,
        '',
        '**Ran under QEMU TCG emulation (no KVM)**, %s vCPUs, clocksource '
        '%s; host: %s. What that distorts: every instruction is emulated, '
        'so absolute nanoseconds are many times those of real hardware, '
        'and unevenly so: interrupts, syscalls and atomics cost far more '
        'than plain instructions (a timer interrupt costs the interrupted '
        'program tens of microseconds, see section 3); hrtimers fire '
        'slower than asked (see the ticks per second rows), which skews '
        'per-second costs and latencies counted in intervals; CPU caches '
        'are not modelled, so reading many scattered words looks cheaper '
        'than it is; and whatever else runs on the host slows the vCPUs '
        'down at random, so every with/without comparison interleaves '
        'short slices and takes medians. Compare ratios taken within one '
        'run, not absolute numbers across machines.'
        % (info.get('cpus', '?'), info.get('clocksource', '?'),
           host or 'not recorded'),
        '',
        'Kernel command line additions: `%s` (slab red zones: %s); console '
        'log level 4; module loaded with buffer_size=32 MiB; %s runs per '
        'configuration (median, min - max). Raw numbers: '
        'build/bench/bench.json.'
        % (append, 'on' if info.get('slab_red_zone') == '1' else 'off',
           info.get('runs', '?')),
    ]
    # The VM's two vCPU threads make a load of 2 on their own; more than
    # one runnable thread besides them, and they wait for a CPU.
    if cpus and loads and max(loads[1:] or loads) > cpus + 1:
        lines.append('')
        lines.append('**The host was busy** (load average above %d while the '
                     'VM ran): other programs took turns with the emulated '
                     'CPUs, so expect wide spreads and inflated times; run '
                     'again on a quiet host for numbers to compare.'
                     % (cpus + 1))
    if bad:
        lines.append('')
        lines.append('%d data lines were garbled on the console and skipped.' % bad)
    return '\n'.join(lines) + '\n'


def cmd_report(args):
    rows, bad = read_data([args.console, args.data])
    info = next((r for r in rows if r.get('bench') == 'info'), {})
    errors = [r for r in rows if 'error' in r]
    t = Table()
    poll_sections(t, rows)
    latency_section(t, rows)
    capture_section(t, rows)
    ucli_section(t, rows)
    memory_section(t, rows)
    text = header(info, args.release, args.append, args.host, args.cpus,
                  args.load, bad) + '\n' + t.markdown()
    if errors:
        text += '\nMeasurements that failed:\n\n' + '\n'.join(
            '- %s: %s' % (r.get('bench'), r['error']) for r in errors) + '\n'
    print(text)
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, 'w') as f:
        json.dump({'info': info, 'release': args.release, 'host': args.host,
                   'host_cpus': args.cpus, 'host_load': args.load,
                   'cmdline_append': args.append, 'garbled_lines': bad,
                   'rows': t.json, 'errors': errors, 'raw': rows}, f, indent=1)
        f.write('\n')
    if args.markdown:
        with open(args.markdown, 'w') as f:
            f.write(text)
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest='cmd', required=True)
    u = sub.add_parser('ucli')
    u.add_argument('--console', required=True)
    u.add_argument('--out', required=True)
    u.add_argument('--ucli', required=True)
    u.add_argument('--bin', required=True)
    u.add_argument('--runs', type=int, default=5)
    r = sub.add_parser('report')
    r.add_argument('--console', required=True)
    r.add_argument('--data')
    r.add_argument('--json', required=True)
    r.add_argument('--markdown')
    r.add_argument('--release', default='')
    r.add_argument('--append', default='')
    r.add_argument('--host', default='')
    r.add_argument('--cpus', type=int, default=0)
    r.add_argument('--load', default='',
                   help='load average before the run, then min and max during')
    args = ap.parse_args()
    return cmd_ucli(args) if args.cmd == 'ucli' else cmd_report(args)


if __name__ == '__main__':
    sys.exit(main())
