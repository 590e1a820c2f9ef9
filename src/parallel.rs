//! Work spread over the machine's cores, with results in input order so that output never depends
//! on scheduling.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

/// The stack of each helper thread, as large as a main thread's on Linux.
const STACK_BYTES: usize = 8 * 1024 * 1024;

/// `f` applied to every item, on up to as many threads as the process may use, the caller's
/// included. Threads take the next item as they finish one, so that a few large items do not
/// leave a core idle. A panic in `f` is resumed on the caller.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism()
        .map_or(1, usize::from)
        .min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let next = AtomicUsize::new(0);
    let (f, next) = (&f, &next);
    let work = move || {
        let mut done = Vec::new();
        loop {
            let index = next.fetch_add(1, Ordering::Relaxed);
            let Some(item) = items.get(index) else {
                return done;
            };
            done.push((index, f(item)));
        }
    };
    let mut slots: Vec<Option<R>> = std::thread::scope(|scope| {
        // Helpers get the stack the main thread has: parsing nested input recurses. One that
        // cannot be started leaves its share to the others, and the caller always works too.
        let helpers: Vec<_> = (1..threads)
            .filter_map(|_| {
                std::thread::Builder::new()
                    .stack_size(STACK_BYTES)
                    .spawn_scoped(scope, work)
                    .ok()
            })
            .collect();
        let mut slots: Vec<Option<R>> = (0..items.len()).map(|_| None).collect();
        let mut place = |done: Vec<(usize, R)>| {
            for (index, result) in done {
                slots[index] = Some(result);
            }
        };
        place(work());
        for helper in helpers {
            match helper.join() {
                Ok(done) => place(done),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        slots
    });
    // Every index below `items.len()` was taken by exactly one thread.
    slots.iter_mut().filter_map(Option::take).collect()
}

/// [`map`] for items the work consumes: each is moved into `f` once, results in input order.
pub fn map_owned<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let cells: Vec<Mutex<Option<T>>> = items
        .into_iter()
        .map(|item| Mutex::new(Some(item)))
        .collect();
    map(&cells, |cell| {
        cell.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .map(&f)
    })
    .into_iter()
    .flatten()
    .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_keep_the_input_order() {
        let items: Vec<usize> = (0..1000).collect();
        let doubled = super::map(&items, |n| n * 2);
        assert_eq!(doubled, items.iter().map(|n| n * 2).collect::<Vec<_>>());
        assert!(super::map(&[] as &[usize], |n| *n).is_empty());
    }

    #[test]
    fn owned_items_are_each_consumed_once_in_order() {
        let items: Vec<String> = (0..1000).map(|n| n.to_string()).collect();
        let expected: Vec<usize> = items.iter().map(String::len).collect();
        assert_eq!(super::map_owned(items, |text| text.len()), expected);
    }
}
