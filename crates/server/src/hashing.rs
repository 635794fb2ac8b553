//! Password hashing on a few threads of its own. Argon2 takes 19 MiB per
//! hash, so how many hashes run at once is what bounds the memory strangers
//! can make the server take by signing in: a fixed set of threads (each
//! reusing its allocator's memory from one hash to the next) works through
//! a short queue, and a sign-in that finds the queue full is refused with
//! 503 rather than held. Each hashing thread keeps one argon2 memory
//! block and hashes in it every time: freed and allocated again, 19 MiB
//! blocks fragment the allocator's heap and the server grew by about that
//! much on every sign-in.

use argon2::Block;
use std::cell::{Cell, RefCell};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};

thread_local! {
    /// True on the hashing threads, which keep their memory between hashes.
    static HASHER: Cell<bool> = const { Cell::new(false) };
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Most memory a hashing thread keeps: our own hashes' (argon2's default,
/// 19 MiB); a stored hash asking for more gets it only for its own run.
const KEEP_BLOCKS: usize = argon2::Params::DEFAULT_M_COST as usize;

/// Runs `f` with `blocks` argon2 blocks: on a hashing thread, the same
/// memory every time; elsewhere (the CLI, start-up), memory of its own.
pub fn with_memory<T>(blocks: usize, f: impl FnOnce(&mut [Block]) -> T) -> T {
    if HASHER.with(Cell::get) && blocks <= KEEP_BLOCKS {
        MEMORY.with(|m| {
            let mut m = m.borrow_mut();
            if m.len() < blocks {
                m.resize(blocks, Block::default());
            }
            f(&mut m[..blocks])
        })
    } else {
        f(&mut vec![Block::default(); blocks])
    }
}

type Job = Box<dyn FnOnce() + Send>;

/// The hashing threads and their queue.
pub struct Hashers {
    jobs: SyncSender<Job>,
}

/// The queue is full (or the hashing threads are gone): try again shortly.
#[derive(Debug)]
pub struct Busy;

impl Hashers {
    /// `threads` hash at once; up to `queue` more wait their turn.
    pub fn new(threads: usize, queue: usize) -> Hashers {
        let (jobs, waiting) = sync_channel::<Job>(queue);
        let waiting = Arc::new(Mutex::new(waiting));
        for i in 0..threads.max(1) {
            let waiting = waiting.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("sitrep-hash-{i}"))
                .spawn(move || work(&waiting));
            if let Err(e) = spawned {
                eprintln!("sitrep-server: cannot start a hashing thread: {e}");
            }
        }
        Hashers { jobs }
    }

    /// Runs `f` on a hashing thread and waits for its answer; `Busy` at once
    /// when the queue is full.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Busy> {
        let (answer, answered) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = answer.send(f());
        });
        match self.jobs.try_send(job) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => return Err(Busy),
        }
        // A job that panicked drops its sender: the caller hears Busy, not a hang.
        answered.await.map_err(|_| Busy)
    }
}

fn work(waiting: &Mutex<Receiver<Job>>) {
    HASHER.with(|h| h.set(true));
    loop {
        let job = {
            let rx = waiting.lock().unwrap_or_else(|p| p.into_inner());
            rx.recv()
        };
        match job {
            // A panic in one hash must not take a hashing thread with it.
            Ok(job) => {
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
            }
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn a_full_queue_is_refused_at_once_and_the_rest_are_answered() {
        let hashers = Arc::new(Hashers::new(1, 2));
        let (release, gate) = std::sync::mpsc::channel::<()>();
        let gate = Arc::new(Mutex::new(gate));
        let mut running = Vec::new();
        // One runs (held at the gate) and two wait: the fourth is refused.
        for i in 0..3 {
            let h = hashers.clone();
            let g = gate.clone();
            running.push(tokio::spawn(async move {
                h.run(move || {
                    let _ = g.lock().unwrap().recv_timeout(Duration::from_secs(5));
                    i
                })
                .await
            }));
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(hashers.run(|| 99).await.is_err(), "the queue is full");
        for _ in 0..3 {
            release.send(()).unwrap();
        }
        let mut done = Vec::new();
        for r in running {
            done.push(r.await.unwrap().unwrap());
        }
        assert_eq!(done, vec![0, 1, 2]);
        assert_eq!(hashers.run(|| 7).await.unwrap(), 7, "room again");
    }

    #[tokio::test]
    async fn a_panicking_job_answers_busy_and_the_thread_goes_on() {
        let hashers = Hashers::new(1, 1);
        let panicked = hashers.run(|| -> u8 { panic!("boom") }).await;
        assert!(panicked.is_err());
        assert_eq!(hashers.run(|| 5).await.unwrap(), 5);
    }
}
