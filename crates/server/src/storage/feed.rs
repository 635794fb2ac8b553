//! Hands committed events to this process's `Feed` exactly once each, in
//! seq order, without gaps: the events this process stored (right after
//! their commit) and, on PostgreSQL, those other replicas stored (read back
//! when a notification or a poll says the head moved). Both paths meet
//! here under one lock, so a live client never sees seq 12 before 11.

use super::{DbError, Feed, Page, MAX_PAGE};
use sitrep_core::Event;
use std::sync::{Mutex, RwLock};

pub struct Feeder {
    feed: RwLock<Option<Feed>>,
    /// Every seq at or below this has been fed (or was committed before
    /// the process started, which clients read from the log instead).
    fed: Mutex<u64>,
}

impl Feeder {
    pub fn new(head: u64) -> Feeder {
        Feeder {
            feed: RwLock::new(None),
            fed: Mutex::new(head),
        }
    }

    fn is_set(&self) -> bool {
        self.feed
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }

    pub fn set(&self, feed: Feed) {
        *self.feed.write().unwrap_or_else(|p| p.into_inner()) = Some(feed);
    }

    /// This process just committed `stored` (ascending seqs). On one
    /// machine nothing can come between; with replicas, events committed
    /// before these (all visible by now: commits take the log's lock in
    /// seq order) are read first with `read`.
    pub fn local(
        &self,
        stored: &[Event],
        read: impl FnMut(u64, usize) -> Result<Page, DbError>,
    ) -> Result<(), DbError> {
        let Some(first) = stored.first().and_then(|e| e.seq) else {
            return Ok(());
        };
        let mut fed = self.fed.lock().unwrap_or_else(|p| p.into_inner());
        if !self.is_set() {
            return Ok(());
        }
        if first > *fed + 1 {
            self.read_up_to(&mut fed, first - 1, read)?;
        }
        let fresh: Vec<Event> = stored
            .iter()
            .filter(|e| e.seq.unwrap_or(0) > *fed)
            .cloned()
            .collect();
        self.hand(&mut fed, &fresh);
        Ok(())
    }

    /// The log's head is at least `head`: feeds whatever is missing.
    pub fn up_to(
        &self,
        head: u64,
        read: impl FnMut(u64, usize) -> Result<Page, DbError>,
    ) -> Result<(), DbError> {
        let mut fed = self.fed.lock().unwrap_or_else(|p| p.into_inner());
        // Until the feed is set (the server is still starting), nothing is
        // taken as fed: it gets everything from where it started.
        if head > *fed && self.is_set() {
            self.read_up_to(&mut fed, head, read)?;
        }
        Ok(())
    }

    fn read_up_to(
        &self,
        fed: &mut u64,
        head: u64,
        mut read: impl FnMut(u64, usize) -> Result<Page, DbError>,
    ) -> Result<(), DbError> {
        while *fed < head {
            let page = read(*fed, MAX_PAGE)?;
            let events: Vec<Event> = page
                .events
                .into_iter()
                .filter(|e| e.seq.is_some_and(|s| s <= head))
                .collect();
            if events.is_empty() {
                // Seqs may skip (a rolled-back batch): nothing more is
                // stored up to `head`.
                *fed = head;
                break;
            }
            self.hand(fed, &events);
        }
        Ok(())
    }

    fn hand(&self, fed: &mut u64, events: &[Event]) {
        let Some(last) = events.last().and_then(|e| e.seq) else {
            return;
        };
        if let Some(feed) = self.feed.read().unwrap_or_else(|p| p.into_inner()).as_ref() {
            feed(events);
        }
        *fed = last;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn ev(seq: u64) -> Event {
        Event::new(
            format!("e{seq}").as_str(),
            "i",
            "a",
            0,
            sitrep_core::EventBody::NoteAdded {
                text: "n".into(),
                entry: Default::default(),
            },
        )
        .stored(seq, 0)
    }

    fn log(upto: u64) -> impl FnMut(u64, usize) -> Result<Page, DbError> {
        move |after, limit| {
            Ok(Page {
                events: (after + 1..=upto).take(limit).map(ev).collect(),
                head: upto,
            })
        }
    }

    fn recorder() -> (Feeder, Arc<Mutex<Vec<u64>>>) {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let f = Feeder::new(0);
        let s = seen.clone();
        f.set(Arc::new(move |events: &[Event]| {
            s.lock()
                .unwrap()
                .extend(events.iter().map(|e| e.seq.unwrap()))
        }));
        (f, seen)
    }

    #[test]
    fn events_from_this_process_and_from_others_are_fed_once_in_order() {
        let (f, seen) = recorder();
        f.local(&[ev(1), ev(2)], log(2)).unwrap();
        // Another replica committed 3 and 4; ours is 5: 3 and 4 are read first.
        f.local(&[ev(5)], log(5)).unwrap();
        // A notification for a head already fed changes nothing.
        f.up_to(5, log(5)).unwrap();
        // A notification ahead of our own local call feeds ours from the
        // log; the local call then has nothing left to feed.
        f.up_to(7, log(7)).unwrap();
        f.local(&[ev(6), ev(7)], log(7)).unwrap();
        assert_eq!(*seen.lock().unwrap(), vec![1, 2, 3, 4, 5, 6, 7]);
    }

    #[test]
    fn what_others_commit_before_the_feed_is_set_is_fed_once_it_is() {
        let f = Feeder::new(0);
        f.up_to(3, log(3)).unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let s = seen.clone();
        f.set(Arc::new(move |events: &[Event]| {
            s.lock()
                .unwrap()
                .extend(events.iter().map(|e| e.seq.unwrap()))
        }));
        f.up_to(4, log(4)).unwrap();
        assert_eq!(*seen.lock().unwrap(), vec![1, 2, 3, 4]);
    }

    #[test]
    fn a_gap_in_the_seqs_does_not_stall_the_feed() {
        let (f, seen) = recorder();
        let mut sparse = |after: u64, _limit: usize| -> Result<Page, DbError> {
            Ok(Page {
                events: [2_u64, 5]
                    .into_iter()
                    .filter(|s| *s > after)
                    .map(ev)
                    .collect(),
                head: 5,
            })
        };
        f.up_to(5, &mut sparse).unwrap();
        f.local(&[ev(6)], log(6)).unwrap();
        assert_eq!(*seen.lock().unwrap(), vec![2, 5, 6]);
    }
}
