//! Background priority for the daemon's bulk work. The engine's re-evaluation of changed
//! customers and the background snapshot loads can use a whole core under heavy ingestion; at
//! a lower scheduling priority they yield the CPU to the HTTP workers and the writer, whose
//! latency is what a shop's clients see. The work still gets all the CPU nobody else wants.

/// Lowers the calling thread's priority (nice 10). Best effort: on failure, or off Linux, the
/// thread keeps its priority.
pub fn lower_this_thread() {
    #[cfg(target_os = "linux")]
    // SAFETY: `gettid` has no preconditions, and `setpriority` with PRIO_PROCESS and a thread
    // id only changes that thread's nice value; both are plain system calls without pointers.
    unsafe {
        let tid = libc::gettid();
        let _ = libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, 10);
    }
}
