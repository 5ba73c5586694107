// SPDX-License-Identifier: GPL-2.0-only
//! real_rust - a Rust program with threads, as Debian's rustc builds it
//! (-O, legacy symbol mangling, unwinding through .eh_frame): two threads
//! block in std::thread::sleep under a recursion of worker(); main joins
//! them. Prints "ready" once both are asleep.
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::Duration;

static PARKED: AtomicU32 = AtomicU32::new(0);

#[inline(never)]
fn worker(n: u32) -> u32 {
    if n == 0 {
        PARKED.fetch_add(1, Ordering::SeqCst);
        loop {
            thread::sleep(Duration::from_secs(1000));
        }
    }
    // Keeps the call from becoming a loop: work after it returns.
    worker(n - 1) + unsafe { std::ptr::read_volatile(&n) }
}

fn main() {
    let threads: Vec<_> = (0..2).map(|_| thread::spawn(|| worker(3))).collect();
    while PARKED.load(Ordering::SeqCst) < 2 {
        thread::sleep(Duration::from_millis(1));
    }
    println!("ready");
    for t in threads {
        t.join().unwrap();
    }
}
